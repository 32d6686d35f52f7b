import { type Conv2dGeometry, createRefBackend, type Storage } from '@tapegrad/autograd';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { convGeometry as geometry, EPS32, expectClose, randomArray, withNanOutput } from './helpers.js';

// The fused kernels (Note [fused conv epilogue], src/conv.ts) against the reference backend (their
// spec: relu(conv2d), reluBackward then sum) and bit for bit against the unfused WASM kernels, on
// one thread and on the worker pool.

const label = (g: Conv2dGeometry) => `x=[${g.n},${g.c},${g.h},${g.w}] w=[${g.o},${g.c},${g.kh},${g.kw}] s=${g.sh} p=${g.ph}`;

// Winograd (3×3, C ≥ 8: odd output sizes leave ragged 2×2 tiles, O off the 4-row tile) and im2col
// (C < 8, strides, 5×5, 1×1), batches the thread count does not divide.
const CONVS: Conv2dGeometry[] = [
  geometry(3, 16, 13, 13, 16, 3),
  geometry(5, 9, 12, 7, 7, 3, 1, 1),
  geometry(2, 32, 9, 9, 13, 3, 1, 1),
  geometry(3, 1, 28, 28, 16, 3),
  geometry(5, 3, 9, 9, 5, 3, 2, 1),
  geometry(3, 2, 11, 10, 9, 5, 1, 2),
  geometry(2, 6, 5, 7, 3, 1),
];

// Rows (S) around the 16-float and 4-float blocks, one and several images, one channel (composed),
// the case study's conv shapes.
const REL_SHAPES: Array<[number, number, number]> = [
  [3, 16, 169], [2, 7, 21], [5, 3, 1], [1, 9, 33], [16, 16, 676], [3, 37, 30],
  [1, 2, 15], [2, 2, 16], [3, 5, 17], [5, 4, 3], [7, 17, 4], [2, 1, 37], [1, 1, 5], [9, 16, 576],
  // Above ELEMENTWISE_THREADS_MIN (2^17 elements), so that 2 threads split: 3 + 2 and 2 + 1 images.
  [5, 16, 1703], [3, 37, 1201],
];

describe('fused conv + ReLU kernels', () => {
  const ref = createRefBackend();
  let st: WasmBackend;
  let mt: WasmBackend;
  beforeAll(async () => {
    st = await createWasmBackend();
    mt = await createWasmBackend({ threads: 2 });
  });
  afterAll(async () => { await mt.dispose(); });

  const put = (b: WasmBackend, data: Float32Array): Storage => b.fromArray(data);

  for (const g of CONVS) {
    it(`conv2dRelu ${label(g)}: reference within float32 rounding, bit for bit relu(conv2d), same on 2 threads`, () => {
      const xd = randomArray(g.n * g.c * g.h * g.w, 1);
      const wd = randomArray(g.o * g.c * g.kh * g.kw, 2);
      const bd = randomArray(g.o, 3);
      const size = g.n * g.o * g.oh * g.ow;
      const [x, w, b] = [put(st, xd), put(st, wd), put(st, bd)];
      const fused = st.read(withNanOutput(st, size, () => st.conv2dRelu(x, w, b, g)));
      const want = ref.read(ref.conv2dRelu(ref.fromArray(xd), ref.fromArray(wd), ref.fromArray(bd), g));
      expectClose(fused, want, 0, 8 * EPS32 * g.c * g.kh * g.kw);
      expect(fused.some((v) => v === 0) && fused.some((v) => v > 0)).toBe(true);
      expect(fused).toEqual(st.read(st.relu(st.conv2d(x, w, b, g))));
      expect(st.read(st.conv2dRelu(x, w, null, g))).toEqual(st.read(st.relu(st.conv2d(x, w, null, g))));
      const threaded = mt.read(mt.conv2dRelu(put(mt, xd), put(mt, wd), put(mt, bd), g));
      expect(threaded).toEqual(fused);
    });
  }

  for (const [n, c, s] of REL_SHAPES) {
    it(`reluBackwardBias [N, C, S] = [${n}, ${c}, ${s}]: dx = reluBackward (NaN-prefilled), dbias = sum over [0, 2], bit for bit, same on 2 threads`, () => {
      const dyd = randomArray(n * c * s, 4);
      const yd = randomArray(n * c * s, 5).map((v) => Math.max(v, 0));
      const [dy, y] = [put(st, dyd), put(st, yd)];
      const got = withNanOutput(st, n * c * s, () => st.reluBackwardBias(dy, y, n, c, s), (r) => r.dx);
      const dx = st.reluBackward(dy, y);
      expect(st.read(got.dx)).toEqual(st.read(dx));
      const unfused = st.read(st.sum(dx, [n, c, s], [0, 2]));
      expect(st.read(got.dbias)).toEqual(unfused);
      const want = ref.read(ref.reluBackwardBias(ref.fromArray(dyd), ref.fromArray(yd), n, c, s).dbias);
      // Both sums round differently (blocked f32x4 lanes against a plain loop): a random walk of
      // n·s roundings of partial sums at most √(n·s)·‖dx_c‖₂ in size.
      const dxd = st.read(got.dx);
      let sq = 0;
      for (const v of dxd) sq += v * v;
      expectClose(st.read(got.dbias), want, 0, 4 * EPS32 * Math.sqrt(n * s) * Math.sqrt(sq / c) + 8 * EPS32);
      const m = mt.reluBackwardBias(put(mt, dyd), put(mt, yd), n, c, s);
      expect(mt.read(m.dx)).toEqual(st.read(got.dx));
      expect(mt.read(m.dbias)).toEqual(st.read(got.dbias));
    });
  }
});

