/**
 * GEMM for the WASM backend: which kernel runs (the 4x8 / 5x8 tiles, or the transposed GEMM for few
 * columns) and how a call is split across threads (src/dispatch.ts). Works on byte addresses;
 * WasmBackend allocates the outputs and checks the storages.
 */
import type { GemmParams } from '@tapegrad/autograd';
import type { KernelHost } from './dispatch.js';
import { GEMM_BIAS_COL, GEMM_BIAS_ROW, GEMM_RELU, type KernelArgs } from './kernels.js';

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
export const GEMM_THREADS_MIN_MACS = 1 << 24;
/**
 * A GEMM with at most this many columns and at least GEMM_TRANSPOSED_MIN_M rows is computed as
 * Cᵀ = op(B)ᵀ·op(A)ᵀ (the case-study classifier: x[128, 2304]·Wᵀ, n = 10): packing A pre-broadcast
 * writes 16 bytes per element of A, which for so few columns costs more than the multiply-adds.
 */
const GEMM_TRANSPOSED_MAX_N = 16;
const GEMM_TRANSPOSED_MIN_M = 64;

/** Byte addresses of the GEMM operands: a, b, out, and bias (0: none). */
export interface GemmAddresses { a: number; b: number; out: number; bias: number }

/** out[batch, m, n] = op(A)·op(B) (+ bias[n]) (ReLU). */
export function gemmInto(h: KernelHost, at: GemmAddresses, p: GemmParams, threadsMinMacs: number): void {
  const { batch, m, n, k } = p;
  if (batch === 0 || m === 0 || n === 0) return;
  const { kernels, dispatch } = h;
  const hasBias = at.bias !== 0;
  const relu = p.relu === true ? GEMM_RELU : 0;
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
  const flags = (hasBias ? GEMM_BIAS_COL : 0) | relu;
  const args = (packA: number, packB: number, rowBegin: number, rowEnd: number): KernelArgs<'gemm'> => [
    at.a, at.b, at.out, at.bias, batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB, m * n, flags,
    packA, packB, rowBegin, rowEnd,
  ];
  // Rows of C split at tile boundaries: each thread packs its rows of A and (redundantly, a
  // compromise that keeps the threads independent) all of B.
  if (batch * m * n * k >= threadsMinMacs && dispatch.runRows('gemm', m, GEMM_MR, (t, rowBegin, rowEnd) => args(
    dispatch.scratch('packA', kernels.gemmPackABytes(rowEnd - rowBegin, k), t), dispatch.scratch('packB', kernels.gemmPackBBytes(n, k), t),
    rowBegin, rowEnd,
  ))) return;
  kernels.gemm(...args(dispatch.scratch('packA', kernels.gemmPackABytes(m, k)), dispatch.scratch('packB', kernels.gemmPackBBytes(n, k)), 0, m));
}
