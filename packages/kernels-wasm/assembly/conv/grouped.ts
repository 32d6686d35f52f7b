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

// The passes of forEachImageGroup: which of x and y it reads and writes, and what the scratch holds.
const PASS_FORWARD: i32 = 0; // reads x, writes y; scratch: each group's packed weights
const PASS_BACKWARD_INPUT: i32 = 1; // reads dy (y side), writes dx (x side); scratch: the packed transposed weights
const PASS_BACKWARD_WEIGHT: i32 = 2; // reads x and dy, accumulates dwᵀ per group into the scratch

/**
 * The loop the three kernels share: for each (image, group) pair in [nBegin, nEnd) × [0, G), the
 * pass's im2col / GEMM / col2im / dot products on that group's slices (x side: C/G channels at
 * (n·G + gi)·geomImageBytes; y side: O/G channels at (n·G + gi)·(O/G)·OH·OW floats). Inlined with
 * a constant `pass`, so each kernel compiles to its own branch-free loop, as before this helper.
 */
// @ts-ignore: decorator
@inline function forEachImageGroup(
  pass: i32, xPtr: usize, yPtr: usize, biasPtr: usize, scratchPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, nBegin: i32, nEnd: i32,
): void {
  const og = o / groups;
  const ckk = geomCkk(geomPtr);
  const p = geomOutPlane(geomPtr);
  const xGroupBytes = geomImageBytes(geomPtr);
  const yGroupBytes = <usize>(og * p) << 2;
  const wGroupBytes = <usize>(og * ckk) << 2;
  const packBytes = <usize>gemmPackABytes(pass == PASS_FORWARD ? og : ckk, pass == PASS_FORWARD ? ckk : og);
  const flags = biasPtr ? GEMM_BIAS_ROW : 0;
  for (let n = nBegin; n < nEnd; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const img = <usize>(n * groups + gi);
      const xImgPtr = xPtr + img * xGroupBytes;
      const yImgPtr = yPtr + img * yGroupBytes;
      if (pass == PASS_FORWARD) {
        im2col(xImgPtr, colsPtr, geomPtr, 0, 1);
        const groupBiasPtr = biasPtr ? biasPtr + (<usize>(gi * og) << 2) : 0;
        gemmDirectB(scratchPtr + <usize>gi * packBytes, colsPtr, yImgPtr, groupBiasPtr, p, ckk, flags, 0, og);
      } else if (pass == PASS_BACKWARD_INPUT) {
        gemmDirectB(scratchPtr + <usize>gi * packBytes, yImgPtr, colsPtr, 0, p, og, 0, 0, ckk);
        col2im(colsPtr, xImgPtr, geomPtr, 0, 1);
      } else {
        im2col(xImgPtr, colsPtr, geomPtr, 0, 1);
        accumulateDots(colsPtr, yImgPtr, scratchPtr + <usize>gi * wGroupBytes, ckk, og, p);
      }
    }
  }
}

/** Packs each group's weight slice [O/G, C/G·KH·KW] (transposed: as [C/G·KH·KW, O/G]) for gemmDirectB. */
function packGroupWeights(wPtr: usize, packAPtr: usize, og: i32, groups: i32, ckk: i32, transposed: bool): void {
  const wGroupBytes = <usize>(og * ckk) << 2;
  const rows = transposed ? ckk : og;
  const cols = transposed ? og : ckk;
  const packBytes = <usize>gemmPackABytes(rows, cols);
  for (let gi = 0; gi < groups; gi++) packA(wPtr + <usize>gi * wGroupBytes, packAPtr + <usize>gi * packBytes, rows, cols, transposed, 0, rows);
}

/**
 * y[n] = conv(x[n], w) (+ bias[O]) with `groups` groups for n in [nBegin, nEnd). w is
 * [O, C/G, KH, KW]; colsPtr: (C/G)·KH·KW·OH·OW f32; packAPtr: groupedConv2dPackBytes.
 */
export function groupedConv2d(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  packGroupWeights(wPtr, packAPtr, o / groups, groups, geomCkk(geomPtr), false);
  forEachImageGroup(PASS_FORWARD, xPtr, yPtr, biasPtr, packAPtr, o, groups, geomPtr, colsPtr, nBegin, nEnd);
}

/**
 * dx[n] = col2im(w_giᵀ · dy[n, group gi]) for every group, n in [nBegin, nEnd).
 * colsPtr: (C/G)·KH·KW·OH·OW f32; packAPtr: groupedConv2dBackwardInputPackBytes.
 */
export function groupedConv2dBackwardInput(
  dyPtr: usize, wPtr: usize, dxPtr: usize, o: i32, groups: i32, geomPtr: usize,
  colsPtr: usize, packAPtr: usize, nBegin: i32, nEnd: i32,
): void {
  packGroupWeights(wPtr, packAPtr, o / groups, groups, geomCkk(geomPtr), true);
  forEachImageGroup(PASS_BACKWARD_INPUT, dxPtr, dyPtr, 0, packAPtr, o, groups, geomPtr, colsPtr, nBegin, nEnd);
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
  const wGroupBytes = <usize>(og * ckk) << 2;
  memory.fill(dwtPtr, 0, <usize>(o * ckk) << 2);
  forEachImageGroup(PASS_BACKWARD_WEIGHT, xPtr, dyPtr, 0, dwtPtr, o, groups, geomPtr, colsPtr, nBegin, nEnd);
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
