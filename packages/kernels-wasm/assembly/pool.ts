// 2-D max and average pooling over NCHW planes. Geometry: Note [geometry block] (geometry.ts).
// Each kernel takes a plane range [planeBegin, planeEnd) over the N·C planes (thread split).
// The 2×2, stride-2 pool (the case study's) has f32x4 forward and backward paths; the general
// loops are scalar (pooling is a small share of a training step: performance compromise).
import {
  geom, G_H, G_W, G_KH, G_KW, G_SH, G_SW, G_PH, G_PW, G_DH, G_DW, G_OH, G_OW,
} from './geometry';
import { rowSum } from './reduce';

/**
 * y = max over each window (padding is −∞); argmax[i] (i32 stored in the f32 storage) is the
 * index iy·W + ix of the first maximum within its input plane, or −1 for an empty window.
 */
export function maxPool2d(xPtr: usize, yPtr: usize, argmaxPtr: usize, geomPtr: usize, planeBegin: i32, planeEnd: i32): void {
  const h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const kh = geom(geomPtr, G_KH), kw = geom(geomPtr, G_KW);
  const sh = geom(geomPtr, G_SH), sw = geom(geomPtr, G_SW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const dh = geom(geomPtr, G_DH), dw = geom(geomPtr, G_DW);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1) {
    maxPool2x2(xPtr, yPtr, argmaxPtr, h, w, oh, ow, planeBegin, planeEnd);
    return;
  }
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const xPlanePtr = xPtr + (<usize>plane * <usize>(h * w) << 2);
    let outIndex = <usize>plane * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity as f32;
        let bestIndex = -1;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(xPlanePtr + (<usize>(iy * w + ix) << 2));
            // NOTE: NaN wins, as in PyTorch (a NaN input must not be hidden by the pool).
            if (bestIndex < 0 || v > best || (v != v && best == best)) {
              best = v;
              bestIndex = iy * w + ix;
            }
          }
        }
        store<f32>(yPtr + (outIndex << 2), best);
        store<i32>(argmaxPtr + (outIndex << 2), bestIndex);
        outIndex++;
      }
    }
  }
}

/**
 * The case-study pool (2×2, stride 2, no padding) without the general loop's bounds checks and
 * unpredictable branches: every window is inside the plane, and the running maximum is kept with
 * selects, four outputs per f32x4 (the even and odd columns of two input rows are split with
 * shuffles), then a scalar tail. Same result as the general path: the first maximum in row-major
 * window order wins, and a NaN wins over numbers (the first NaN, as in PyTorch).
 */
function maxPool2x2(xPtr: usize, yPtr: usize, argmaxPtr: usize, h: i32, w: i32, oh: i32, ow: i32, planeBegin: i32, planeEnd: i32): void {
  const wBytes = <usize>w << 2;
  const vEven = i32x4(0, 2, 4, 6);
  const vOne = i32x4.splat(1);
  const vW = i32x4.splat(w);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const xPlanePtr = xPtr + (<usize>plane * <usize>(h * w) << 2);
    let outPtr = <usize>plane * <usize>(oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const row0 = 2 * oy * w;
      let ox = 0;
      // Reads x[2·ox … 2·ox + 7] of both rows: inside the plane since 2·(ox + 3) + 1 < 2·ow ≤ w.
      for (; ox + 4 <= ow; ox += 4) {
        const p = xPlanePtr + (<usize>(row0 + 2 * ox) << 2);
        const vr0a = v128.load(p);
        const vr0b = v128.load(p, 16);
        const vr1a = v128.load(p + wBytes);
        const vr1b = v128.load(p + wBytes, 16);
        const va = v128.shuffle<f32>(vr0a, vr0b, 0, 2, 4, 6);
        const vb = v128.shuffle<f32>(vr0a, vr0b, 1, 3, 5, 7);
        const vc = v128.shuffle<f32>(vr1a, vr1b, 0, 2, 4, 6);
        const vd = v128.shuffle<f32>(vr1a, vr1b, 1, 3, 5, 7);
        const viA = i32x4.add(i32x4.splat(row0 + 2 * ox), vEven);
        let vbest = va;
        let vidx = viA;
        let vtake = v128.or(f32x4.gt(vb, vbest), v128.and(f32x4.ne(vb, vb), f32x4.eq(vbest, vbest)));
        vbest = v128.bitselect(vb, vbest, vtake);
        vidx = v128.bitselect(i32x4.add(viA, vOne), vidx, vtake);
        vtake = v128.or(f32x4.gt(vc, vbest), v128.and(f32x4.ne(vc, vc), f32x4.eq(vbest, vbest)));
        vbest = v128.bitselect(vc, vbest, vtake);
        vidx = v128.bitselect(i32x4.add(viA, vW), vidx, vtake);
        vtake = v128.or(f32x4.gt(vd, vbest), v128.and(f32x4.ne(vd, vd), f32x4.eq(vbest, vbest)));
        vbest = v128.bitselect(vd, vbest, vtake);
        vidx = v128.bitselect(i32x4.add(i32x4.add(viA, vW), vOne), vidx, vtake);
        v128.store(yPtr + outPtr, vbest);
        v128.store(argmaxPtr + outPtr, vidx);
        outPtr += 16;
      }
      for (; ox < ow; ox++) {
        const i0 = row0 + 2 * ox;
        const p = xPlanePtr + (<usize>i0 << 2);
        let best = load<f32>(p);
        let bestIndex = i0;
        // Candidate c replaces the best when c > best, or when c is NaN and best is not.
        const b = load<f32>(p, 4);
        let take = b > best || (b != b && best == best);
        best = select<f32>(b, best, take);
        bestIndex = select<i32>(i0 + 1, bestIndex, take);
        const c = load<f32>(p + wBytes);
        take = c > best || (c != c && best == best);
        best = select<f32>(c, best, take);
        bestIndex = select<i32>(i0 + w, bestIndex, take);
        const d = load<f32>(p + wBytes, 4);
        take = d > best || (d != d && best == best);
        best = select<f32>(d, best, take);
        bestIndex = select<i32>(i0 + w + 1, bestIndex, take);
        store<f32>(yPtr + outPtr, best);
        store<i32>(argmaxPtr + outPtr, bestIndex);
        outPtr += 4;
      }
    }
  }
}

