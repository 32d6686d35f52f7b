import { beforeAll, describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { EPS32, expectClose, nanStorage, randomArray } from './helpers.js';

/** Scalar reference: C[b] = op(A[b]) · op(B[b]) (+ bias[n]) (ReLU), accumulated in f64. */
function gemmRef(
  a: Float32Array, b: Float32Array, bias: Float32Array | null, batch: number, m: number, n: number, k: number,
  transA: boolean, transB: boolean, strideA: number, strideB: number, relu: boolean,
): Float64Array {
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a[t * strideA + (transA ? p * m + i : i * k + p)]!;
          const bv = b[t * strideB + (transB ? j * k + p : p * n + j)]!;
          s += av * bv;
        }
        if (bias) s += bias[j]!;
        c[(t * m + i) * n + j] = relu ? Math.max(0, s) : s;
      }
    }
  }
  return c;
}

const MR = 4;
const NR = 8;
/** The relaxed build's 5-row tiles (Note [5-row tiles], assembly/gemm/tiles.ts): m = 5a + 4b rows. */
const MR_WIDE = 5;
// 5 = one 5-row tile, 9 = 5 + 4, 13 = 5 + 4 + 4, 20 = 4·5, 21 = 5 + 4·4; the rest as for 4-row tiles.
const MS = [1, MR - 1, MR, MR_WIDE, 2 * MR + 1, 13, 4 * MR_WIDE, 4 * MR_WIDE + 1];
const NS = [1, NR - 1, NR, NR + 1, 2 * NR + 1, 4, 17];
const KS = [1, 3, 7, 16, 37];

// Every case on the plain build (4x8 tiles) and on the relaxed-SIMD build (5x8 and 4x8 tiles).
describe.each([false, true])('gemm relaxedSimd=%s', (relaxedSimd) => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend({ relaxedSimd }); });

  function check(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
    strideA: number, strideB: number, withBias: boolean, relu: boolean): void {
    const aData = randomArray(Math.max(1, (batch - 1) * strideA + m * k), m * 31 + k);
    const bData = randomArray(Math.max(1, (batch - 1) * strideB + k * n), n * 17 + k + 1);
    const biasData = withBias ? randomArray(n, n + 5) : null;
    const a = backend.fromArray(aData);
    const b = backend.fromArray(bData);
    const bias = biasData ? backend.fromArray(biasData) : undefined;
    const c = nanStorage(backend, batch * m * n);
    backend.gemmInto(c, a, b, { batch, m, n, k, transA, transB, strideA, strideB, bias, relu });
    const expected = gemmRef(aData, bData, biasData, batch, m, n, k, transA, transB, strideA, strideB, relu);
    // Inputs in [-1, 1): the rounding error of a k-term f32 dot product grows like eps·sqrt(k) times
    // the root-sum-square of the terms (<= sqrt(k)), so an absolute 8·eps·k bound (with margin).
    expectClose(backend.read(c), expected, 0, 8 * EPS32 * Math.max(1, k));
    for (const s of [a, b, c, ...(bias ? [bias] : [])]) backend.free(s);
  }

  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`tile-edge sweep m=${MS} n=${NS} k=${KS} transA=${transA} transB=${transB}`, () => {
      for (const m of MS) for (const n of NS) for (const k of KS) check(1, m, n, k, transA, transB, 0, 0, false, false);
    });
  }

  it('primes m=31 n=29 k=23, all transposes, bias + relu', () => {
    for (const transA of [false, true]) for (const transB of [false, true]) check(1, 31, 29, 23, transA, transB, 0, 0, true, true);
  });

  it('batch=3 m=7 n=9 k=5 with batch strides, and strideA=0 / strideB=0 broadcasting', () => {
    check(3, 7, 9, 5, false, false, 7 * 5, 5 * 9, false, false);
    check(3, 7, 9, 5, true, true, 0, 5 * 9, true, false);
    check(3, 7, 9, 5, false, true, 7 * 5 + 3, 0, false, true);
  });

  it('k=0 gives bias only (or zeros)', () => {
    check(1, 5, 9, 0, false, false, 0, 0, true, false);
    check(2, 3, 4, 0, false, false, 0, 0, false, false);
  });

  it('m=64 n=64 k=256 (several panels, long accumulation)', () => {
    check(1, 64, 64, 256, false, false, 0, 0, false, false);
    check(1, 64, 64, 256, true, true, 0, 0, false, false);
  });

  it('few columns, many rows (computed as Cᵀ = op(B)ᵀ·op(A)ᵀ): n in {1, 10, 16}, m in {64, 131}, all transposes, bias + relu', () => {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      for (const [m, n, k] of [[64, 1, 9], [128, 10, 230], [131, 16, 37], [131, 10, 1]] as const) {
        check(1, m, n, k, transA, transB, 0, 0, true, true);
        check(1, m, n, k, transA, transB, 0, 0, false, false);
      }
    }
  });

  it('threads: 2 equals threads: 1 bit for bit, m=131 n=40 k=512 (the second share starts at row 64, mid-tile for 5-row tiles)', async () => {
    const [one, two] = await Promise.all([1, 2].map((threads) => createWasmBackend({ relaxedSimd, sharedMemory: true, threads, gemmThreadsMinMacs: 1 })));
    const m = 131, n = 40, k = 512;
    const a = randomArray(m * k, 3), b = randomArray(k * n, 4);
    const p = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
    const [c1, c2] = [one, two].map((be) => be!.read(be!.gemm(be!.fromArray(a), be!.fromArray(b), p)));
    expect(two!.parallelCalls).toBeGreaterThan(0);
    expect(c2!).toAllSatisfy((x, i) => Object.is(x, c1![i]));
    await two!.dispose();
  });

  it('gemm() returns a fresh [batch, m, n] storage', () => {
    const a = backend.fromArray([1, 2, 3, 4, 5, 6]);
    const b = backend.fromArray([1, 0, 0, 1, 1, 1]);
    const c = backend.gemm(a, b, { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, strideA: 0, strideB: 0 });
    expect(Array.from(backend.read(c))).toEqual([4, 5, 10, 11]);
  });
});
