/**
 * GEMM for the WASM backend: which kernel runs (the 4x8 / 5x8 tiles, or the transposed GEMM for few
 * columns) and how a call is split across threads (src/dispatch.ts). Works on byte addresses;
 * WasmBackend allocates the outputs and checks the storages.
 */
import type { GemmParams } from '@tapegrad/autograd';
import type { KernelHost } from './dispatch.js';
import { GEMM_BIAS_COL, GEMM_BIAS_ROW, GEMM_RELU, GEMM_SKIP_ZEROS, type KernelArgs } from './kernels.js';

/** Rows of the GEMM register tile (assembly/gemm/tiles.ts): thread shares of C start on a tile row. */
const GEMM_MR = 4;
/**
 * Default of `gemmThreadsMinMacs`: below this many multiply-adds (batch·m·n·k) a GEMM stays on one
 * thread. Measured in the FNN's training step (784→128→10, batch 128: two GEMMs of 12.8M
 * multiply-adds), splitting them over 2 threads made the step slower, 1.85–1.91 vs 1.46–1.49 ms
 * (apps/bench profile.js, alternating runs), although alone, on warm data, they split 1.9× faster:
 * each thread packs all of B, and in a real step the second core also runs V8's background
 * compiler and GC (under `node --single-threaded` the split ones took 0.42 / 0.31 ms instead of
 * 0.65 / 0.69). 256³ (16.8M) and larger still split.
 */
export const GEMM_THREADS_MIN_MACS = 1 << 22;
/**
 * GEMMs of at least this many multiply-adds split even when the pool is contended; smaller ones
 * (down to gemmThreadsMinMacs) only while it is not (Note [contended pool], worker-pool.ts).
 */
export const GEMM_THREADS_ALWAYS_MACS = 1 << 24;
/**
 * A GEMM with at most this many columns and at least GEMM_TRANSPOSED_MIN_M rows is computed as
 * Cᵀ = op(B)ᵀ·op(A)ᵀ (the case-study classifier: x[128, 2304]·Wᵀ, n = 10): packing A pre-broadcast
 * writes 16 bytes per element of A, which for so few columns costs more than the multiply-adds.
 */
const GEMM_TRANSPOSED_MAX_N = 16;
const GEMM_TRANSPOSED_MIN_M = 64;

/**
 * Zero-skipping (Note [zero-skipping A panels], assembly/gemm/skip.ts) is asked for when at least a
 * quarter of up to ZERO_SAMPLES evenly spread values of A are zero. With fewer, panels whose steps
 * are all zero are rare and the compacting pack costs a dense A about 5 % (256³: 47.4 vs 50.2 GFLOP/s).
 */
const ZERO_SAMPLES = 64;

/** Whether A (count f32 at aPtr) looks sparse enough for zero-skipping: a fixed sample, so the choice is deterministic. */
function manyZeros(h: KernelHost, aPtr: number, count: number): boolean {
  const step = Math.max(1, Math.floor(count / ZERO_SAMPLES));
  let zeros = 0;
  let seen = 0;
  for (let at = step >> 1; seen < ZERO_SAMPLES && at < count; at += step, seen++) if (h.f32At(aPtr + 4 * at) === 0) zeros++;
  return seen > 0 && 4 * zeros >= seen;
}

/**
 * Share of ZERO_GROUPS groups of 5 consecutive values (spread over the rows of a contiguous
 * [rows, cols] matrix) that are all zero: how often a 5-row tile of the op(·) that reads the
 * matrix transposed (rows = k) would skip a step. Images have it (their zero pixels are
 * neighbours); a ReLU mask over units mostly not.
 */
function zeroGroups(h: KernelHost, ptr: number, rows: number, cols: number): number {
  const groupsPerRow = Math.floor(cols / 5);
  if (groupsPerRow === 0) return 0;
  let zeros = 0;
  for (let s = 0; s < ZERO_GROUPS; s++) {
    const row = Math.floor(((s + 0.5) * rows) / ZERO_GROUPS);
    const at = ptr + 4 * (row * cols + ((s * 7) % groupsPerRow) * 5);
    let all = true;
    for (let c = 0; c < 5 && all; c++) all = h.f32At(at + 4 * c) === 0;
    if (all) zeros++;
  }
  return zeros / ZERO_GROUPS;
}
const ZERO_GROUPS = 32;
/**
 * C = Aᵀ·B (the Linear weight gradient dW = dyᵀ·x, A and B stored [k, ·]) runs as Cᵀ = Bᵀ·A, then
 * transposed, when B's zeros cluster along its rows this much more than A's: zero-skipping then
 * drops the steps where 5 neighbouring pixels of an image are zero (a third of the FNN's dW steps,
 * where dyᵀ's 5-unit panels are rarely all zero).
 */
