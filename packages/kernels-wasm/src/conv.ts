/**
 * Convolution for the WASM backend: which kernel runs (Winograd, im2col + GEMM) and how a call is
 * split across threads (src/dispatch.ts). The functions work on byte addresses; WasmBackend
 * allocates the outputs and checks the storages.
 */
import type { Conv2dGeometry, ConvGeometry } from '@tapegrad/autograd';
import { groupedConvBackwardInput, groupedConvBackwardWeight, groupedConvForward, isGrouped } from './conv-grouped.js';
import type { KernelHost } from './dispatch.js';
import { BINARY, type KernelArgs, UNARY } from './kernels.js';
import type { PoolKernel } from './worker-pool.js';

/**
 * Winograd takes a 3×3 conv only with at least this many input channels: its 16 GEMMs reduce over
 * C, so with fewer (conv1 of the case study, C = 1) the tiles are all stores and no arithmetic.
 */
const WINOGRAD_MIN_C = 8;

/** Whether a conv is one the Winograd F(2×2, 3×3) kernels (assembly/conv/winograd.ts) compute. */
export function winogradFits(g: Conv2dGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
    g.ph >= 0 && g.pw >= 0 && g.c >= WINOGRAD_MIN_C && g.oh > 0 && g.ow > 0;
}

/**
 * Whether a conv's forward runs the direct 3×3 kernel (assembly/conv/direct.ts, Note [direct conv]):
 * 3×3, stride 1, dilation 1, ungrouped, with fewer input channels than Winograd takes (conv1 of the
 * case study, an RGB stem), where im2col + GEMM's 9·C-deep reduction leaves the multiply-adds idle.
 */
export function directFits(g: Conv2dGeometry, opts: ConvOptions): boolean {
  return opts.direct && !isGrouped(g) && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
    g.ph >= 0 && g.pw >= 0 && g.c < WINOGRAD_MIN_C && g.oh > 0 && g.ow > 0;
}

/** Scratch for the per-image im2col kernels (assembly/conv.ts): cols of one image and the A pack. */
function im2colScratch(h: KernelHost, rowsA: number, k: number, g: ConvGeometry, t: number): [number, number] {
  return [
    h.dispatch.scratch('cols', g.c * g.kh * g.kw * g.oh * g.ow * 4, t),
    h.dispatch.scratch('packA', h.kernels.gemmPackABytes(rowsA, k), t),
  ];
}

/**
 * Which convolution kernels run: Winograd where it fits (`winograd`), and its tiles per block
 * (Note [winograd tile blocks], assembly/conv/winograd.ts; 0: the kernels' default for the channels).
 */
export interface ConvOptions {
  readonly winograd: boolean;
  /** The direct 3×3 forward for few input channels (directFits); else those convs run im2col + GEMM. */
  readonly direct: boolean;
  readonly winogradBlockTiles: number;
}

function blockTiles(h: KernelHost, g: Conv2dGeometry, opts: ConvOptions): number {
  return opts.winogradBlockTiles > 0 ? opts.winogradBlockTiles : h.kernels.winogradBlockTiles(g.c, g.o);
}

/**
 * Note [fused conv epilogue]: a ReLU after a convolution costs nothing in the kernel that writes
 * the output, so `relu` applies it there (the Winograd output transform, the im2col GEMM's
 * epilogue) instead of in a second pass over y. Its backward, dy where y > 0, and the bias
 * gradient Σ dy are one pass too (reluBackwardBias, assembly/elementwise.ts) whose result the two
 * conv backward kernels then read. The op that asks for them is conv2dRelu (autograd
 * ops/conv2d-relu.ts); the reference backend composes conv2d and relu, and is the spec.
 */

