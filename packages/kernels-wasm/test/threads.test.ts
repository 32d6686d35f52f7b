import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Conv2dGeometry, GemmParams, Storage } from '@tapegrad/autograd';
import { describeBackend } from '@tapegrad/autograd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { convGeometry as geometry, EPS32, expectClose, randomArray } from './helpers.js';


const label = (g: Conv2dGeometry) => `x=[${g.n},${g.c},${g.h},${g.w}] w=[${g.o},${g.c / (g.groups ?? 1)},${g.kh},${g.kw}] s=${g.sh} p=${g.ph}${g.groups ? ` groups=${g.groups}` : ''}`;

// Case-study shapes (batch 128, then batches that 2 and 3 do not divide, and batch 1), a strided
// padded conv (backward-input through GEMM + col2im) and C < 4 (same path at stride 1).
const CONVS: Conv2dGeometry[] = [
  geometry(128, 1, 28, 28, 16, 3),
  geometry(128, 16, 26, 26, 16, 3),
  geometry(7, 16, 13, 13, 16, 3),
  geometry(5, 3, 9, 9, 4, 3, 2, 1),
  geometry(1, 16, 26, 26, 16, 3),
  geometry(4, 2, 11, 10, 9, 5, 1, 2),
  // The direct 3×3 forward (Note [direct conv]): C = 3, padded, O not a multiple of its 4 channels.
  geometry(7, 3, 12, 11, 5, 3, 1, 1),
  // Grouped (Note [grouped convolution]): depthwise ×2 and 3 groups, strided.
  { ...geometry(7, 8, 13, 13, 16, 3, 1, 1), groups: 8 },
  { ...geometry(5, 6, 9, 9, 9, 3, 2, 1), groups: 3 },
];

const GEMMS: (Omit<GemmParams, 'bias'> & { bias?: boolean })[] = [
  { batch: 1, m: 256, n: 256, k: 256, transA: false, transB: false, strideA: 0, strideB: 0 },
  { batch: 1, m: 256, n: 256, k: 256, transA: false, transB: true, strideA: 0, strideB: 0 },
  { batch: 1, m: 256, n: 256, k: 256, transA: true, transB: false, strideA: 0, strideB: 0 },
  // m not a multiple of the 4-row tile nor of the thread count; n, k not multiples of 8 / 4.
  { batch: 1, m: 131, n: 129, k: 127, transA: false, transB: false, strideA: 0, strideB: 0, bias: true, relu: true },
  // Few rows: 2 threads get 4 and 5 rows, 3 threads are capped at 2 (one tile each).
  { batch: 1, m: 9, n: 700, k: 401, transA: true, transB: true, strideA: 0, strideB: 0 },
  // Batched with a broadcast B (the Linear layer's shape with batch folded in).
  { batch: 3, m: 64, n: 100, k: 160, transA: false, transB: true, strideA: 64 * 160, strideB: 0, bias: true },
];

