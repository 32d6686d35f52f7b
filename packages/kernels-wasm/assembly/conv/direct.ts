// Direct 3×3 convolution forward (stride 1, dilation 1, any padding) for convs with few input
// channels, where neither Winograd (its GEMMs reduce over C) nor im2col + GEMM (one 9·C-deep
// reduction per output, after writing the 9·C × OH·OW cols) keeps the multiply-adds busy: conv1 of
// the case study (C = 1) and an RGB stem (C = 3). Pointers are byte addresses; sizes in elements.
//
// Note [direct conv]: each image is first copied into a zero-padded strip (C planes of OH + 2 rows
// of stripStride(OW) floats; the padding is zeroed once per call, the copy writes only the image),
// so every tap of every output is an in-bounds read with no edge cases. 4 output channels × 8
// adjacent outputs of a row are 8 f32x4 accumulators (the GEMM tile's shape: Note [winograd gemm
// tile]); each tap is two unaligned loads of x at the tap's offset (a per-call table) and 8
// multiply-adds against 4 pre-broadcast weights (packed per call as [round4(O)/4][C·9][4][4]). The
// accumulators start at the bias, each output sums its taps in (c, ky, kx) order, and ReLU (Note
// [fused conv epilogue], src/conv.ts) is applied before the store. The result depends on the
// geometry alone, never on the thread count.
//
// The tap loop is a runtime loop on purpose: with the 9 taps unrolled in the source, V8 (11.3)
// scheduled all the weight loads of a step first and spilled them, and the kernel ran 2–3× slower
// than im2col + GEMM. Measured (apps/bench/scripts/direct-ab.mjs, alternating, medians, AMD EPYC
// Zen 4): conv1 [128,1,28,28] → 16: 1.09 against im2col's 1.30 ms; the stem [64,3,32,32] → 32, p=1:
// 2.8–3.0 against 3.9–4.2 ms. A direct backward-weight in the same style (3 or 4 taps × 2 channels
// per tile, dy copied to the strip's stride) measured 1.05–1.3× im2col's time, reading dy from
// memory, and was not kept: the weight gradient stays on im2col + dot products.
import { madd } from '../gemm/madd';
import { geom, G_C, G_H, G_W, G_OH, G_OW, G_PH, G_PW } from '../geometry';
import { copyF32, zeroF32 } from './im2col';
import { storeCols } from './winograd';

/**
 * Floats per strip row: round4(OW + 2), the padded row rounded to whole vectors. The lanes of a
 * last group of 8 outputs past OW read on into the next row, or into STRIP_SLACK floats after the
 * last plane; they are never stored.
 */
// @ts-ignore: decorator
@inline function stripStride(ow: i32): i32 { return (ow + 2 + 3) & ~3; }
const STRIP_SLACK: i32 = 16;
/** Bytes of the padded strip of one image: C planes of (OH + 2) rows, then the slack. */
// @ts-ignore: decorator
@inline function stripBytes(c: i32, oh: i32, ow: i32): i32 { return (c * (oh + 2) * stripStride(ow) + STRIP_SLACK) * 4; }
/** Output channel blocks of the forward's register tile. */
// @ts-ignore: decorator
@inline function blocks4(o: i32): i32 { return (o + 3) >> 2; }

/** Scratch bytes directConv2d needs (per thread): the strip, the packed weights and bias. */
export function directConv2dScratchBytes(o: i32, geomPtr: usize): i32 {
  const c = geom(geomPtr, G_C);
  return stripBytes(c, geom(geomPtr, G_OH), geom(geomPtr, G_OW)) + blocks4(o) * (c * 9 * 16 + 4) * 4 + c * 9 * 4;
}

/** Image x [C, H, W] into the strip at (ph, pw) of each plane (the padding already zero). */
function copyIntoStrip(xImage: usize, stripPtr: usize, c: i32, h: i32, w: i32, oh: i32, ps: i32, ph: i32, pw: i32): void {
  // rows of the strip that hold image rows, and the image columns inside the strip (stride 1:
  // OH + 2 = H + 2·PH rows, OW + 2 = W + 2·PW columns)
  for (let ci = 0; ci < c; ci++) {
    const src = xImage + (<usize>(ci * h * w) << 2);
    const dst = stripPtr + (<usize>(ci * (oh + 2) * ps) << 2);
    for (let r = 0; r < h; r++) {
      copyF32(dst + (<usize>((r + ph) * ps + pw) << 2), src + (<usize>(r * w) << 2), w);
    }
  }
}

/** Padding of the strip (everything outside the image) set to zero: the whole strip once per call. */
// @ts-ignore: decorator
@inline function zeroStrip(stripPtr: usize, c: i32, oh: i32, ow: i32): void {
  zeroF32(stripPtr, stripBytes(c, oh, ow) >> 2);
}

/**
 * y[n] = conv2d(x[n], w) (+ bias) (then ReLU when relu != 0) for n in [nBegin, nEnd): w [O, C, 3, 3],
 * stride 1, dilation 1, padding from the geometry block (Note [direct conv]).
 * scratchPtr: directConv2dScratchBytes(O, geom) bytes.
 */