/** dx = 0, then dx[argmax] += dy for every output position. */
export function maxPool2dBackward(dyPtr: usize, argmaxPtr: usize, dxPtr: usize, geomPtr: usize, planeBegin: i32, planeEnd: i32): void {
  const h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const planeSize = h * w;
  const outSize = oh * ow;
  if (planeEnd <= planeBegin) return;
  if (
    geom(geomPtr, G_KH) == 2 && geom(geomPtr, G_KW) == 2 && geom(geomPtr, G_SH) == 2 && geom(geomPtr, G_SW) == 2 &&
    geom(geomPtr, G_PH) == 0 && geom(geomPtr, G_PW) == 0 && geom(geomPtr, G_DH) == 1 && geom(geomPtr, G_DW) == 1 &&
    h == 2 * oh && w == 2 * ow
  ) {
    maxPool2x2Backward(dyPtr, argmaxPtr, dxPtr, w, oh, ow, planeBegin, planeEnd);
    return;
  }
  memory.fill(dxPtr + (<usize>planeBegin * <usize>planeSize << 2), 0, <usize>(planeEnd - planeBegin) * <usize>planeSize << 2);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const dxPlanePtr = dxPtr + (<usize>plane * <usize>planeSize << 2);
    const base = <usize>plane * <usize>outSize;
    for (let o = 0; o < outSize; o++) {
      const index = load<i32>(argmaxPtr + ((base + o) << 2));
      if (index < 0) continue;
      const p = dxPlanePtr + (<usize>index << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dyPtr + ((base + o) << 2)));
    }
  }
}

/** y = mean over each window; padding counts as zeros and the divisor is always KH·KW. */
export function avgPool2d(xPtr: usize, yPtr: usize, geomPtr: usize, planeBegin: i32, planeEnd: i32): void {
  const h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const kh = geom(geomPtr, G_KH), kw = geom(geomPtr, G_KW);
  const sh = geom(geomPtr, G_SH), sw = geom(geomPtr, G_SW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const dh = geom(geomPtr, G_DH), dw = geom(geomPtr, G_DW);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const scale = <f32>1 / <f32>(kh * kw);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const xPlanePtr = xPtr + (<usize>plane * <usize>(h * w) << 2);
    let outIndex = <usize>plane * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let sum: f32 = 0;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            sum += load<f32>(xPlanePtr + (<usize>(iy * w + ix) << 2));
          }
        }
        store<f32>(yPtr + (outIndex << 2), sum * scale);
        outIndex++;
      }
    }
  }
}

