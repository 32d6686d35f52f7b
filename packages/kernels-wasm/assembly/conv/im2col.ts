// im2col / col2im in the layout of Note [im2col layout] (packages/autograd/src/backend.ts):
// cols is [N, C·KH·KW, OH·OW]. Geometry comes from Note [geometry block] (../geometry.ts).
// Both take an image range [nBegin, nEnd) so a worker pool can split the batch.
import {
  geom, firstValid, endValid,
  G_C, G_H, G_W, G_KH, G_KW, G_SH, G_SW, G_PH, G_PW, G_DH, G_DW, G_OH, G_OW,
} from '../geometry';

// NOTE: rows here are short (OW floats); V8 lowers memory.copy / memory.fill to a call into the
// runtime, which costs more than the copy itself, so these are inline SIMD loops.

// @ts-ignore: decorator
@inline export function zeroF32(ptr: usize, count: i32): void {
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(ptr + (<usize>i << 2), vzero);
  for (; i < count; i++) store<f32>(ptr + (<usize>i << 2), 0);
}

// @ts-ignore: decorator
@inline export function copyF32(dstPtr: usize, srcPtr: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dstPtr + (<usize>i << 2), v128.load(srcPtr + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dstPtr + (<usize>i << 2), load<f32>(srcPtr + (<usize>i << 2)));
}

/** Adds src[0..count) into dst[0..count) (both contiguous). */
// @ts-ignore: decorator
@inline function addRow(dstPtr: usize, srcPtr: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    v128.store(dstPtr + off, f32x4.add(v128.load(dstPtr + off), v128.load(srcPtr + off)));
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    store<f32>(dstPtr + off, load<f32>(dstPtr + off) + load<f32>(srcPtr + off));
  }
}

/** cols[n] = im2col(x[n]) for n in [nBegin, nEnd). x is [N, C, H, W]. */
export function im2col(xPtr: usize, colsPtr: usize, geomPtr: usize, nBegin: i32, nEnd: i32): void {
  const c = geom(geomPtr, G_C), h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const kh = geom(geomPtr, G_KH), kw = geom(geomPtr, G_KW);
  const sh = geom(geomPtr, G_SH), sw = geom(geomPtr, G_SW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const dh = geom(geomPtr, G_DH), dw = geom(geomPtr, G_DW);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const planeBytes = <usize>(h * w) << 2;
  let dstPtr = colsPtr + <usize>nBegin * <usize>(c * kh * kw) * <usize>(oh * ow) * 4;
  if (sh == 1 && sw == 1) {
    // Fast path for stride 1 (the case-study convs, and the flipped backward-input conv): the
    // valid output rows and columns of each tap are one range each, so there is no bounds logic
    // per output row and the all-padding rows above and below are one contiguous fill.
    for (let n = nBegin; n < nEnd; n++) {
      for (let ci = 0; ci < c; ci++) {
        const planePtr = xPtr + <usize>(n * c + ci) * planeBytes;
        for (let i = 0; i < kh; i++) {
          const yOffset = i * dh - ph;
          const oy0 = firstValid(yOffset, 1, oh);
          const oy1 = max(oy0, endValid(yOffset, 1, h, oh));
          for (let j = 0; j < kw; j++) {
            const xOffset = j * dw - pw;
            const ox0 = firstValid(xOffset, 1, ow);
            const ox1 = max(ox0, endValid(xOffset, 1, w, ow));
            zeroF32(dstPtr, oy0 * ow);
            dstPtr += <usize>(oy0 * ow) << 2;
            let srcPtr = planePtr + (<usize>((oy0 + yOffset) * w + ox0 + xOffset) << 2);
            for (let oy = oy0; oy < oy1; oy++) {
              zeroF32(dstPtr, ox0);
              copyF32(dstPtr + (<usize>ox0 << 2), srcPtr, ox1 - ox0);
              zeroF32(dstPtr + (<usize>ox1 << 2), ow - ox1);
              srcPtr += <usize>w << 2;
              dstPtr += <usize>ow << 2;
            }
            zeroF32(dstPtr, (oh - oy1) * ow);
            dstPtr += <usize>((oh - oy1) * ow) << 2;
          }
        }
      }
    }
    return;
  }
  for (let n = nBegin; n < nEnd; n++) {
    for (let ci = 0; ci < c; ci++) {
      const planePtr = xPtr + <usize>(n * c + ci) * planeBytes;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const xOffset = j * dw - pw;
          const ox0 = firstValid(xOffset, sw, ow);
          const ox1 = max(ox0, endValid(xOffset, sw, w, ow));
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + i * dh;
            if (iy < 0 || iy >= h) {
              zeroF32(dstPtr, ow);
            } else {
              const rowPtr = planePtr + (<usize>(iy * w) << 2);
              zeroF32(dstPtr, ox0);
              if (sw == 1) {
                copyF32(dstPtr + (<usize>ox0 << 2), rowPtr + (<usize>(ox0 + xOffset) << 2), ox1 - ox0);
              } else {
                let ox = ox0;
                if (sw == 2) {
                  // Note [stride-2 gather]: 4 outputs from the 8 floats at 2·ox + xOffset, the even
                  // lanes of two loads, while those 8 lie inside the row; the rest one at a time.
                  // The same copy, so bit-identical; the resnet suite's stride-2 conv
                  // [64,32,32,32] → 64 (apps/bench/scripts/conv-ab.mjs, 20 rounds, CPU time, AMD
                  // EPYC Zen 4, 2026-12-07): forward 0.95×, backward-weight 0.96× the time.
                  for (; ox + 4 <= ox1 && 2 * ox + xOffset + 8 <= w; ox += 4) {
                    const src = rowPtr + (<usize>(2 * ox + xOffset) << 2);
                    v128.store(dstPtr + (<usize>ox << 2), v128.shuffle<f32>(v128.load(src), v128.load(src, 16), 0, 2, 4, 6));
                  }
                }
                for (; ox < ox1; ox++) {
                  store<f32>(dstPtr + (<usize>ox << 2), load<f32>(rowPtr + (<usize>(ox * sw + xOffset) << 2)));
                }
              }
              zeroF32(dstPtr + (<usize>ox1 << 2), ow - ox1);
            }
            dstPtr += <usize>ow << 2;
          }
        }
      }
    }
  }
}