// conv2dReluMaxPool (autograd's Note [fused conv pool]; Note [winograd pool epilogue]): where the
// Winograd output transform pools (3×3, C ≥ 8, even OH and OW, a 2×2 stride-2 window: the case
// study's conv2, pooled widths of 9 and 17 that leave 1–3 lanes of a 4-tile group, several tile
// blocks) and where the backend composes (odd output, C = 1, a strided conv, a 3×3 window).
const POOLED: Array<[Conv2dGeometry, { k: number; s: number; p: number }]> = [
  [geometry(3, 16, 26, 26, 16, 3), { k: 2, s: 2, p: 0 }],
  [geometry(2, 9, 12, 18, 7, 3, 1, 1), { k: 2, s: 2, p: 0 }],
  [geometry(3, 8, 6, 34, 5, 3, 1, 1), { k: 2, s: 2, p: 0 }],
  [geometry(3, 16, 13, 13, 16, 3), { k: 2, s: 2, p: 0 }],
  [geometry(3, 1, 28, 28, 16, 3), { k: 2, s: 2, p: 0 }],
  [geometry(5, 3, 9, 9, 5, 3, 2, 1), { k: 2, s: 2, p: 0 }],
  [geometry(2, 16, 9, 9, 6, 3, 1, 1), { k: 3, s: 2, p: 1 }],
  [geometry(6, 3, 10, 10, 1, 3), { k: 2, s: 2, p: 0 }],
];
const poolOf = (g: Conv2dGeometry, q: { k: number; s: number; p: number }) => {
  const oh = Math.floor((g.oh + 2 * q.p - q.k) / q.s) + 1, ow = Math.floor((g.ow + 2 * q.p - q.k) / q.s) + 1;
  return { n: g.n, c: g.o, h: g.oh, w: g.ow, kh: q.k, kw: q.k, sh: q.s, sw: q.s, ph: q.p, pw: q.p, dh: 1, dw: 1, oh, ow };
};
const bits = (f: Float32Array) => new Int32Array(f.buffer, f.byteOffset, f.length);

