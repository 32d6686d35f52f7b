// conv2d forward, backward-input and backward-weight as im2col/col2im + GEMM, one image at a
// time inside WASM so that the cols buffer of one image (C·KH·KW × OH·OW) stays in cache instead
// of streaming an [N, C·KH·KW, OH·OW] buffer through memory. The TS side supplies the scratch:
// colsPtr (C·KH·KW·OH·OW f32) and the pack buffers (sizes: gemmPackABytes / gemmPackBBytes).
// The row-major B operands (cols, dy) are read in place by the GEMM, never packed.
// Geometry: Note [geometry block]. Each kernel takes an image range [nBegin, nEnd) (threads);
// backward-weight accumulates into dw, so threads would each need their own dw and a final sum.
import { geomCkk, geomImageBytes, geomOutPlane } from './geometry';
import { packA, gemmDirectB, GEMM_BIAS_ROW, GEMM_RELU } from './gemm';
import { im2col, col2im } from './conv/im2col';
import { accumulateDots } from './conv/dots';
import { reluBackwardRowSum } from './elementwise';

/**
 * y[n] = w[O, CKK] · im2col(x[n]) (+ bias[O]) for n in [nBegin, nEnd), then ReLU when relu != 0
 * (in the GEMM's epilogue: Note [fused conv epilogue], src/conv.ts). biasPtr 0: no bias.
 */
export function conv2d(
  xPtr: usize, wPtr: usize, biasPtr: usize, relu: i32, yPtr: usize, o: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xImageBytes = geomImageBytes(geomPtr);
  const yImageBytes = <usize>(o * p) << 2;
  packA(wPtr, packAPtr, o, ckk, false, 0, o);
  const flags = (biasPtr ? GEMM_BIAS_ROW : 0) | (relu ? GEMM_RELU : 0);
  for (let n = nBegin; n < nEnd; n++) {
    im2col(xPtr + <usize>n * xImageBytes, colsPtr, geomPtr, 0, 1);
    gemmDirectB(packAPtr, colsPtr, yPtr + <usize>n * yImageBytes, biasPtr, p, ckk, flags, 0, o);
  }
}

/** dx[n] = col2im(wᵀ[CKK, O] · dy[n]) for n in [nBegin, nEnd). */
export function conv2dBackwardInput(
  dyPtr: usize, wPtr: usize, dxPtr: usize, o: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xImageBytes = geomImageBytes(geomPtr);
  const yImageBytes = <usize>(o * p) << 2;
  packA(wPtr, packAPtr, ckk, o, true, 0, ckk);
  for (let n = nBegin; n < nEnd; n++) {
    gemmDirectB(packAPtr, dyPtr + <usize>n * yImageBytes, colsPtr, 0, p, o, 0, 0, ckk);
    col2im(colsPtr, dxPtr + <usize>n * xImageBytes, geomPtr, 0, 1);
  }
}

/**
 * dw[O, CKK] = Σ_{n in [nBegin, nEnd)} dy[n] · im2col(x[n])ᵀ (overwrites dw), computed as
 * dwᵀ[CKK, O] = Σ_n cols[n] · dy[n]ᵀ: rows of cols and rows of dy are both contiguous along
 * OH·OW, so this is dot products (accumulateDots), with nothing packed or transposed but dwᵀ.
 * (Measured against packing dy[n]ᵀ for the 4x8 GEMM tile: conv1 1.06 -> 0.82 ms, conv2 through
 * im2col 10.4 -> 9.5 ms.) dwtPtr: scratch of CKK·O f32 for dwᵀ.
 */
export function conv2dBackwardWeight(
  dyPtr: usize, xPtr: usize, dwPtr: usize, o: i32, geomPtr: usize,
  colsPtr: usize, dwtPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xImageBytes = geomImageBytes(geomPtr);
  const yImageBytes = <usize>(o * p) << 2;
  memory.fill(dwtPtr, 0, <usize>(o * ckk) << 2);
  for (let n = nBegin; n < nEnd; n++) {
    im2col(xPtr + <usize>n * xImageBytes, colsPtr, geomPtr, 0, 1);
    accumulateDots(colsPtr, dyPtr + <usize>n * yImageBytes, dwtPtr, ckk, o, p);
  }
  storeDw(dwtPtr, dwPtr, o, ckk);
}

/** dw[O, CKK] from the dwᵀ[CKK, O] the dot products accumulate. */
// @ts-ignore: decorator
@inline function storeDw(dwtPtr: usize, dwPtr: usize, o: i32, ckk: i32): void {
  for (let oc = 0; oc < o; oc++) {
    for (let r = 0; r < ckk; r++) {
      store<f32>(dwPtr + (<usize>(oc * ckk + r) << 2), load<f32>(dwtPtr + (<usize>(r * o + oc) << 2)));
    }
  }
}

/**
 * The weight gradient of y = relu(conv2d(x, w) + bias) for n in [nBegin, nEnd) without the ReLU's
 * backward in memory (Note [fused relu backward-weight], src/conv.ts): per image, dpre = dy where
 * y > 0 into scratch (dprePtr: O·OH·OW f32) with its row sums rowSum[n, o] (reluBackwardBias's), then
 * that image's im2col and dot products into dwᵀ, as conv2dBackwardWeight. Overwrites dw; dw and the
 * row sums are bit for bit those of reluBackwardBias then conv2dBackwardWeight.
 */
export function conv2dReluBackwardWeight(
  dyPtr: usize, yPtr: usize, xPtr: usize, dwPtr: usize, rowSumPtr: usize, o: i32, geomPtr: usize,
  colsPtr: usize, dwtPtr: usize, dprePtr: usize, nBegin: i32, nEnd: i32,
): void {
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xImageBytes = geomImageBytes(geomPtr);
  const rowBytes = <usize>p << 2;
  memory.fill(dwtPtr, 0, <usize>(o * ckk) << 2);
  for (let n = nBegin; n < nEnd; n++) {
    for (let oc = 0; oc < o; oc++) {
      const row = <usize>(n * o + oc) * rowBytes;
      store<f32>(rowSumPtr + (<usize>(n * o + oc) << 2), reluBackwardRowSum(dyPtr + row, yPtr + row, dprePtr + <usize>oc * rowBytes, p));
    }
    im2col(xPtr + <usize>n * xImageBytes, colsPtr, geomPtr, 0, 1);
    accumulateDots(colsPtr, dprePtr, dwtPtr, ckk, o, p);
  }
  storeDw(dwtPtr, dwPtr, o, ckk);
}

/**
 * wFlip[C, O, KH, KW] = w[O, C, KH−1−i, KW−1−j]: with it, the stride-1 backward-input is itself a
 * forward convolution of dy (padding dh·(KH−1)−ph), which keeps K = O·KH·KW long for the GEMM
 * instead of K = O (see convBackwardInput in src/conv.ts).
 */
export function flipConvWeight(wPtr: usize, outPtr: usize, o: i32, c: i32, kh: i32, kw: i32): void {
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const srcPtr = wPtr + (<usize>((oc * c + ic) * kh * kw) << 2);
      const dstPtr = outPtr + (<usize>((ic * o + oc) * kh * kw) << 2);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          store<f32>(dstPtr + (<usize>(i * kw + j) << 2), load<f32>(srcPtr + (<usize>((kh - 1 - i) * kw + (kw - 1 - j)) << 2)));
        }
      }
    }
  }
}
