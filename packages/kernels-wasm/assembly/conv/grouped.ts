// Grouped convolution (Note [grouped convolution], packages/autograd/src/backend.ts) as im2col +
// GEMM per group of each image: the ungrouped kernels of ../conv.ts with the image loop running
// over (image, group) pairs. Group gi of image n is channels [gi·C/G, (gi+1)·C/G) of x[n], which
// is contiguous, at (n·G + gi)·(C/G·H·W) floats; likewise for y and dy with O/G channels.
// geomPtr is the geometry of ONE group (Note [geometry block] with c = C/G), so im2col / col2im
// of one (image, group) pair are the ungrouped ones with an image range of [0, 1).
// Each kernel takes an image range [nBegin, nEnd) (threads); `o` is all O output channels.
// NOTE: a depthwise conv (C/G = 1) makes every GEMM one row of a 4-row tile: correct, but a
// quarter of the tile's work is used.
import { geomCkk, geomImageBytes, geomOutPlane } from '../geometry';
import { packA, gemmDirectB, gemmPackABytes, GEMM_BIAS_ROW } from '../gemm';
import { im2col, col2im } from './im2col';
import { accumulateDots } from './dots';

/** Bytes of the A-pack scratch groupedConv2d needs: one packed weight slice per group. */
export function groupedConv2dPackBytes(o: i32, groups: i32, ckk: i32): i32 {
  return groups * gemmPackABytes(o / groups, ckk);
}

/** Bytes of the A-pack scratch groupedConv2dBackwardInput needs (each group's slice transposed). */
export function groupedConv2dBackwardInputPackBytes(o: i32, groups: i32, ckk: i32): i32 {
  return groups * gemmPackABytes(ckk, o / groups);
}

/**
 * y[n] = conv(x[n], w) (+ bias[O]) with `groups` groups for n in [nBegin, nEnd). w is
 * [O, C/G, KH, KW]; colsPtr: (C/G)·KH·KW·OH·OW f32; packAPtr: groupedConv2dPackBytes.
 */
export function groupedConv2d(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const og = o / groups;
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xGroupBytes = geomImageBytes(geomPtr);
  const yGroupBytes = <usize>(og * p) << 2;
  const wGroupBytes = <usize>(og * ckk) << 2;
  const packBytes = <usize>gemmPackABytes(og, ckk);
  for (let gi = 0; gi < groups; gi++) packA(wPtr + <usize>gi * wGroupBytes, packAPtr + <usize>gi * packBytes, og, ckk, false, 0, og);
  const flags = biasPtr ? GEMM_BIAS_ROW : 0;
  for (let n = nBegin; n < nEnd; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const img = <usize>(n * groups + gi);
      im2col(xPtr + img * xGroupBytes, colsPtr, geomPtr, 0, 1);
      const groupBiasPtr = biasPtr ? biasPtr + (<usize>(gi * og) << 2) : 0;
      gemmDirectB(packAPtr + <usize>gi * packBytes, colsPtr, yPtr + img * yGroupBytes, groupBiasPtr, p, ckk, flags, 0, og);
    }
  }
}

/**
 * dx[n] = col2im(w_giᵀ · dy[n, group gi]) for every group, n in [nBegin, nEnd).
 * colsPtr: (C/G)·KH·KW·OH·OW f32; packAPtr: groupedConv2dBackwardInputPackBytes.
 */
export function groupedConv2dBackwardInput(
  dyPtr: usize, wPtr: usize, dxPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const og = o / groups;
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xGroupBytes = geomImageBytes(geomPtr);
  const yGroupBytes = <usize>(og * p) << 2;
  const wGroupBytes = <usize>(og * ckk) << 2;
  const packBytes = <usize>gemmPackABytes(ckk, og);
  for (let gi = 0; gi < groups; gi++) packA(wPtr + <usize>gi * wGroupBytes, packAPtr + <usize>gi * packBytes, ckk, og, true, 0, ckk);
  for (let n = nBegin; n < nEnd; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const img = <usize>(n * groups + gi);
      gemmDirectB(packAPtr + <usize>gi * packBytes, dyPtr + img * yGroupBytes, colsPtr, 0, p, og, 0, 0, ckk);
      col2im(colsPtr, dxPtr + img * xGroupBytes, geomPtr, 0, 1);
    }
  }
}

/**
 * dw[O, C/G·KH·KW] = Σ_{n in [nBegin, nEnd)} dy[n, group] · im2col(x[n, group])ᵀ per group
 * (overwrites dw), through dwᵀ per group as in conv2dBackwardWeight (../conv.ts).
 * colsPtr: (C/G)·KH·KW·OH·OW f32; dwtPtr: O·(C/G)·KH·KW f32.
 */
export function groupedConv2dBackwardWeight(
  dyPtr: usize, xPtr: usize, dwPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, dwtPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const og = o / groups;
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xGroupBytes = geomImageBytes(geomPtr);
  const yGroupBytes = <usize>(og * p) << 2;
  const wGroupBytes = <usize>(og * ckk) << 2;
  memory.fill(dwtPtr, 0, <usize>(o * ckk) << 2);
  for (let n = nBegin; n < nEnd; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const img = <usize>(n * groups + gi);
      im2col(xPtr + img * xGroupBytes, colsPtr, geomPtr, 0, 1);
      accumulateDots(colsPtr, dyPtr + img * yGroupBytes, dwtPtr + <usize>gi * wGroupBytes, ckk, og, p);
    }
  }
  for (let gi = 0; gi < groups; gi++) {
    const srcPtr = dwtPtr + <usize>gi * wGroupBytes;
    const dstPtr = dwPtr + <usize>gi * wGroupBytes;
    for (let oc = 0; oc < og; oc++) {
      for (let r = 0; r < ckk; r++) {
        store<f32>(dstPtr + (<usize>(oc * ckk + r) << 2), load<f32>(srcPtr + (<usize>(r * og + oc) << 2)));
      }
    }
  }
}
