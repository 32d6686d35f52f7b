import { createRefBackend, type GemmParams } from '@tapegrad/autograd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { createWasmBackend, type WasmBackend, type WasmStorage } from '../src/index.js';
import { swapForZeros } from '../src/gemm.js';
import { EPS32, expectClose, nanStorage, randomArray } from './helpers.js';

// Note [zero-skipping A panels] (assembly/gemm/skip.ts): the GEMM drops the k steps at which every
// row of a packed A panel is zero. Checked here: the result equals the dense tiles' bit for bit
// (gemmSkipZeros: false), is within float32 rounding of the reference backend, and a NaN or an
// infinity in B still reaches C through a zero of A (B is checked; the dense path then runs).

/** Values in [-1, 1) with a share `zeros` set to 0 by one of three patterns (A's rows are [m, k] as op(A)). */
function sparseA(m: number, k: number, transA: boolean, zeros: number, pattern: 'random' | 'columns' | 'negzero', seed: number): Float32Array {
  const v = randomArray(m * k, seed);
  const keep = randomArray(m * k, seed + 1000);
  const colKeep = randomArray(k, seed + 2000);
  const out = new Float32Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const at = transA ? p * m + i : i * k + p; // where op(A)[i, p] is stored
      const x = v[i * k + p]!;
      const zero = pattern === 'columns' ? (colKeep[p]! + 1) / 2 < zeros : (keep[i * k + p]! + 1) / 2 < zeros;
      out[at] = zero ? (pattern === 'negzero' ? -0 : 0) : x;
    }
  }
  return out;
}

// Rows around the 4-row and 5-row tiles (5 = one 5-row tile, 9 = 5 + 4, 21 = 5 + 4·4) and past
// DIRECT_B_MAX_ROWS = 32 (B packed also without transB); columns around NR = 8; k not a multiple of 4.
const MS = [1, 3, 4, 5, 9, 17, 21, 33, 130];
const NS = [1, 7, 8, 9, 17];
const KS = [1, 3, 5, 17, 37];