describe('fused conv + ReLU + max-pool kernels', () => {
  const ref = createRefBackend();
  let st: WasmBackend;
  let mt: WasmBackend;
  let mt3: WasmBackend;
  let small: WasmBackend;
  const put = (b: WasmBackend, data: Float32Array): Storage => b.fromArray(data);
  beforeAll(async () => {
    st = await createWasmBackend();
    mt = await createWasmBackend({ threads: 2 });
    mt3 = await createWasmBackend({ threads: 3 });
    small = await createWasmBackend({ winogradBlockTiles: 5 });
  });
  afterAll(async () => { await mt.dispose(); await mt3.dispose(); });

  for (const [g, q] of POOLED) {
    it(`conv2dReluMaxPool ${label(g)} pool k=${q.k} s=${q.s} p=${q.p}: y and argmax bit for bit maxPool2d(conv2dRelu), reference within rounding, same on 2 and 3 threads and small tile blocks`, () => {
      const pg = poolOf(g, q);
      const xd = randomArray(g.n * g.c * g.h * g.w, 11);
      const wd = randomArray(g.o * g.c * g.kh * g.kw, 12);
      const bd = randomArray(g.o, 13);
      const size = pg.n * pg.c * pg.oh * pg.ow;
      const run = (b: WasmBackend, bias = true) => {
        const r = b.conv2dReluMaxPool(b.fromArray(xd), b.fromArray(wd), bias ? b.fromArray(bd) : null, g, pg);
        return [b.read(r.y), bits(b.read(r.argmax))] as const;
      };
      const spy = vi.spyOn(st, 'maxPool2d');
      const fusedRun = withNanOutput(st, size, () => st.conv2dReluMaxPool(put(st, xd), put(st, wd), put(st, bd), g, pg), (r) => r.y);
      // the first three pool in the Winograd output transform, the others compose
      expect(spy.mock.calls.length).toBe(POOLED.indexOf(POOLED.find(([h]) => h === g)!) < 3 ? 0 : 1);
      spy.mockRestore();
      const fused = [st.read(fusedRun.y), bits(st.read(fusedRun.argmax))] as const;
      const pre = st.conv2dRelu(put(st, xd), put(st, wd), put(st, bd), g);
      const plain = st.maxPool2d(pre, pg);
      expect(fused[0]).toEqual(st.read(plain.y));
      expect(fused[1]).toEqual(bits(st.read(plain.argmax)));
      expect(fused[0].some((v) => v === 0) && fused[0].some((v) => v > 0)).toBe(true);
      const want = ref.read(ref.conv2dReluMaxPool(ref.fromArray(xd), ref.fromArray(wd), ref.fromArray(bd), g, pg).y);
      expectClose(fused[0], want, 0, 8 * EPS32 * g.c * g.kh * g.kw);
      const noBias = run(st, false);
      const plainNoBias = st.maxPool2d(st.conv2dRelu(put(st, xd), put(st, wd), null, g), pg);
      expect(noBias[0]).toEqual(st.read(plainNoBias.y));
      for (const b of [mt, mt3, small]) {
        const [y, am] = run(b);
        expect(y).toEqual(fused[0]);
        expect(am).toEqual(fused[1]);
      }

      // the backward: dx = maxPool2dBackward(reluBackward(dy, y)), dbias its sum per channel
      const dyd = randomArray(size, 14);
      const dy = put(st, dyd);
      const got = withNanOutput(st, g.n * g.o * g.oh * g.ow, () => st.maxPoolReluBackwardBias(dy, fusedRun.argmax, fusedRun.y, pg), (r) => r.dx);
      const dxPlain = st.maxPool2dBackward(st.reluBackward(dy, plain.y), plain.argmax, pg);
      expect(st.read(got.dx)).toEqual(st.read(dxPlain));
      // the unfused layers' dbias: conv2dRelu's backward (reluBackwardBias) of maxPool2dBackward(dy)
      const dbiasPlain = st.read(st.reluBackwardBias(st.maxPool2dBackward(dy, plain.argmax, pg), pre, g.n, g.o, g.oh * g.ow).dbias);
      const dxd = st.read(got.dx);
      expect(st.read(got.dbias)).toEqual(dbiasPlain);
      expect(dbiasPlain.some((v) => v !== 0)).toBe(true);
      const refGrad = ref.maxPoolReluBackwardBias(ref.fromArray(dyd), ref.conv2dReluMaxPool(ref.fromArray(xd), ref.fromArray(wd), ref.fromArray(bd), g, pg).argmax, ref.fromArray(want), pg);
      expectClose(dxd, ref.read(refGrad.dx), 0, 0);
      for (const b of [mt, mt3]) {
        const r = b.conv2dReluMaxPool(b.fromArray(xd), b.fromArray(wd), b.fromArray(bd), g, pg);
        const m = b.maxPoolReluBackwardBias(b.fromArray(dyd), r.argmax, r.y, pg);
        expect(b.read(m.dx)).toEqual(dxd);
        expect(b.read(m.dbias)).toEqual(st.read(got.dbias));
      }
    });
  }
});