/** y = conv2d(x, w) (+ bias; 0: none) (then ReLU): Winograd where it fits, else im2col + GEMM per image. */
export function convForward(h: KernelHost, xPtr: number, wPtr: number, biasPtr: number, outPtr: number, g: Conv2dGeometry, opts: ConvOptions, relu = false): void {
  const reluFlag = relu ? 1 : 0;
  if (isGrouped(g)) {
    groupedConvForward(h, xPtr, wPtr, biasPtr, outPtr, g);
    // Grouped kernels have no epilogue flag yet: their ReLU is a second pass, in place.
    const size = g.n * g.o * g.oh * g.ow;
    if (relu) h.dispatch.runSplit('unary', size, size, 4, (b, e) => [UNARY.relu, outPtr + 4 * b, outPtr + 4 * b, e - b]);
    return;
  }
  const geom = h.geometryBlock(g);
  if (opts.winograd && winogradFits(g)) {
    const tiles = blockTiles(h, g, opts);
    const bytes = h.kernels.winogradForwardScratchBytes(g.o, geom, tiles);
    h.dispatch.runImages('winogradConv2d', g.n, (t, nBegin, nEnd) => [
      xPtr, wPtr, biasPtr, reluFlag, outPtr, g.o, geom, h.dispatch.scratch('winograd', bytes, t), tiles, nBegin, nEnd,
    ]);
    return;
  }
  if (directFits(g, opts)) {
    const bytes = h.kernels.directConv2dScratchBytes(g.o, geom);
    h.dispatch.runImages('directConv2d', g.n, (t, nBegin, nEnd) => [
      xPtr, wPtr, biasPtr, reluFlag, outPtr, g.o, geom, h.dispatch.scratch('direct', bytes, t), nBegin, nEnd,
    ]);
    return;
  }
  const ckk = g.c * g.kh * g.kw;
  h.dispatch.runImages('conv2d', g.n, (t, nBegin, nEnd) => [
    xPtr, wPtr, biasPtr, reluFlag, outPtr, g.o, geom, ...im2colScratch(h, g.o, ckk, g, t), nBegin, nEnd,
  ]);
}

/**
 * Whether convReluMaxPool pools in the Winograd output transform (Note [winograd pool epilogue],
 * assembly/conv/winograd.ts): a Winograd conv, even OH and OW, and a 2×2, stride-2 window.
 */
export function winogradPoolFits(g: Conv2dGeometry, pool: ConvGeometry, opts: ConvOptions): boolean {
  return opts.winograd && winogradFits(g) && !isGrouped(g) && g.oh % 2 === 0 && g.ow % 2 === 0 &&
    pool.kh === 2 && pool.kw === 2 && pool.sh === 2 && pool.sw === 2 && pool.ph === 0 && pool.pw === 0 && pool.dh === 1 && pool.dw === 1;
}

/**
 * y, argmax = maxPool2d(relu(conv2d(x, w) + bias)) for a conv where winogradPoolFits, into yPtr and
 * argmaxPtr ([N, O, OH/2, OW/2]): images split across threads.
 */
export function convReluMaxPool(
  h: KernelHost, xPtr: number, wPtr: number, biasPtr: number, yPtr: number, argmaxPtr: number, g: Conv2dGeometry, opts: ConvOptions,
): void {
  const geom = h.geometryBlock(g);
  const tiles = blockTiles(h, g, opts);
  const bytes = h.kernels.winogradForwardScratchBytes(g.o, geom, tiles);
  h.dispatch.runImages('winogradConv2dReluMaxPool', g.n, (t, nBegin, nEnd) => [
    xPtr, wPtr, biasPtr, yPtr, argmaxPtr, g.o, geom, h.dispatch.scratch('winograd', bytes, t), tiles, nBegin, nEnd,
  ]);
}

/**
 * Whether a Winograd conv's dx runs as the adjoint (Note [winograd backward-input]) rather than as the
 * forward Winograd conv of dy with the flipped weights: when that forward's tile grid (over x, H × W)
 * has more tiles than y's (OH × OW: padding 0, the case study's conv2, 169 against 144 tiles) or its
 * padding would be negative. Measured with apps/bench/scripts/conv-ab.mjs (one thread, AMD EPYC,
 * 2026-12-03): conv2 [128,16,26,26] 0.87–0.90× the flipped forward's time; on equal grids (padding
 * 1, the resnet suite's 32×32×32 and 16×16×64) 1.13–1.22×, so those keep the flipped forward.
 */
function adjointPays(g: Conv2dGeometry): boolean {
  const tiles = (rows: number, cols: number): number => Math.ceil(rows / 2) * Math.ceil(cols / 2);
  return g.ph > g.kh - 1 || g.pw > g.kw - 1 || tiles(g.oh, g.ow) < tiles(g.h, g.w);
}