for (const threads of [2, 3]) {
  describe(`wasm backend threads=${threads} against threads=1`, () => {
    let st: WasmBackend;
    let mt: WasmBackend;
    beforeAll(async () => {
      st = await createWasmBackend();
      // A low split threshold, so the uneven GEMM shapes below split (16×16×16 = 4096 stays whole).
      mt = await createWasmBackend({ threads, gemmThreadsMinMacs: 5000 });
    });
    afterAll(async () => { await mt.dispose(); });

    /** The same data in both backends. */
    const both = (data: Float32Array): [Storage, Storage] => [st.fromArray(data), mt.fromArray(data)];

    it(`has ${threads} threads`, () => {
      expect(mt.threads).toBe(threads);
      expect(st.threads).toBe(1);
    });

    for (const g of CONVS) {
      it(`conv2d forward, backward-input and backward-weight ${label(g)}`, () => {
        const ckk = (g.c / (g.groups ?? 1)) * g.kh * g.kw;
        const [x, xm] = both(randomArray(g.n * g.c * g.h * g.w, 1));
        const [w, wm] = both(randomArray(g.o * ckk, 2));
        const [bias, biasm] = both(randomArray(g.o, 3));
        const [dy, dym] = both(randomArray(g.n * g.o * g.oh * g.ow, 4));
        const splitBefore = mt.parallelCalls;

        // Forward and backward-input split the images; each image is computed exactly as on one thread.
        expectClose(mt.read(mt.conv2d(xm, wm, biasm, g)), st.read(st.conv2d(x, w, bias, g)), 0, 0);
        expectClose(mt.read(mt.conv2dBackwardInput(dym, wm, g)), st.read(st.conv2dBackwardInput(dy, w, g)), 0, 0);

        // Backward-weight sums per-thread partials: a different order of the same N·OH·OW products,
        // so |Δ| <= 2·γ(L)·Σ|dy·x| with L = N·OH·OW and γ(L) ≈ L·ε/2 (ε = 2^-23).
        const dwSt = st.read(st.conv2dBackwardWeight(dy, x, g));
        const dwMt1 = mt.read(mt.conv2dBackwardWeight(dym, xm, g));
        const dwMt2 = mt.read(mt.conv2dBackwardWeight(dym, xm, g));
        expectClose(dwMt2, dwMt1, 0, 0);
        const absSum = st.read(st.conv2dBackwardWeight(st.abs(dy), st.abs(x), g));
        const L = g.n * g.oh * g.ow;
        for (let i = 0; i < dwSt.length; i++) {
          const bound = L * EPS32 * absSum[i]!;
          if (!(Math.abs(dwMt1[i]! - dwSt[i]!) <= bound)) throw new Error(`dw[${i}]: ${dwMt1[i]} vs ${dwSt[i]} (bound ${bound})`);
        }
        if (threads === 2 && g.n === 1) expectClose(dwMt1, dwSt, 0, 0); // one image: one thread, same sum
        // Batch 1 runs on one thread; any other batch was split (4 calls: fwd, bwd-input, 2× bwd-weight).
        expect(mt.parallelCalls - splitBefore).toBe(g.n > 1 ? 4 : 0);
        // Both gradients at once: the same split, so bit for bit the two passes on these threads
        const pair = mt.conv2dBackward(dym, xm, wm, g);
        expectClose(mt.read(pair.dx), mt.read(mt.conv2dBackwardInput(dym, wm, g)), 0, 0);
        expectClose(mt.read(pair.dw), dwMt1, 0, 0);
      });
    }

    for (const p of GEMMS) {
      const name = `gemm batch=${p.batch} ${p.m}x${p.n}x${p.k} tA=${+p.transA} tB=${+p.transB}${p.bias ? ' bias' : ''}${p.relu ? ' relu' : ''}`;
      it(name, () => {
        const aSize = p.strideA === 0 ? p.m * p.k : p.batch * p.strideA;
        const bSize = p.strideB === 0 ? p.k * p.n : p.batch * p.strideB;
        const [a, am] = both(randomArray(aSize, 5));
        const [b, bm] = both(randomArray(bSize, 6));
        const [bias, biasm] = both(randomArray(p.n, 7));
        const splitBefore = mt.parallelCalls;
        const expected = st.read(st.gemm(a, b, { ...p, bias: p.bias ? bias : undefined }));
        const actual = mt.read(mt.gemm(am, bm, { ...p, bias: p.bias ? biasm : undefined }));
        // Rows of C are split at tile boundaries; every element is the same dot product in the same order.
        expectClose(actual, expected, 0, 0);
        expect(mt.read(mt.gemm(am, bm, { ...p, bias: p.bias ? biasm : undefined }))).toEqual(actual);
        expect(mt.parallelCalls - splitBefore).toBe(2);
      });
    }

    it('relu, reluBackward, sigmoid, max-pool and sums over the case-study activations split, with the same results', () => {
      // [128, 16, 26, 26] (conv1's output) and an odd size whose shares do not fall on a plane or row.
      // Element by element (toEqual on million-element arrays takes seconds).
      const same = (a: Float32Array, b: Float32Array) => expectClose(a, b, 0, 0);
      for (const [shape, seed] of [[[128, 16, 26, 26], 11], [[3, 5, 97, 113], 12]] as const) {
        const size = shape.reduce((a, b) => a * b, 1);
        const [x, xm] = both(randomArray(size, seed));
        const [dy, dym] = both(randomArray(size, seed + 1));
        const before = mt.parallelCalls;
        same(mt.read(mt.relu(xm)), st.read(st.relu(x)));
        same(mt.read(mt.sigmoid(xm)), st.read(st.sigmoid(x)));
        same(mt.read(mt.reluBackward(dym, xm)), st.read(st.reluBackward(dy, x)));
        const [n, c, h, w] = shape;
        const g = { n, c, h, w, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: Math.floor(h / 2), ow: Math.floor(w / 2) };
        const pooled = st.maxPool2d(x, g);
        const pooledM = mt.maxPool2d(xm, g);
        same(mt.read(pooledM.y), st.read(pooled.y));
        same(mt.read(pooledM.argmax), st.read(pooled.argmax));
        const [pdy, pdym] = both(randomArray(n * c * g.oh * g.ow, seed + 2));
        same(mt.read(mt.maxPool2dBackward(pdym, pooledM.argmax, g)), st.read(st.maxPool2dBackward(pdy, pooled.argmax, g)));
        // The conv bias gradient: sum over N and the spatial axes; and a full sum, a max.
        same(mt.read(mt.sum(xm, shape, [0, 2, 3])), st.read(st.sum(x, shape, [0, 2, 3])));
        same(mt.read(mt.sum(xm, shape, [0, 1, 2, 3])), st.read(st.sum(x, shape, [0, 1, 2, 3])));
        same(mt.read(mt.max(xm, shape, [3])), st.read(st.max(x, shape, [3])));
        // relu, sigmoid, reluBackward, pool, pool backward, the first pass of the bias sum, the max (the
        // full sum has one output row and the bias sum's second pass is below the threshold).
        expect(mt.parallelCalls - before).toBe(7);
        // Binary ops over one run of elements split too: same shapes (add, the residual block's; div,
        // pow on the scalar tail path), a scalar operand on either side; a broadcast over rows does not.
        const b0 = mt.parallelCalls;
        for (const op of ['add', 'mul', 'div', 'pow', 'greater'] as const) same(mt.read(mt[op](xm, shape, dym, shape, shape)), st.read(st[op](x, shape, dy, shape, shape)));
        const [k, km] = both(Float32Array.of(0.75));
        same(mt.read(mt.sub(xm, shape, km, [], shape)), st.read(st.sub(x, shape, k, [], shape)));
        same(mt.read(mt.sub(km, [], xm, shape, shape)), st.read(st.sub(k, [], x, shape, shape)));
        expect(mt.parallelCalls - b0).toBe(7);
        const [row, rowm] = both(randomArray(w, seed + 3));
        same(mt.read(mt.add(xm, shape, rowm, [w], shape)), st.read(st.add(x, shape, row, [w], shape)));
        expect(mt.parallelCalls - b0).toBe(7);
      }
    });

    it('SGD and Adam steps split by element ranges (Note [optimizer shares]), with the same results', () => {
      const same = (a: Float32Array, b: Float32Array) => expectClose(a, b, 0, 0);
      // the FNN's fc1 weight (784·128), an odd count (shares and the scalar tail meet), and one
      // under the split threshold (4 arrays · 30 000 < 2^17 elements: one thread)
      for (const [size, splits] of [[100_352, 1], [50_001, 1], [30_000, 0]] as const) {
        const [p, pm] = both(randomArray(size, 21));
        const [g, gm] = both(randomArray(size, 22));
        const [m, mm] = both(randomArray(size, 23).map(Math.abs));
        const [v, vm] = both(randomArray(size, 24).map(Math.abs));
        const [buf, bufm] = both(randomArray(size, 25));
        const before = mt.parallelCalls;
        for (const step of [1, 2]) {
          const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: step === 2 ? 0.01 : 0, decoupled: step === 2, step };
          st.adamStep(p, g, m, v, adam);
          mt.adamStep(pm, gm, mm, vm, adam);
        }
        same(mt.read(pm), st.read(p));
        same(mt.read(mm), st.read(m));
        same(mt.read(vm), st.read(v));
        const sgd = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-4, firstStep: false };
        st.sgdStep(p, g, buf, sgd);
        mt.sgdStep(pm, gm, bufm, sgd);
        // SGD streams 3 arrays: 50 001 · 3 ≥ 2^17 splits, 30 000 · 3 does not
        same(mt.read(pm), st.read(p));
        same(mt.read(bufm), st.read(buf));
        st.sgdStep(p, g, null, { ...sgd, momentum: 0, nesterov: false });
        mt.sgdStep(pm, gm, null, { ...sgd, momentum: 0, nesterov: false });
        same(mt.read(pm), st.read(p));
        expect(mt.parallelCalls - before).toBe(4 * splits);
      }
    });

    it('batch norm forward and backward split by channel, with the same results (training and eval)', () => {
      const same = (a: Float32Array, b: Float32Array) => expectClose(a, b, 0, 0);
      const [n, c, h, w] = [64, 16, 26, 26];
      const size = n * c * h * w;
      for (const training of [true, false]) {
        const [x, xm] = both(randomArray(size, 21));
        const [dy, dym] = both(randomArray(size, 22));
        const [gamma, gammam] = both(randomArray(c, 23));
        const [beta, betam] = both(randomArray(c, 24));
        const [rm, rmm] = both(randomArray(c, 25));
        const [rv, rvm] = both(Float32Array.from(randomArray(c, 26), (v) => 1 + Math.abs(v)));
        const p = { n, c, spatial: h * w, eps: 1e-5, momentum: 0.1, training };
        const before = mt.parallelCalls;
        const one = st.batchNorm(x, rm, rv, gamma, beta, p);
        const two = mt.batchNorm(xm, rmm, rvm, gammam, betam, p);
        same(mt.read(two.y), st.read(one.y));
        same(mt.read(two.saved), st.read(one.saved));
        same(mt.read(rmm), st.read(rm));
        same(mt.read(rvm), st.read(rv));
        const g1 = st.batchNormBackward(dy, x, one.saved, gamma, p);
        const g2 = mt.batchNormBackward(dym, xm, two.saved, gammam, p);
        same(mt.read(g2.dx), st.read(g1.dx));
        same(mt.read(g2.dweight), st.read(g1.dweight));
        same(mt.read(g2.dbias), st.read(g1.dbias));
        expect(mt.parallelCalls - before).toBe(2);
      }
    });

    it('a small gemm (below the threading threshold) stays on one thread', () => {
      const p: GemmParams = { batch: 1, m: 16, n: 16, k: 16, transA: false, transB: false, strideA: 0, strideB: 0 };
      const [a, am] = both(randomArray(256, 8));
      const [b, bm] = both(randomArray(256, 9));
      const before = mt.parallelCalls;
      expectClose(mt.read(mt.gemm(am, bm, p)), st.read(st.gemm(a, b, p)), 0);
      expect(mt.parallelCalls).toBe(before);
    });

    it('a conv training step keeps live bytes and memory flat', () => {
      const g = geometry(8, 16, 26, 26, 16, 3);
      const x = mt.fromArray(randomArray(g.n * g.c * g.h * g.w, 1));
      const w = mt.fromArray(randomArray(g.o * g.c * 9, 2));
      const step = () => {
        const y = mt.conv2d(x, w, null, g);
        const dy = mt.relu(y);
        const dx = mt.conv2dBackwardInput(dy, w, g);
        const dw = mt.conv2dBackwardWeight(dy, x, g);
        const lin = mt.gemm(dy, dy, { batch: 1, m: g.n * g.o, n: g.n * g.o, k: g.oh * g.ow, transA: false, transB: true, strideA: 0, strideB: 0 });
        for (const s of [y, dy, dx, dw, lin]) mt.free(s);
      };
      step();
      const inUse = mt.bytesInUse();
      const memory = mt.memoryBytes();
      for (let i = 0; i < 5; i++) {
        step();
        expect(mt.bytesInUse()).toBe(inUse);
        expect(mt.memoryBytes()).toBe(memory);
      }
    });
  });
}