// conv2dReluBackwardWeight (Note [fused relu backward-weight], src/conv.ts): the first layer's dw and
// dbias without dpre in memory, where the weight gradient runs im2col + dot products (C < 8,
// strides, 5×5, 1×1, the case study's conv1 at batch 128) and composed elsewhere (Winograd, O = 1).
const RELU_DW: Conv2dGeometry[] = [...CONVS, geometry(128, 1, 28, 28, 16, 3), geometry(4, 3, 8, 8, 1, 3, 1, 1), geometry(1, 2, 9, 9, 4, 3)];

describe('fused ReLU backward + conv weight gradient', () => {
  const ref = createRefBackend();
  let st: WasmBackend;
  let mt: WasmBackend;
  let mt3: WasmBackend;
  const put = (b: WasmBackend, data: Float32Array): Storage => b.fromArray(data);
  beforeAll(async () => {
    st = await createWasmBackend();
    mt = await createWasmBackend({ threads: 2 });
    mt3 = await createWasmBackend({ threads: 3 });
  });
  afterAll(async () => { await mt.dispose(); await mt3.dispose(); });

  for (const g of RELU_DW) {
    it(`conv2dReluBackwardWeight ${label(g)}: dw and dbias bit for bit reluBackwardBias then conv2dBackwardWeight (1, 2 and 3 threads), reference within rounding`, () => {
      const xd = randomArray(g.n * g.c * g.h * g.w, 21);
      const wd = randomArray(g.o * g.c * g.kh * g.kw, 22);
      const bd = randomArray(g.o, 23);
      const dyd = randomArray(g.n * g.o * g.oh * g.ow, 24);
      const fits = g.c < 8 && g.o > 1;
      for (const b of [st, mt, mt3]) {
        const [x, w, bias, dy] = [put(b, xd), put(b, wd), put(b, bd), put(b, dyd)];
        const y = b.conv2dRelu(x, w, bias, g);
        const spy = vi.spyOn(b, 'reluBackwardBias');
        const got = withNanOutput(b, g.o * g.c * g.kh * g.kw, () => b.conv2dReluBackwardWeight(dy, y, x, g, true), (r) => r.dw);
        // the fused kernel never calls the unfused one; the composition does
        expect(spy.mock.calls.length).toBe(fits ? 0 : 1);
        spy.mockRestore();
        const unfused = b.reluBackwardBias(dy, y, g.n, g.o, g.oh * g.ow);
        const dwPlain = b.read(b.conv2dBackwardWeight(unfused.dx, x, g));
        expect(b.read(got.dw)).toEqual(dwPlain);
        expect(b.read(got.dbias!)).toEqual(b.read(unfused.dbias));
        const noBias = b.conv2dReluBackwardWeight(dy, y, x, g, false);
        expect(noBias.dbias).toBeNull();
        expect(b.read(noBias.dw)).toEqual(dwPlain);
        if (b === st) {
          const [xr, wr, br, dyr] = [xd, wd, bd, dyd].map((d) => ref.fromArray(d));
          const want = ref.conv2dReluBackwardWeight(dyr!, ref.conv2dRelu(xr!, wr!, br!, g), xr!, g, true);
          expectClose(b.read(got.dw), ref.read(want.dw), 0, 16 * EPS32 * g.n * g.oh * g.ow);
          expectClose(b.read(got.dbias!), ref.read(want.dbias!), 0, 16 * EPS32 * g.n * g.oh * g.ow);
          expect(b.read(got.dbias!).some((v) => v !== 0)).toBe(true);
        }
      }
    });
  }
});