/** dx of y = conv2d(x, w) given dy, into dxPtr ([N, C, H, W]). */
export function convBackwardInput(h: KernelHost, dyPtr: number, wPtr: number, dxPtr: number, g: Conv2dGeometry, opts: ConvOptions): void {
  if (isGrouped(g)) return groupedConvBackwardInput(h, dyPtr, wPtr, dxPtr, g);
  const ckk = g.c * g.kh * g.kw;
  const phT = g.dh * (g.kh - 1) - g.ph;
  const pwT = g.dw * (g.kw - 1) - g.pw;
  if (opts.winograd && winogradFits(g) && adjointPays(g)) {
    // Note [winograd backward-input] (assembly/conv/winograd.ts): on y's tile grid, no flipped weights
    const geom = h.geometryBlock(g);
    const tiles = blockTiles(h, g, opts);
    const bytes = h.kernels.winogradBackwardScratchBytes(g.o, geom, tiles);
    h.dispatch.runImages('winogradConv2dBackwardInput', g.n, (t, nBegin, nEnd) => [
      dyPtr, wPtr, dxPtr, g.o, geom, h.dispatch.scratch('winograd', bytes, t), tiles, nBegin, nEnd,
    ]);
    return;
  }
  // NOTE: with stride 1, dx = conv2d(dy, flipped wᵀ, padding d·(k−1)−p): a forward conv whose GEMM
  // has K = O·KH·KW instead of K = O, which the 4x8 tile runs much faster (and which Winograd
  // takes when it fits). Worth it once C fills most of a 4-row tile; otherwise (and for strides
  // > 1) GEMM into cols + col2im.
  if (g.sh === 1 && g.sw === 1 && phT >= 0 && pwT >= 0 && g.c >= 4) {
    const wFlip = h.dispatch.scratch('wFlip', g.o * ckk * 4);
    h.kernels.flipConvWeight(wPtr, wFlip, g.o, g.c, g.kh, g.kw);
    const gT: Conv2dGeometry = { ...g, c: g.o, h: g.oh, w: g.ow, ph: phT, pw: pwT, oh: g.h, ow: g.w, o: g.c };
    convForward(h, dyPtr, wFlip, 0, dxPtr, gT, opts);
    return;
  }
  const geom = h.geometryBlock(g);
  h.dispatch.runImages('conv2dBackwardInput', g.n, (t, nBegin, nEnd) => [
    dyPtr, wPtr, dxPtr, g.o, geom, ...im2colScratch(h, ckk, g.o, g, t), nBegin, nEnd,
  ]);
}

/**
 * A weight-gradient kernel over the images split across threads: each thread sums its images into
 * its own dw (thread 0: dwPtr, the others a `dw` scratch; `argsFor` gets it), then the partials are
 * added to dwPtr in thread order, so a given thread count is deterministic.
 */
function runWeightGradient<K extends PoolKernel>(
  h: KernelHost, kernel: K, n: number, dwPtr: number, dwSize: number,
  argsFor: (t: number, nBegin: number, nEnd: number, dw: number) => KernelArgs<K>,
): void {
  const { kernels, dispatch } = h;
  const partials: number[] = [];
  const threads = dispatch.runImages(kernel, n, (t, nBegin, nEnd) => {
    const dw = t === 0 ? dwPtr : dispatch.scratch('dw', dwSize * 4, t);
    partials.push(dw);
    return argsFor(t, nBegin, nEnd, dw);
  });
  for (let t = 1; t < threads; t++) kernels.binaryRow(BINARY.add, dwPtr, 1, partials[t]!, 1, dwPtr, dwSize);
}

/**
 * dx and dw of y = conv2d(x, w) given dy, into dxPtr and dwPtr: where dx runs as the Winograd adjoint
 * (adjointPays), one kernel for both that transforms dy once (winogradConv2dBackward, bit for bit
 * the two passes' results), else the two passes.
 */