describe.each([false, true])('gemm zero-skipping relaxedSimd=%s', (relaxedSimd) => {
  const ref = createRefBackend();
  let skip: WasmBackend;
  let dense: WasmBackend;
  let two: WasmBackend;
  beforeAll(async () => {
    skip = await createWasmBackend({ relaxedSimd });
    dense = await createWasmBackend({ relaxedSimd, gemmSkipZeros: false });
    two = await createWasmBackend({ relaxedSimd, threads: 2, gemmThreadsMinMacs: 1 });
  });
  afterAll(async () => { await two.dispose(); });

  function run(be: WasmBackend, a: Float32Array, b: Float32Array, bias: Float32Array | null, p: GemmParams): Float32Array {
    const c = nanStorage(be, p.m * p.n);
    const [as, bs] = [be.fromArray(a), be.fromArray(b)];
    const biasS = bias ? be.fromArray(bias) : undefined;
    be.gemmInto(c, as, bs, { ...p, bias: biasS });
    const out = be.read(c).slice();
    for (const s of [c, as, bs, ...(biasS ? [biasS] : [])]) be.free(s);
    return out;
  }

  function check(m: number, n: number, k: number, transA: boolean, transB: boolean, zeros: number, pattern: 'random' | 'columns' | 'negzero', withBias: boolean): void {
    const a = sparseA(m, k, transA, zeros, pattern, m * 7 + k);
    const b = randomArray(k * n, n * 13 + k);
    const bias = withBias ? randomArray(n, n + 3) : null;
    const p: GemmParams = { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, relu: withBias };
    const got = run(skip, a, b, bias, p);
    const denseC = run(dense, a, b, bias, p);
    expect(got, `${m}x${n}x${k} tA=${transA} tB=${transB} equals the dense tiles`).toAllSatisfy((x, i) => Object.is(x, denseC[i]));
    const want = ref.read(ref.gemm(ref.fromArray(a), ref.fromArray(b), { ...p, bias: bias ? ref.fromArray(bias) : undefined }));
    expectClose(got, want, 0, 8 * EPS32 * Math.max(1, k));
  }

  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`tile-edge sweep m=${MS} n=${NS} k=${KS} transA=${transA} transB=${transB}, half of A zero (by element; by whole columns)`, () => {
      for (const m of MS) for (const n of NS) for (const k of KS) {
        check(m, n, k, transA, transB, 0.5, 'random', false); // panels rarely all zero: mostly packed densely again
        check(m, n, k, transA, transB, 0.5, 'columns', false); // every panel skips the zero columns
      }
    });
  }

  it('whole zero columns of A (every panel skips them), -0 entries, all-zero A, bias + relu', () => {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      check(130, 17, 37, transA, transB, 0.6, 'columns', true);
      check(33, 9, 17, transA, transB, 0.5, 'negzero', true);
      check(21, 8, 5, transA, transB, 1, 'columns', true);
      check(131, 10, 23, transA, transB, 0, 'random', true);
    }
  });

  it('the FNN shapes: x[128, 784] · w[128, 784]ᵀ and dW = dyᵀ · x with image-like zeros; 2 threads equal 1 bit for bit', () => {
    const x = sparseA(128, 784, false, 0.5, 'columns', 5);
    const w = randomArray(128 * 784, 6);
    const dy = sparseA(128, 128, false, 0.5, 'random', 7);
    for (const [a, b, p] of [
      [x, w, { batch: 1, m: 128, n: 128, k: 784, transA: false, transB: true, strideA: 0, strideB: 0 }],
      [dy, x, { batch: 1, m: 128, n: 784, k: 128, transA: true, transB: false, strideA: 0, strideB: 0 }],
    ] as const) {
      const got = run(skip, a, b, null, p);
      const denseC = run(dense, a, b, null, p);
      expect(got).toAllSatisfy((v, i) => Object.is(v, denseC[i]));
      const calls = two.parallelCalls;
      const threaded = run(two, a, b, null, p);
      expect(threaded).toAllSatisfy((v, i) => Object.is(v, got[i]));
      expect(two.parallelCalls).toBeGreaterThan(calls);
    }
  });

  it('dW = dyᵀ·x with image-like x (zeros in runs along its rows) runs as (xᵀ·dy)ᵀ: equal to the dense GEMM bit for bit, on 2 threads too', () => {
    // x [128 images, 784]: a border of zero columns that varies by image, like Fashion-MNIST's background.
    const x = randomArray(128 * 784, 11);
    for (let i = 0; i < 128; i++) for (let j = 0; j < 784; j++) if (j % 28 < 4 + (i % 5) || j % 28 > 22 - (i % 3)) x[i * 784 + j] = 0;
    const dy = sparseA(128, 128, false, 0.5, 'random', 12); // a ReLU mask: zeros scattered over the units
    const p: GemmParams = { batch: 1, m: 128, n: 784, k: 128, transA: true, transB: false, strideA: 0, strideB: 0 };
    const [xs, dys] = [skip.fromArray(x), skip.fromArray(dy)] as WasmStorage[];
    expect(swapForZeros(skip, { a: dys!.ptr, b: xs!.ptr, out: 0, bias: 0 }, p)).toBe(true);
    expect(swapForZeros(skip, { a: xs!.ptr, b: dys!.ptr, out: 0, bias: 0 }, { ...p, n: 128 })).toBe(false);
    const got = run(skip, dy, x, null, p);
    const denseC = run(dense, dy, x, null, p);
    expect(got).toAllSatisfy((v, i) => Object.is(v, denseC[i]));
    expectClose(got, ref.read(ref.gemm(ref.fromArray(dy), ref.fromArray(x), p)), 0, 8 * EPS32 * 128);
    const threaded = run(two, dy, x, null, p);
    expect(threaded).toAllSatisfy((v, i) => Object.is(v, got[i]));
    // Odd sizes through the swap: m, n not multiples of the tiles or of the transpose's 4x4 blocks.
    for (const [m, n, k] of [[17, 130, 37], [21, 33, 5], [130, 17, 3]] as const) {
      const xb = randomArray(k * n, m + n);
      for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) if (j % 16 < 9) xb[i * n + j] = 0;
      const a = randomArray(k * m, m * n);
      const q: GemmParams = { batch: 1, m, n, k, transA: true, transB: false, strideA: 0, strideB: 0 };
      const c = run(skip, a, xb, null, q);
      const d = run(dense, a, xb, null, q);
      expect(c, `${m}x${n}x${k}`).toAllSatisfy((v, i) => Object.is(v, d[i]));
      expectClose(c, ref.read(ref.gemm(ref.fromArray(a), ref.fromArray(xb), q)), 0, 8 * EPS32 * k);
    }
  });

  it('a NaN or an infinity in B reaches C through zeros of A, as in the dense GEMM', () => {
    const m = 40, n = 9, k = 13;
    const a = sparseA(m, k, false, 1, 'columns', 9); // all zero: every step would be skipped
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const b = randomArray(k * n, 10);
      b[3 * n + 4] = bad;
      const p: GemmParams = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
      const got = run(skip, a, b, null, p);
      const denseC = run(dense, a, b, null, p);
      expect(got).toAllSatisfy((v, i) => (i % n === 4 ? Number.isNaN(v) : v === 0));
      expect(got).toAllSatisfy((v, i) => Object.is(v, denseC[i]));
    }
  });
});