// batchNormRelu and its backward (Note [batch norm relu], assembly/batch-norm.ts): bit for bit
// batchNorm → relu and reluBackward → batchNormBackward on the same backend, training and eval,
// on 1–3 threads. Spatial sizes around the 16-, 8- and 4-float loops and their tails; the last
// two are above ELEMENTWISE_THREADS_MIN, so the pool splits the channels (5 over 2 and 3 threads).
const BN_SHAPES: Array<[number, number, number]> = [
  [3, 5, 9], [2, 16, 36], [4, 3, 7], [5, 2, 1], [2, 4, 23], [3, 7, 64], [8, 5, 1024], [64, 5, 420],
];

describe('fused batch norm + ReLU', () => {
  const ref = createRefBackend();
  const backends: WasmBackend[] = [];
  beforeAll(async () => {
    backends.push(await createWasmBackend(), await createWasmBackend({ threads: 2 }), await createWasmBackend({ threads: 3 }));
  });
  afterAll(async () => { await backends[1]!.dispose(); await backends[2]!.dispose(); });

  for (const [n, c, s] of BN_SHAPES) {
    for (const training of [true, false]) {
      it(`batchNormRelu [N, C, S] = [${n}, ${c}, ${s}] training=${training}: y, statistics and gradients bit for bit the unfused kernels (NaN-prefilled), 1–3 threads, reference within rounding`, () => {
        const size = n * c * s;
        // x off centre so that y has zeros and positives in every channel.
        const xd = randomArray(size, 11).map((v, i) => 2 * v + 0.3 * ((i / s) % c));
        const [dyd, wd, bd] = [randomArray(size, 12), randomArray(c, 13).map((v) => v + 1.5), randomArray(c, 14)];
        const rvd = randomArray(c, 15).map((v) => Math.abs(v) + 0.5);
        const p = { n, c, spatial: s, eps: 1e-5, momentum: 0.1, training };
        const results = backends.map((b) => {
          const [x, dy, w, bias] = [xd, dyd, wd, bd].map((d) => b.fromArray(d));
          const [rm1, rv1, rm2, rv2] = [randomArray(c, 16), rvd, randomArray(c, 16), rvd].map((d) => b.fromArray(d));
          const fused = withNanOutput(b, size, () => b.batchNormRelu(x, rm1, rv1, w, bias, p), (r) => r.y);
          const pre = b.batchNorm(x, rm2, rv2, w, bias, p);
          const y = b.relu(pre.y);
          expect(b.read(fused.y)).toEqual(b.read(y));
          expect(b.read(fused.saved)).toEqual(b.read(pre.saved));
          expect([b.read(rm1), b.read(rv1)]).toEqual([b.read(rm2), b.read(rv2)]);
          const g = withNanOutput(b, size, () => b.batchNormReluBackward(dy, fused.y, x, fused.saved, w, p), (r) => r.dx);
          const unfused = b.batchNormBackward(b.reluBackward(dy, y), x, pre.saved, w, p);
          for (const k of ['dx', 'dweight', 'dbias'] as const) expect(b.read(g[k]), k).toEqual(b.read(unfused[k]));
          return [fused.y, g.dx, g.dweight, g.dbias].map((t) => b.read(t));
        });
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
        // The mask matters: y has zeros (and positives) to mask by.
        const y0 = results[0]![0]!;
        expect(y0.some((v) => v === 0) && y0.some((v) => v > 0)).toBe(true);
        const r = ref.batchNormRelu(ref.fromArray(xd), ref.fromArray(randomArray(c, 16)), ref.fromArray(rvd), ref.fromArray(wd), ref.fromArray(bd), p);
        const rg = ref.batchNormReluBackward(ref.fromArray(dyd), r.y, ref.fromArray(xd), r.saved, ref.fromArray(wd), p);
        const tolerance = 64 * EPS32 * Math.sqrt(n * s);
        expectClose(y0, ref.read(r.y), tolerance);
        expectClose(results[0]![1]!, ref.read(rg.dx), tolerance);
        expectClose(results[0]![2]!, ref.read(rg.dweight), tolerance, tolerance * Math.sqrt(n * s));
        expectClose(results[0]![3]!, ref.read(rg.dbias), tolerance, tolerance * Math.sqrt(n * s));
      });
    }
  }
});