export function convBackward(
  h: KernelHost, dyPtr: number, xPtr: number, wPtr: number, dxPtr: number, dwPtr: number, g: Conv2dGeometry, opts: ConvOptions,
): void {
  if (isGrouped(g) || !opts.winograd || !winogradFits(g) || !adjointPays(g)) {
    convBackwardInput(h, dyPtr, wPtr, dxPtr, g, opts);
    convBackwardWeight(h, dyPtr, xPtr, dwPtr, g, opts);
    return;
  }
  const geom = h.geometryBlock(g);
  const tiles = blockTiles(h, g, opts);
  const bytes = h.kernels.winogradBackwardScratchBytes(g.o, geom, tiles);
  runWeightGradient(h, 'winogradConv2dBackward', g.n, dwPtr, g.o * g.c * 9, (t, nBegin, nEnd, dw) => [
    dyPtr, xPtr, wPtr, dxPtr, dw, g.o, geom, h.dispatch.scratch('winograd', bytes, t), tiles, nBegin, nEnd,
  ]);
}

/**
 * Note [fused relu backward-weight]: the backward of conv2dRelu for a first layer (x needs no
 * gradient) is dpre = dy where y > 0, Σ dpre per channel for the bias, and dw from dpre: unfused,
 * dpre ([N, O, OH, OW], 5.5 MB for the case study's conv1) is written by reluBackwardBias and read
 * back by conv2dBackwardWeight. conv2dReluBackwardWeight (assembly/conv.ts) computes each image's
 * dpre into an L2-sized scratch and runs that image's dot products from it, with the row sums and
 * the per-thread dw partials of the two unfused kernels: the same dw and dbias, bit for bit, on every
 * thread count. For the convs whose dw runs im2col + dot products (reluConvBackwardWeightFits); the
 * rest compose.
 */
export function reluConvBackwardWeightFits(g: Conv2dGeometry, opts: ConvOptions): boolean {
  return !isGrouped(g) && !(opts.winograd && winogradFits(g));
}

/**
 * dw of y = relu(conv2d(x, w) + bias) into dwPtr, and the ReLU backward's row sums [N, O] into
 * rowsPtr, given dy and y (Note [fused relu backward-weight]), where reluConvBackwardWeightFits.
 */
export function convReluBackwardWeight(h: KernelHost, dyPtr: number, yPtr: number, xPtr: number, dwPtr: number, rowsPtr: number, g: Conv2dGeometry): void {
  const { dispatch } = h;
  const ckk = g.c * g.kh * g.kw;
  const p = g.oh * g.ow;
  const geom = h.geometryBlock(g);
  runWeightGradient(h, 'conv2dReluBackwardWeight', g.n, dwPtr, g.o * ckk, (t, nBegin, nEnd, dw) => [
    dyPtr, yPtr, xPtr, dw, rowsPtr, g.o, geom, dispatch.scratch('cols', ckk * p * 4, t), dispatch.scratch('packA', ckk * g.o * 4, t),
    dispatch.scratch('dpre', g.o * p * 4, t), nBegin, nEnd,
  ]);
}

/**
 * dw of y = conv2d(x, w) given dy, into dwPtr ([O, C, KH, KW]): per-thread partials added in thread
 * order (runWeightGradient), so a given thread count is deterministic.
 */
export function convBackwardWeight(h: KernelHost, dyPtr: number, xPtr: number, dwPtr: number, g: Conv2dGeometry, opts: ConvOptions): void {
  if (isGrouped(g)) return groupedConvBackwardWeight(h, dyPtr, xPtr, dwPtr, g);
  const { kernels, dispatch } = h;
  const ckk = g.c * g.kh * g.kw;
  const dwSize = g.o * ckk;
  const geom = h.geometryBlock(g);
  if (opts.winograd && winogradFits(g)) {
    const tiles = blockTiles(h, g, opts);
    const bytes = kernels.winogradBackwardWeightScratchBytes(g.o, geom, tiles);
    runWeightGradient(h, 'winogradConv2dBackwardWeight', g.n, dwPtr, dwSize, (t, nBegin, nEnd, dw) => [
      dyPtr, xPtr, dw, g.o, geom, dispatch.scratch('winograd', bytes, t), tiles, nBegin, nEnd,
    ]);
    return;
  }
  runWeightGradient(h, 'conv2dBackwardWeight', g.n, dwPtr, dwSize, (t, nBegin, nEnd, dw) => [
    dyPtr, xPtr, dw, g.o, geom, dispatch.scratch('cols', ckk * g.oh * g.ow * 4, t), dispatch.scratch('packA', ckk * g.o * 4, t), nBegin, nEnd,
  ]);
}