export function directConv2d(
  xPtr: usize, wPtr: usize, biasPtr: usize, relu: i32, yPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const c = geom(geomPtr, G_C), h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW), ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const ps = stripStride(ow);
  const psBytes = <usize>ps << 2;
  const stripPtr = scratchPtr;
  const planeBytes = <usize>((oh + 2) * ps) << 2;
  const taps = c * 9;
  const nb = blocks4(o);
  // weights packed as [block][tap][4 channels][4 lanes] (pre-broadcast, zero past O), the bias as
  // [block][4], then the byte offset of each tap (ci, ky, kx) from an output's first tap in the strip
  const packPtr = stripPtr + <usize>stripBytes(c, oh, ow);
  const blockBytes = <usize>taps << 6;
  const biasPack = packPtr + <usize>nb * blockBytes;
  const offsPtr = biasPack + (<usize>nb << 4), offsEnd = offsPtr + (<usize>taps << 2);
  zeroF32(packPtr, nb * (taps * 16 + 4));
  for (let oc = 0; oc < o; oc++) {
    const dst = packPtr + <usize>(oc >> 2) * blockBytes + (<usize>(oc & 3) << 4);
    for (let k = 0; k < taps; k++) v128.store(dst + (<usize>k << 6), v128.load32_splat(wPtr + (<usize>(oc * taps + k) << 2)));
    if (biasPtr != 0) store<f32>(biasPack + (<usize>oc << 2), load<f32>(biasPtr + (<usize>oc << 2)));
  }
  for (let k = 0; k < taps; k++) {
    const ci = k / 9, t = k % 9;
    store<i32>(offsPtr + (<usize>k << 2), <i32>(<usize>ci * planeBytes) + ((t / 3) * ps + t % 3) * 4);
  }
  zeroStrip(stripPtr, c, oh, ow);
  const vzero = f32x4.splat(0);
  const reluOn = relu != 0;
  const yPlaneBytes = <usize>(oh * ow) << 2;
  for (let n = nBegin; n < nEnd; n++) {
    copyIntoStrip(xPtr + <usize>n * (<usize>(c * h * w) << 2), stripPtr, c, h, w, oh, ps, ph, pw);
    const yImage = yPtr + <usize>n * <usize>o * yPlaneBytes;
    for (let b = 0; b < nb; b++) {
      const wBlock = packPtr + <usize>b * blockBytes;
      const bp = biasPack + (<usize>b << 4);
      const outs = min(4, o - b * 4);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox0 = 0; ox0 < ow; ox0 += 8) {
          // 4 channels × 8 adjacent outputs, one tap per step (the GEMM tile's shape, Note [relaxed
          // madd]; a loop V8 keeps in registers, where a fully unrolled 3×3 had all its weight loads
          // hoisted to the top and spilled): x at the tap's offset in the strip, 4 pre-broadcast weights
          let a00 = v128.load32_splat(bp), a10 = v128.load32_splat(bp, 4), a20 = v128.load32_splat(bp, 8), a30 = v128.load32_splat(bp, 12);
          let a01 = a00, a11 = a10, a21 = a20, a31 = a30;
          const xp = stripPtr + <usize>oy * psBytes + (<usize>ox0 << 2);
          let wp = wBlock;
          for (let op = offsPtr; op < offsEnd; op += 4) {
            const xq = xp + <usize>load<i32>(op);
            const x0 = v128.load(xq), x1 = v128.load(xq, 16);
            const w0 = v128.load(wp);
            a00 = madd(x0, w0, a00); a01 = madd(x1, w0, a01);
            const w1 = v128.load(wp, 16);
            a10 = madd(x0, w1, a10); a11 = madd(x1, w1, a11);
            const w2 = v128.load(wp, 32);
            a20 = madd(x0, w2, a20); a21 = madd(x1, w2, a21);
            const w3 = v128.load(wp, 48);
            a30 = madd(x0, w3, a30); a31 = madd(x1, w3, a31);
            wp += 64;
          }
          if (reluOn) {
            // the unary relu kernel's form, so the fused output is bit for bit relu(conv)
            a00 = v128.and(a00, f32x4.gt(a00, vzero)); a01 = v128.and(a01, f32x4.gt(a01, vzero));
            a10 = v128.and(a10, f32x4.gt(a10, vzero)); a11 = v128.and(a11, f32x4.gt(a11, vzero));
            a20 = v128.and(a20, f32x4.gt(a20, vzero)); a21 = v128.and(a21, f32x4.gt(a21, vzero));
            a30 = v128.and(a30, f32x4.gt(a30, vzero)); a31 = v128.and(a31, f32x4.gt(a31, vzero));
          }
          const out = yImage + <usize>(b * 4) * yPlaneBytes + (<usize>(oy * ow + ox0) << 2);
          const cols = min(8, ow - ox0);
          storeOut(out, a00, a01, cols);
          if (outs > 1) storeOut(out + yPlaneBytes, a10, a11, cols);
          if (outs > 2) storeOut(out + 2 * yPlaneBytes, a20, a21, cols);
          if (outs > 3) storeOut(out + 3 * yPlaneBytes, a30, a31, cols);
        }
      }
    }
  }
}

/** 8 outputs [lo hi] at ptr, or the row's last `cols` (1..7). */
// @ts-ignore: decorator
@inline function storeOut(ptr: usize, lo: v128, hi: v128, cols: i32): void {
  if (cols < 8) {
    storeCols(ptr, lo, hi, cols);
    return;
  }
  v128.store(ptr, lo);
  v128.store(ptr, hi, 16);
}