describe('wasm backend threads: set-up and tear-down', () => {
  it('a conv after memory.grow sees the grown memory in every worker', async () => {
    const mt = await createWasmBackend({ threads: 2 });
    const st = await createWasmBackend();
    const ballast = mt.alloc(64 << 20); // past the initial 16 MiB: the memory grows
    const g = geometry(6, 16, 26, 26, 16, 3);
    const xData = randomArray(g.n * g.c * g.h * g.w, 11);
    const wData = randomArray(g.o * g.c * 9, 12);
    expect(mt.read(mt.conv2d(mt.fromArray(xData), mt.fromArray(wData), null, g)))
      .toEqual(st.read(st.conv2d(st.fromArray(xData), st.fromArray(wData), null, g)));
    mt.free(ballast);
    await mt.dispose();
  });

  it('dispose() stops the workers; the backend goes on, on one thread', async () => {
    const mt = await createWasmBackend({ threads: 2 });
    await mt.dispose();
    expect(mt.threads).toBe(1);
    const g = geometry(4, 16, 13, 13, 16, 3);
    const y = mt.conv2d(mt.fromArray(randomArray(g.n * g.c * g.h * g.w, 1)), mt.fromArray(randomArray(g.o * g.c * 9, 2)), null, g);
    expect(mt.read(y)).toAllSatisfy(Number.isFinite);
    expect(mt.parallelCalls).toBe(0);
  });

  it('threads without a shared memory fall back to 1 thread with a console message', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const b = await createWasmBackend({ threads: 2, sharedMemory: false });
    expect(b.threads).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/threads: 2 needs a shared WebAssembly.Memory/));
    warn.mockRestore();
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(createWasmBackend({ threads: 1.5 })).rejects.toThrow(/threads must be a positive integer/);
  });

  // The built package (dist/, from `npm run build`) in a fresh Node process: idle workers must not
  // keep it alive, with or without dispose().
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  for (const dispose of [true, false]) {
    it.skipIf(!existsSync(dist))(`a Node process with a threads=2 backend exits ${dispose ? 'after dispose()' : 'without dispose()'}`, () => {
      const script = `
        const { createWasmBackend } = await import(${JSON.stringify(dist)});
        const b = await createWasmBackend({ threads: 2 });
        const g = { n: 4, c: 16, h: 13, w: 13, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: 11, ow: 11, o: 16 };
        const y = b.conv2d(b.fill(4 * 16 * 13 * 13, 1), b.fill(16 * 16 * 9, 1), null, g);
        console.log(b.read(y)[0], b.parallelCalls);
        ${dispose ? 'await b.dispose();' : ''}
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('144 1');
      expect(r.status).toBe(0);
    });
  }
});

describe('wasm backend threads: the default GEMM split threshold', () => {
  it('splits the FNN-sized GEMM (128×128×784, 12.8 M multiply-adds) and 256³, keeps 64×64×512 (2.1 M) on one thread', async () => {
    const mt = await createWasmBackend({ threads: 2 });
    try {
      const run = (m: number, n: number, k: number) => {
        const [a, b] = [mt.fromArray(randomArray(m * k, 1)), mt.fromArray(randomArray(k * n, 2))];
        const before = mt.parallelCalls;
        mt.free(mt.gemm(a, b, { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 }));
        mt.free(a); mt.free(b);
        return mt.parallelCalls - before;
      };
      expect(run(128, 128, 784)).toBe(1);
      expect(run(256, 256, 256)).toBe(1);
      expect(run(64, 64, 512)).toBe(0);
    } finally {
      await mt.dispose();
    }
  });
});

// Note [share stealing] and Note [contended pool] (src/worker-pool.ts).
describe('wasm backend threads: share stealing and the contended pool', () => {
  const P = (m: number, n: number, k: number): GemmParams => ({ batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 });

  for (const threads of [2, 3]) {
    it(`threads=${threads}: worker shares the main thread claims first run there, with the results of one thread (conv, GEMM, batch norm, relu)`, async () => {
      const st = await createWasmBackend();
      const mt = await createWasmBackend({ threads, gemmThreadsMinMacs: 5000 });
      try {
        const pool = mt.dispatch.pool!;
        const g = geometry(7, 16, 13, 13, 16, 3);
        const data = [randomArray(7 * 16 * 169, 1), randomArray(16 * 144, 2), randomArray(131 * 127, 3), randomArray(127 * 129, 4), randomArray(5 * 37 * 1201, 5)];
        const results = (b: WasmBackend) => {
          const [x, w, a, bm, big] = data.map((d) => b.fromArray(d));
          const p = { n: 5, c: 37, spatial: 1201, eps: 1e-5, momentum: 0.1, training: true };
          const rm = b.fromArray(new Float32Array(37)), rv = b.fromArray(new Float32Array(37).fill(1));
          return [b.conv2d(x!, w!, null, g), b.gemm(a!, bm!, P(131, 129, 127)), b.batchNorm(big!, rm, rv, null, null, p).y, b.relu(big!)].map((t) => b.read(t));
        };
        const want = results(st);
        pool.stealFirst = true;
        const [calls, stolen] = [pool.calls, pool.stolen];
        const got = results(mt);
        expect(pool.calls - calls).toBe(4);
        // Every worker share of the four calls ran on the main thread (the GEMM's 131 rows, the
        // conv's 7 images and batch norm's 37 channels give each thread a share).
        expect(pool.stolen - stolen).toBe(4 * (threads - 1));
        expect(mt.stolenShares).toBe(pool.stolen);
        got.forEach((v, i) => expect(v, `call ${i}`).toEqual(want[i]));
        pool.stealFirst = false;
        results(mt).forEach((v, i) => expect(v, `call ${i}, workers`).toEqual(want[i]));
      } finally {
        await mt.dispose();
      }
    });
  }

  it('a contended pool keeps marginal GEMMs (under 2^24 multiply-adds) on one thread but for one probe in 32; larger ones split; results unchanged', async () => {
    const mt = await createWasmBackend({ threads: 2 });
    try {
      const pool = mt.dispatch.pool!;
      const [a, b] = [mt.fromArray(randomArray(128 * 784, 1)), mt.fromArray(randomArray(784 * 128, 2))];
      const p = P(128, 128, 784);
      const gemm = () => { const c = mt.gemm(a, b, p); const v = mt.read(c); mt.free(c); return v; };
      const want = gemm();
      expect(pool.contended).toBe(false);
      // Every split call slow: the first 512 calls do not count, then the score (weight 1/64) passes
      // 40 % at the 33rd: 5 leave it at 7.5 %.
      pool.stealFirst = true;
      for (let i = 0; i < 512 + 4; i++) gemm();
      expect(pool.calls).toBe(517);
      expect(pool.contended).toBe(false);
      let i = 0;
      for (; i < 40 && !pool.contended; i++) gemm();
      expect(pool.contended).toBe(true);
      expect(i).toBe(28);
      const before = pool.calls;
      for (let k = 0; k < 64; k++) expect(gemm()).toEqual(want);
      expect(pool.calls - before).toBe(2);
      // A GEMM of 2^24 multiply-adds or more splits anyway.
      const [a2, b2] = [mt.fromArray(randomArray(256 * 256, 3)), mt.fromArray(randomArray(256 * 256, 4))];
      const big = pool.calls;
      mt.free(mt.gemm(a2, b2, P(256, 256, 256)));
      expect(pool.calls - big).toBe(1);
    } finally {
      await mt.dispose();
    }
  });
});

describeBackend('wasm threads=2', () => createWasmBackend({ threads: 2 }));