/** dx = 0, then every window adds dy / (KH·KW) to each of its in-bounds inputs. */
export function avgPool2dBackward(dyPtr: usize, dxPtr: usize, geomPtr: usize, planeBegin: i32, planeEnd: i32): void {
  const h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const kh = geom(geomPtr, G_KH), kw = geom(geomPtr, G_KW);
  const sh = geom(geomPtr, G_SH), sw = geom(geomPtr, G_SW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const dh = geom(geomPtr, G_DH), dw = geom(geomPtr, G_DW);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  if (planeEnd <= planeBegin) return;
  const scale = <f32>1 / <f32>(kh * kw);
  memory.fill(dxPtr + (<usize>planeBegin * <usize>(h * w) << 2), 0, <usize>(planeEnd - planeBegin) * <usize>(h * w) << 2);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const dxPlanePtr = dxPtr + (<usize>plane * <usize>(h * w) << 2);
    let outIndex = <usize>plane * <usize>(oh * ow);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const g = load<f32>(dyPtr + (outIndex << 2)) * scale;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const p = dxPlanePtr + (<usize>(iy * w + ix) << 2);
            store<f32>(p, load<f32>(p) + g);
          }
        }
        outIndex++;
      }
    }
  }
}

/**
 * maxPool2dBackward for the 2×2, stride-2 pool over planes of exactly 2·OH × 2·OW: the windows
 * tile the plane, so every dx element is written once (dy where it was its window's argmax, else
 * 0) in one pass, with no separate zero fill. Four windows per f32x4: each of the four window
 * positions is selected by comparing the argmax with its index, then the even and odd columns
 * are interleaved back into the two input rows.
 */
function maxPool2x2Backward(dyPtr: usize, argmaxPtr: usize, dxPtr: usize, w: i32, oh: i32, ow: i32, planeBegin: i32, planeEnd: i32): void {
  const wBytes = <usize>w << 2;
  const vEven = i32x4(0, 2, 4, 6);
  const vOne = i32x4.splat(1);
  const vW = i32x4.splat(w);
  const vzero = f32x4.splat(0);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const dxPlanePtr = dxPtr + (<usize>plane * <usize>(2 * oh * w) << 2);
    let outOff = <usize>plane * <usize>(oh * ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const row0 = 2 * oy * w;
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        const vdy = v128.load(dyPtr + outOff);
        const vidx = v128.load(argmaxPtr + outOff);
        const vi00 = i32x4.add(i32x4.splat(row0 + 2 * ox), vEven);
        const vi10 = i32x4.add(vi00, vW);
        const v00 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, vi00));
        const v01 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, i32x4.add(vi00, vOne)));
        const v10 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, vi10));
        const v11 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, i32x4.add(vi10, vOne)));
        const p = dxPlanePtr + (<usize>(row0 + 2 * ox) << 2);
        v128.store(p, v128.shuffle<f32>(v00, v01, 0, 4, 1, 5));
        v128.store(p, v128.shuffle<f32>(v00, v01, 2, 6, 3, 7), 16);
        v128.store(p + wBytes, v128.shuffle<f32>(v10, v11, 0, 4, 1, 5));
        v128.store(p + wBytes, v128.shuffle<f32>(v10, v11, 2, 6, 3, 7), 16);
        outOff += 16;
      }
      for (; ox < ow; ox++) {
        const i0 = row0 + 2 * ox;
        const g = load<f32>(dyPtr + outOff);
        const index = load<i32>(argmaxPtr + outOff);
        const p = dxPlanePtr + (<usize>i0 << 2);
        store<f32>(p, index == i0 ? g : 0);
        store<f32>(p, index == i0 + 1 ? g : 0, 4);
        store<f32>(p + wBytes, index == i0 + w ? g : 0);
        store<f32>(p + wBytes, index == i0 + w + 1 ? g : 0, 4);
        outOff += 4;
      }
    }
  }
}

/**
 * The backward of y = maxPool2d(relu(pre)) up to pre, with the bias gradient's first pass
 * (autograd's Note [fused conv pool]): g = dy where y > 0 (the ReLU's mask at the window's argmax),
 * dx = 0, then dx[argmax] += g, and rowSum[n, c] = Σ g over the plane, for images [nBegin, nEnd) of
 * [N, C] planes (threads split images; the caller adds the rows over n in order). The 2×2,
 * stride-2 pool over planes of exactly 2·OH × 2·OW writes each dx element once, as
 * maxPool2x2Backward. dx is exactly the unfused reluBackward(maxPool2dBackward(dy), pre) (zeros
 * where unfused has zeros), and each row sum is taken over the dx plane just written, in
 * reluBackwardBias's order (planeSum), so dbias is bit for bit the unfused one too.
 */