/** dx[n] = col2im(cols[n]) for n in [nBegin, nEnd): the adjoint of im2col (scatter-add). */
export function col2im(colsPtr: usize, dxPtr: usize, geomPtr: usize, nBegin: i32, nEnd: i32): void {
  const c = geom(geomPtr, G_C), h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const kh = geom(geomPtr, G_KH), kw = geom(geomPtr, G_KW);
  const sh = geom(geomPtr, G_SH), sw = geom(geomPtr, G_SW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const dh = geom(geomPtr, G_DH), dw = geom(geomPtr, G_DW);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const planeBytes = <usize>(h * w) << 2;
  if (nEnd > nBegin) memory.fill(dxPtr + <usize>nBegin * <usize>c * planeBytes, 0, <usize>(nEnd - nBegin) * <usize>c * planeBytes);
  let srcPtr = colsPtr + <usize>nBegin * <usize>(c * kh * kw) * <usize>(oh * ow) * 4;
  for (let n = nBegin; n < nEnd; n++) {
    for (let ci = 0; ci < c; ci++) {
      const planePtr = dxPtr + <usize>(n * c + ci) * planeBytes;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const xOffset = j * dw - pw;
          const ox0 = firstValid(xOffset, sw, ow);
          const ox1 = max(ox0, endValid(xOffset, sw, w, ow));
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh - ph + i * dh;
            if (iy >= 0 && iy < h) {
              const rowPtr = planePtr + (<usize>(iy * w) << 2);
              if (sw == 1) {
                addRow(rowPtr + (<usize>(ox0 + xOffset) << 2), srcPtr + (<usize>ox0 << 2), ox1 - ox0);
              } else {
                let ox = ox0;
                if (sw == 2) {
                  // Note [stride-2 gather], the other way: 4 values into the even floats of the 8 at
                  // 2·ox + xOffset, with −0 added to the odd ones (x + −0 is x, bit for bit, −0
                  // included), so every float gets the same additions in the same order.
                  const vnz = f32x4.splat(-0.0);
                  for (; ox + 4 <= ox1 && 2 * ox + xOffset + 8 <= w; ox += 4) {
                    const dst = rowPtr + (<usize>(2 * ox + xOffset) << 2);
                    const v = v128.load(srcPtr + (<usize>ox << 2));
                    v128.store(dst, f32x4.add(v128.load(dst), v128.shuffle<f32>(v, vnz, 0, 4, 1, 4)));
                    v128.store(dst, f32x4.add(v128.load(dst, 16), v128.shuffle<f32>(v, vnz, 2, 4, 3, 4)), 16);
                  }
                }
                for (; ox < ox1; ox++) {
                  const p = rowPtr + (<usize>(ox * sw + xOffset) << 2);
                  store<f32>(p, load<f32>(p) + load<f32>(srcPtr + (<usize>ox << 2)));
                }
              }
            }
            srcPtr += <usize>ow << 2;
          }
        }
      }
    }
  }
}