const SWAP_MIN_GAIN = 0.1;

/** Whether gemmInto computes C = Aᵀ·B as (Bᵀ·A)ᵀ to skip B's zeros (SWAP_MIN_GAIN). */
export function swapForZeros(h: KernelHost, at: GemmAddresses, p: GemmParams): boolean {
  const { batch, m, n, k } = p;
  return batch === 1 && p.transA && !p.transB && at.bias === 0 && p.relu !== true && m >= 16 && n >= 16 &&
    zeroGroups(h, at.b, k, n) >= zeroGroups(h, at.a, k, m) + SWAP_MIN_GAIN;
}

/** Byte addresses of the GEMM operands: a, b, out, and bias (0: none). */
export interface GemmAddresses { a: number; b: number; out: number; bias: number }

/** The backend's GEMM tuning options (WasmBackendOptions gemmThreadsMinMacs, gemmSkipZeros). */
export interface GemmOptions { threadsMinMacs: number; skipZeros: boolean }

/** out[batch, m, n] = op(A)·op(B) (+ bias[n]) (ReLU). */
export function gemmInto(h: KernelHost, at: GemmAddresses, p: GemmParams, o: GemmOptions, swapped = false): void {
  const { batch, m, n, k } = p;
  if (batch === 0 || m === 0 || n === 0) return;
  const { kernels, dispatch } = h;
  const hasBias = at.bias !== 0;
  const relu = p.relu === true ? GEMM_RELU : 0;
  if (o.skipZeros && !swapped && swapForZeros(h, at, p)) {
    const ct = dispatch.scratch('gemmSwap', m * n * 4);
    gemmInto(h, { a: at.b, b: at.a, out: ct, bias: 0 }, { ...p, m: n, n: m }, o, true);
    kernels.gemmTranspose(ct, at.out, n, m);
    return;
  }
  if (batch === 1 && n <= GEMM_TRANSPOSED_MAX_N && m >= GEMM_TRANSPOSED_MIN_M) {
    // Cᵀ = op(B)ᵀ · op(A)ᵀ: the many rows of A become the cheaply packed B operand (4 bytes per
    // element instead of the pre-broadcast 16), then the small n × m result is transposed.
    const ct = dispatch.scratch('gemmT', m * n * 4);
    kernels.gemm(
      at.b, at.a, ct, at.bias, 1, n, m, k, p.transB ? 0 : 1, p.transA ? 0 : 1, 0, 0, m * n, (hasBias ? GEMM_BIAS_ROW : 0) | relu,
      dispatch.scratch('packA', kernels.gemmPackABytes(n, k)), dispatch.scratch('packB', kernels.gemmPackBBytes(m, k)), 0, n,
    );
    h.transposeInto(ct, n, m, at.out);
    return;
  }
  // Zero steps of A are skipped for one item whose A has many zeros (the kernel packs B, checks it
  // is finite, then packs A compacted): the Linear layer's input images, ReLU activations and their
  // gradients.
  const skip = o.skipZeros && batch === 1 && manyZeros(h, at.a, m * k);
  const flags = (hasBias ? GEMM_BIAS_COL : 0) | relu | (skip ? GEMM_SKIP_ZEROS : 0);
  const packABytes = (rows: number): number => skip ? kernels.gemmSkipPackABytes(rows, k) : kernels.gemmPackABytes(rows, k);
  const args = (packA: number, packB: number, rowBegin: number, rowEnd: number): KernelArgs<'gemm'> => [
    at.a, at.b, at.out, at.bias, batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB, m * n, flags,
    packA, packB, rowBegin, rowEnd,
  ];
  // Rows of C split at tile boundaries: each thread packs its rows of A and (redundantly, a
  // compromise that keeps the threads independent) all of B.
  const macs = batch * m * n * k;
  if (macs >= o.threadsMinMacs && dispatch.runRows('gemm', m, GEMM_MR, (t, rowBegin, rowEnd) => args(
    dispatch.scratch('packA', packABytes(rowEnd - rowBegin), t), dispatch.scratch('packB', kernels.gemmPackBBytes(n, k), t),
    rowBegin, rowEnd,
  ), macs < GEMM_THREADS_ALWAYS_MACS)) return;
  kernels.gemm(...args(dispatch.scratch('packA', packABytes(m)), dispatch.scratch('packB', kernels.gemmPackBBytes(n, k)), 0, m));
}