export function maxPoolReluBackwardBias(
  dyPtr: usize, argmaxPtr: usize, yPtr: usize, dxPtr: usize, rowSumPtr: usize, geomPtr: usize, c: i32, nBegin: i32, nEnd: i32,
): void {
  const h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const planeSize = h * w;
  const outSize = oh * ow;
  if (nEnd <= nBegin) return;
  const planeBegin = nBegin * c, planeEnd = nEnd * c;
  const vzero = f32x4.splat(0);
  if (
    geom(geomPtr, G_KH) == 2 && geom(geomPtr, G_KW) == 2 && geom(geomPtr, G_SH) == 2 && geom(geomPtr, G_SW) == 2 &&
    geom(geomPtr, G_PH) == 0 && geom(geomPtr, G_PW) == 0 && geom(geomPtr, G_DH) == 1 && geom(geomPtr, G_DW) == 1 &&
    h == 2 * oh && w == 2 * ow
  ) {
    const wBytes = <usize>w << 2;
    const vEven = i32x4(0, 2, 4, 6);
    const vOne = i32x4.splat(1);
    const vW = i32x4.splat(w);
    for (let plane = planeBegin; plane < planeEnd; plane++) {
      const dxPlanePtr = dxPtr + (<usize>plane * <usize>planeSize << 2);
      let outOff = <usize>plane * <usize>outSize << 2;
      for (let oy = 0; oy < oh; oy++) {
        const row0 = 2 * oy * w;
        let ox = 0;
        for (; ox + 4 <= ow; ox += 4) {
          const vdy = v128.and(v128.load(dyPtr + outOff), f32x4.gt(v128.load(yPtr + outOff), vzero));
          const vidx = v128.load(argmaxPtr + outOff);
          const vi00 = i32x4.add(i32x4.splat(row0 + 2 * ox), vEven);
          const vi10 = i32x4.add(vi00, vW);
          const v00 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, vi00));
          const v01 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, i32x4.add(vi00, vOne)));
          const v10 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, vi10));
          const v11 = v128.bitselect(vdy, vzero, i32x4.eq(vidx, i32x4.add(vi10, vOne)));
          const p = dxPlanePtr + (<usize>(row0 + 2 * ox) << 2);
          v128.store(p, v128.shuffle<f32>(v00, v01, 0, 4, 1, 5));
          v128.store(p, v128.shuffle<f32>(v00, v01, 2, 6, 3, 7), 16);
          v128.store(p + wBytes, v128.shuffle<f32>(v10, v11, 0, 4, 1, 5));
          v128.store(p + wBytes, v128.shuffle<f32>(v10, v11, 2, 6, 3, 7), 16);
          outOff += 16;
        }
        for (; ox < ow; ox++) {
          const i0 = row0 + 2 * ox;
          const g: f32 = load<f32>(yPtr + outOff) > 0 ? load<f32>(dyPtr + outOff) : 0;
          const index = load<i32>(argmaxPtr + outOff);
          const p = dxPlanePtr + (<usize>i0 << 2);
          store<f32>(p, index == i0 ? g : 0);
          store<f32>(p, index == i0 + 1 ? g : 0, 4);
          store<f32>(p + wBytes, index == i0 + w ? g : 0);
          store<f32>(p + wBytes, index == i0 + w + 1 ? g : 0, 4);
          outOff += 4;
        }
      }
      store<f32>(rowSumPtr + (<usize>plane << 2), rowSum(dxPlanePtr, planeSize));
    }
    return;
  }
  memory.fill(dxPtr + (<usize>planeBegin * <usize>planeSize << 2), 0, <usize>(planeEnd - planeBegin) * <usize>planeSize << 2);
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const dxPlanePtr = dxPtr + (<usize>plane * <usize>planeSize << 2);
    const base = <usize>plane * <usize>outSize;
    for (let o = 0; o < outSize; o++) {
      const index = load<i32>(argmaxPtr + ((base + o) << 2));
      if (index < 0 || !(load<f32>(yPtr + ((base + o) << 2)) > 0)) continue;
      const g = load<f32>(dyPtr + ((base + o) << 2));
      const p = dxPlanePtr + (<usize>index << 2);
      store<f32>(p, load<f32>(p) + g);
    }
    store<f32>(rowSumPtr + (<usize>plane << 2), rowSum(dxPlanePtr, planeSize));
  }
}
