import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefBackend } from '../backend-ref/index.js';
import type { Backend, Conv2dGeometry, Shape, Storage } from '../backend.js';
import { conv2dGeometry } from '../ops/conv2d.js';
import { poolGeometry } from '../ops/pool2d.js';
import { Generator } from '../random.js';
import { broadcastShapes, fmt, sizeOf } from '../shape.js';
import { expectClose } from './expect-close.js';
import { checkFunction, fail } from '../check.js';

/** Float32 tolerance for a result accumulated over `terms` products. */
function tol(terms: number): { rtol: number; atol: number } {
  const e = 2 ** -23 * Math.sqrt(Math.max(terms, 1)) * 8;
  return { rtol: e, atol: e };
}

const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'greater', 'equal'] as const;
const UNARY = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'relu', 'sigmoid', 'tanh', 'erf'] as const;

/**
 * Conv geometries: stride, padding, dilation, channels, non-square, batch > 1, tails; then grouped
 * ones (`g`: groups; Note [grouped convolution]): 2 groups, depthwise (g = C) with 1 and 2 output
 * channels per group, C/g and O/g off the SIMD widths, and C/g ≥ 8 (where Winograd could fit).
 */
export const CONV_CASES: ReadonlyArray<{ x: Shape; w: Shape; s?: number | [number, number]; p?: number | [number, number]; d?: number | [number, number]; g?: number }> = [
  { x: [1, 1, 5, 5], w: [1, 1, 3, 3] },
  { x: [2, 3, 7, 7], w: [4, 3, 3, 3], s: 2, p: 1 },
  { x: [2, 2, 9, 6], w: [3, 2, 3, 2], s: [2, 1], p: [1, 0] },
  { x: [3, 2, 8, 8], w: [5, 2, 3, 3], d: 2, p: 2 },
  { x: [2, 1, 28, 28], w: [16, 1, 3, 3] },
  { x: [2, 16, 13, 13], w: [16, 16, 3, 3] },
  { x: [1, 3, 6, 7], w: [7, 3, 1, 1] },
  { x: [2, 5, 11, 10], w: [9, 5, 5, 5], s: 3, p: 2 },
  { x: [1, 1, 1, 9], w: [2, 1, 1, 3], p: [0, 1] },
  { x: [2, 4, 7, 7], w: [6, 2, 3, 3], p: 1, g: 2 },
  { x: [3, 6, 9, 7], w: [9, 2, 3, 3], s: 2, p: 1, g: 3 },
  { x: [2, 5, 11, 10], w: [5, 1, 3, 3], p: 1, g: 5 },
  { x: [2, 7, 13, 9], w: [14, 1, 5, 5], s: [1, 2], p: 2, g: 7 },
  { x: [3, 32, 14, 14], w: [32, 1, 3, 3], p: 1, g: 32 },
  { x: [2, 12, 10, 10], w: [24, 3, 3, 3], d: 2, p: 2, g: 4 },
  { x: [2, 16, 9, 9], w: [10, 8, 3, 3], p: 1, g: 2 },
  { x: [2, 4, 1, 9], w: [4, 1, 1, 3], p: [0, 1], g: 4 },
];

/**
 * The backend conformance suite: every kernel of `makeBackend()` against the float32 reference
 * backend on random data, including sizes that are not multiples of any tile, and a final check
 * that the suite called every method of the Backend interface (no exclusions).
 * @example describeBackend('wasm', createWasmBackend);
 */
export function describeBackend(name: string, makeBackend: () => Backend | Promise<Backend>): void {
  if (typeof name !== 'string') fail('describeBackend', 'name', 'a string', name);
  checkFunction('describeBackend', 'makeBackend', makeBackend);
  describe(`backend conformance: ${name}`, () => {
    const ref = createRefBackend();
    let raw: Backend;
    let b: Backend;
    const called = new Set<string>();
    const gen = new Generator(42);
    beforeAll(async () => {
      raw = await makeBackend();
      b = new Proxy(raw, {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv);
          if (typeof v === 'function') {
            called.add(String(prop));
            return v.bind(target);
          }
          return v;
        },
      });
    });

    const randn = (n: number, scale = 1): number[] => Array.from({ length: n }, () => gen.normal() * scale);
    /** Runs the same call on both backends and returns both results. */
    const both = (data: ArrayLike<number>[]): [Storage[], Storage[]] => [data.map((d) => b.fromArray(d)), data.map((d) => ref.fromArray(d))];
    const same = (label: string, got: Storage, want: Storage, t = tol(1)) => expectClose(b.read(got), ref.read(want), { ...t, label });

    it('memory: fromArray/read round-trip, fill, alloc, copyInPlace, free, bytesInUse', () => {
      const data = randn(37);
      const s = b.fromArray(data);
      expect(s.size).toBe(37);
      expectClose(b.read(s), b.dtype === 'float64' ? data : Float32Array.from(data), { rtol: 0, atol: 0 });
      const f = b.fill(13, 2.5);
      expectClose(b.read(f), new Array(13).fill(2.5), { rtol: 0, atol: 0 });
      const a = b.alloc(37);
      expect(a.size).toBe(37);
      b.copyInPlace(a, s);
      expectClose(b.read(a), b.read(s), { rtol: 0, atol: 0 });
      const before = b.bytesInUse();
      expect(before).toBeGreaterThanOrEqual((37 + 13 + 37) * (b.dtype === 'float64' ? 8 : 4));
      for (const x of [s, f, a]) b.free(x);
      expect(b.bytesInUse()).toBeLessThan(before);
    });

    it.each(UNARY)('unary %s on 1031 elements (including 0 and negatives)', (op) => {
      const data = randn(1031, 3);
      data[0] = 0;
      const input = op === 'log' || op === 'sqrt' ? data.map((v) => Math.abs(v) + 1e-3) : data;
      const [[x], [xr]] = both([input]);
      same(op, b[op](x!), ref[op](xr!), tol(4));
    });

    it.each([1, 3, 4, 5, 7, 1031])('erf on %i elements over [-7, 7] with ±0, ±∞ and NaN (every branch, sizes off the SIMD width)', (n) => {
      const special = [-0, 0, Infinity, -Infinity, NaN, 5.999, -6, 1e-30];
      const data = Array.from({ length: n }, (_, i) => (i < special.length && n > 8 ? special[i]! : -7 + (14 * (i + 0.5)) / n));
      const [[x], [xr]] = both([data]);
      const y = b.erf(x!);
      same('erf', y, ref.erf(xr!), { rtol: 2 ** -23, atol: 0 });
      const got = b.read(y);
      if (n > 8) expect([Object.is(got[0], -0), got[2], got[3], Number.isNaN(got[4]!)]).toEqual([true, 1, -1, true]);
    });

    it('reluBackward: dy where x > 0', () => {
      const x = randn(517);
      x[3] = 0;
      const [[dy, xs], [dyr, xr]] = both([randn(517), x]);
      same('reluBackward', b.reluBackward(dy!, xs!), ref.reluBackward(dyr!, xr!));
    });

    it.each([[3, 5, 37], [2, 16, 576], [1, 4, 16], [4, 3, 1], [2, 7, 19]] as const)('reluBackwardBias: dy where y > 0 and its sum per channel, [N, C, S] = [%i, %i, %i]', (n, c, sz) => {
      const y = randn(n * c * sz).map((v) => Math.max(v, 0));
      y[1 % y.length] = 0;
      const [[dy, ys], [dyr, yr]] = both([randn(n * c * sz), y]);
      const got = b.reluBackwardBias(dy!, ys!, n, c, sz);
      const want = ref.reluBackwardBias(dyr!, yr!, n, c, sz);
      same('reluBackwardBias dx', got.dx, want.dx);
      same('reluBackwardBias dbias', got.dbias, want.dbias, tol(n * sz));
    });

    const broadcastCases: Array<[Shape, Shape]> = [
      [[67], [67]], [[3, 5], [3, 5]], [[4, 7], [7]], [[4, 7], [4, 1]], [[1], [2, 3]], [[], [5, 3]],
      [[2, 1, 5], [3, 1]], [[2, 3, 4, 5], [1, 3, 1, 1]], [[5, 3], []], [[9, 1, 17], [1, 8, 1]],
    ];
    for (const op of BINARY) {
      it.each(broadcastCases.map(([a, c]) => [fmt(a), fmt(c), a, c] as const))(`binary ${op} %s with %s`, (_a, _c, as, bs) => {
        const out = broadcastShapes(op, as, bs);
        let da = randn(sizeOf(as));
        let db = randn(sizeOf(bs));
        if (op === 'pow') da = da.map((v) => Math.abs(v) + 0.1);
        if (op === 'div') db = db.map((v) => (Math.abs(v) < 0.1 ? 0.5 : v));
        if (op === 'equal') db = db.map((v, i) => (i % 2 ? da[i % da.length]! : v));
        const [[x, y], [xr, yr]] = both([da, db]);
        same(op, b[op](x!, as, y!, bs, out), ref[op](xr!, as, yr!, bs, out), tol(8));
      });
    }

    it.each([[[6, 5], [5], [6, 1]], [[3, 4, 5], [4, 1], [5]], [[7], [7], [7]]] as Array<[Shape, Shape, Shape]>)('where cond=%j a=%j b=%j', (cs, as, bs) => {
      const out = broadcastShapes('where', broadcastShapes('where', cs, as), bs);
      const cond = randn(sizeOf(cs)).map((v) => (v > 0 ? 1 : 0));
      const [[c, x, y], [cr, xr, yr]] = both([cond, randn(sizeOf(as)), randn(sizeOf(bs))]);
      same('where', b.where(c!, cs, x!, as, y!, bs, out), ref.where(cr!, cs, xr!, as, yr!, bs, out));
    });

    const reduceCases: Array<[Shape, number[]]> = [
      [[17], [0]], [[5, 7], [0]], [[5, 7], [1]], [[5, 7], [0, 1]], [[2, 3, 4, 5], [0, 2, 3]], [[2, 3, 4, 5], [1]], [[3, 1, 4], [1]], [[4, 6, 5], [0, 2]],
    ];
    it.each(reduceCases)('sum and max of %j over %j', (shape, axes) => {
      const [[x], [xr]] = both([randn(sizeOf(shape))]);
      same('sum', b.sum(x!, shape, axes), ref.sum(xr!, shape, axes), tol(sizeOf(shape)));
      same('max', b.max(x!, shape, axes), ref.max(xr!, shape, axes));
    });

    it.each([[[3], [4, 3]], [[4, 1], [4, 6]], [[2, 1, 3], [2, 5, 3]], [[], [3, 2]], [[1, 1], [7, 9]]] as Array<[Shape, Shape]>)('broadcastTo %j -> %j', (s, o) => {
      const [[x], [xr]] = both([randn(sizeOf(s))]);
      same('broadcastTo', b.broadcastTo(x!, s, o), ref.broadcastTo(xr!, s, o));
    });

    it.each([[[3, 5], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[2, 3, 4, 5], [3, 2, 1, 0]], [[7], [0]]] as Array<[Shape, number[]]>)('permute %j by %j', (s, p) => {
      const [[x], [xr]] = both([randn(sizeOf(s))]);
      same('permute', b.permute(x!, s, p), ref.permute(xr!, s, p));
    });

    it('slice, pad and concat on [3, 4, 5]', () => {
      const s: Shape = [3, 4, 5];
      const [[x, y], [xr, yr]] = both([randn(60), randn(3 * 2 * 5)]);
      same('slice', b.slice(x!, s, [1, 0, 2], [2, 3, 3]), ref.slice(xr!, s, [1, 0, 2], [2, 3, 3]));
      same('pad', b.pad(x!, s, [0, 1, 2], [1, 0, 3], 0.5), ref.pad(xr!, s, [0, 1, 2], [1, 0, 3], 0.5));
      same('concat', b.concat([x!, y!], [s, [3, 2, 5]], 1), ref.concat([xr!, yr!], [s, [3, 2, 5]], 1));
      same('concat axis 0', b.concat([x!, x!], [s, s], 0), ref.concat([xr!, xr!], [s, s], 0));
    });

    const gemmSizes = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33];
    it('gemm: every m, n, k around the tiles, all transposes, bias and relu', () => {
      for (const m of gemmSizes) {
        for (const n of [1, 3, 4, 7, 8, 9, 15, 16, 17, 24, 25]) {
          for (const k of [1, 3, 5, 8, 17]) {
            for (const transA of [false, true]) {
              for (const transB of [false, true]) {
                const fused = (m + n + k) % 3 === 0;
                const [[a, c, bias], [ar, cr, biasr]] = both([randn(m * k), randn(k * n), randn(n)]);
                const p = { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, ...(fused ? { relu: k % 2 === 1 } : {}) };
                const got = b.gemm(a!, c!, { ...p, ...(fused ? { bias: bias! } : {}) });
                const want = ref.gemm(ar!, cr!, { ...p, ...(fused ? { bias: biasr! } : {}) });
                same(`gemm m=${m} n=${n} k=${k} tA=${transA} tB=${transB}${fused ? ' bias' : ''}`, got, want, tol(k));
                for (const s of [a, c, bias, got]) b.free(s!);
              }
            }
          }
        }
      }
    });

    it.each([[3, 5, 7, 6, false, false, 'both batched'], [4, 9, 3, 17, true, false, 'A broadcast'], [2, 1, 33, 5, false, true, 'B broadcast'], [5, 16, 144, 26, false, false, 'conv-like']] as const)(
      'batched gemm batch=%i m=%i n=%i k=%i tA=%s tB=%s (%s)',
      (batch, m, n, k, transA, transB, what) => {
        const strideA = what === 'A broadcast' ? 0 : m * k;
        const strideB = what === 'B broadcast' ? 0 : k * n;
        const [[a, c], [ar, cr]] = both([randn(strideA ? batch * m * k : m * k), randn(strideB ? batch * k * n : k * n)]);
        const p = { batch, m, n, k, transA, transB, strideA, strideB };
        same('batched gemm', b.gemm(a!, c!, p), ref.gemm(ar!, cr!, p), tol(k));
      },
    );

    const geom = (c: (typeof CONV_CASES)[number]): Conv2dGeometry => conv2dGeometry('conformance', c.x, c.w, { stride: c.s, padding: c.p, dilation: c.d, groups: c.g });
    it.each(CONV_CASES.map((c) => [`x=${fmt(c.x)} w=${fmt(c.w)} s=${c.s ?? 1} p=${c.p ?? 0} d=${c.d ?? 1} groups=${c.g ?? 1}`, c] as const))('im2col, col2im, conv2d and its backward: %s', (_label, c) => {
      const g = geom(c);
      const ckk = g.c * g.kh * g.kw;
      const [[x, w, bias, dy, cols], [xr, wr, biasr, dyr, colsr]] = both([
        randn(sizeOf(c.x)), randn(sizeOf(c.w)), randn(g.o), randn(g.n * g.o * g.oh * g.ow), randn(g.n * ckk * g.oh * g.ow),
      ]);
      same('im2col', b.im2col(x!, g), ref.im2col(xr!, g));
      same('col2im', b.col2im(cols!, g), ref.col2im(colsr!, g), tol(ckk));
      same('conv2d', b.conv2d(x!, w!, bias!, g), ref.conv2d(xr!, wr!, biasr!, g), tol(ckk));
      same('conv2d no bias', b.conv2d(x!, w!, null, g), ref.conv2d(xr!, wr!, null, g), tol(ckk));
      same('conv2dRelu', b.conv2dRelu(x!, w!, bias!, g), ref.conv2dRelu(xr!, wr!, biasr!, g), tol(ckk));
      same('conv2dRelu no bias', b.conv2dRelu(x!, w!, null, g), ref.conv2dRelu(xr!, wr!, null, g), tol(ckk));
      same('conv2dBackwardInput', b.conv2dBackwardInput(dy!, w!, g), ref.conv2dBackwardInput(dyr!, wr!, g), tol(ckk * g.o));
      same('conv2dBackwardWeight', b.conv2dBackwardWeight(dy!, x!, g), ref.conv2dBackwardWeight(dyr!, xr!, g), tol(g.n * g.oh * g.ow));
      const pair = b.conv2dBackward(dy!, x!, w!, g), pairRef = ref.conv2dBackward(dyr!, xr!, wr!, g);
      same('conv2dBackward dx', pair.dx, pairRef.dx, tol(ckk * g.o));
      same('conv2dBackward dw', pair.dw, pairRef.dw, tol(g.n * g.oh * g.ow));
      // the first layer's backward of conv2dRelu, on one y (the reference's, so both mask alike)
      const yd = ref.read(ref.conv2dRelu(xr!, wr!, biasr!, g));
      const [[y], [yr]] = both([yd]);
      for (const withBias of [true, false]) {
        const fused = b.conv2dReluBackwardWeight(dy!, y!, x!, g, withBias), fusedRef = ref.conv2dReluBackwardWeight(dyr!, yr!, xr!, g, withBias);
        same(`conv2dReluBackwardWeight dw${withBias ? '' : ' no bias'}`, fused.dw, fusedRef.dw, tol(g.n * g.oh * g.ow));
        if (withBias) same('conv2dReluBackwardWeight dbias', fused.dbias!, fusedRef.dbias!, tol(g.n * g.oh * g.ow));
        else expect(fused.dbias).toBeNull();
      }
    });

    const poolCases: Array<[Shape, { kernelSize: number | [number, number]; stride?: number | [number, number]; padding?: number | [number, number] }]> = [
      [[2, 3, 8, 8], { kernelSize: 2 }], [[1, 2, 7, 9], { kernelSize: 3, stride: 2, padding: 1 }], [[2, 16, 24, 24], { kernelSize: 2 }],
      [[1, 1, 5, 5], { kernelSize: [2, 3], stride: [1, 2] }], [[3, 2, 9, 9], { kernelSize: 3, stride: 3 }],
    ];
    it.each(poolCases)('max and avg pooling of %j with %j, forward and backward', (s, o) => {
      const g = poolGeometry('conformance', s, o);
      const [[x, dy], [xr, dyr]] = both([randn(sizeOf(s)), randn(g.n * g.c * g.oh * g.ow)]);
      const got = b.maxPool2d(x!, g);
      const want = ref.maxPool2d(xr!, g);
      same('maxPool2d', got.y, want.y);
      same('maxPool2dBackward', b.maxPool2dBackward(dy!, got.argmax, g), ref.maxPool2dBackward(dyr!, want.argmax, g), tol(4));
      same('avgPool2d', b.avgPool2d(x!, g), ref.avgPool2d(xr!, g), tol(9));
      same('avgPool2dBackward', b.avgPool2dBackward(dy!, g), ref.avgPool2dBackward(dyr!, g), tol(9));
    });

    // conv2dReluMaxPool (Note [fused conv pool]): the case study's conv2 (where the WASM backend
    // pools in the Winograd output transform), O off the SIMD width, an odd conv output (the pool
    // drops its last row and column), overlapping windows, C = 1 and a strided conv (composed).
    const convPoolCases: Array<[Shape, Shape, { stride?: number; padding?: number }, { kernelSize: number; stride?: number; padding?: number }]> = [
      [[2, 16, 26, 26], [16, 16, 3, 3], {}, { kernelSize: 2 }], [[2, 8, 10, 12], [5, 8, 3, 3], { padding: 1 }, { kernelSize: 2 }],
      [[3, 16, 11, 11], [16, 16, 3, 3], {}, { kernelSize: 2 }], [[2, 16, 9, 9], [6, 16, 3, 3], { padding: 1 }, { kernelSize: 3, stride: 2, padding: 1 }],
      [[2, 1, 28, 28], [16, 1, 3, 3], {}, { kernelSize: 2 }], [[1, 3, 7, 8], [4, 3, 3, 3], { stride: 2, padding: 1 }, { kernelSize: 2 }],
      [[1, 12, 6, 34], [9, 12, 3, 3], { padding: 1 }, { kernelSize: 2 }],
    ];
    it.each(convPoolCases)('conv2dReluMaxPool and maxPoolReluBackwardBias: x=%j w=%j conv %j pool %j', (xs, ws, co, po) => {
      const g = conv2dGeometry('conformance', xs, ws, co);
      const pg = poolGeometry('conformance', [g.n, g.o, g.oh, g.ow], po);
      const ckk = g.c * g.kh * g.kw;
      const [[x, w, bias, dy], [xr, wr, biasr, dyr]] = both([randn(sizeOf(xs)), randn(sizeOf(ws)), randn(g.o), randn(pg.n * pg.c * pg.oh * pg.ow)]);
      for (const withBias of [true, false]) {
        const got = b.conv2dReluMaxPool(x!, w!, withBias ? bias! : null, g, pg);
        const want = ref.conv2dReluMaxPool(xr!, wr!, withBias ? biasr! : null, g, pg);
        same(`conv2dReluMaxPool y${withBias ? '' : ' no bias'}`, got.y, want.y, tol(ckk));
        const yv = b.read(got.y);
        expect(yv.some((v) => v === 0) && yv.some((v) => v > 0)).toBe(true); // windows on both sides of the ReLU
        const gb = b.maxPoolReluBackwardBias(dy!, got.argmax, got.y, pg);
        const gr = ref.maxPoolReluBackwardBias(dyr!, want.argmax, want.y, pg);
        same('maxPoolReluBackwardBias dx', gb.dx, gr.dx, tol(pg.kh * pg.kw));
        same('maxPoolReluBackwardBias dbias', gb.dbias, gr.dbias, tol(pg.n * pg.oh * pg.ow * 4));
      }
    });

    it.each([[1, 1], [3, 10], [128, 10], [5, 17], [2, 3]])('logSoftmax, crossEntropy and their backward on [%i, %i]', (rows, cols) => {
      const logits = randn(rows * cols, 5);
      logits[0] = 80; // large logits stay finite
      const targets = Array.from({ length: rows }, (_, i) => (i * 7) % cols);
      const [[x, t, dy, dl], [xr, tr, dyr, dlr]] = both([logits, targets, randn(rows * cols), randn(rows)]);
      const y = b.logSoftmax(x!, rows, cols);
      const yr = ref.logSoftmax(xr!, rows, cols);
      same('logSoftmax', y, yr, tol(cols * 8));
      same('logSoftmaxBackward', b.logSoftmaxBackward(dy!, y, rows, cols), ref.logSoftmaxBackward(dyr!, yr, rows, cols), tol(cols * 8));
      for (const ls of [0, 0.1]) {
        const ce = b.crossEntropy(x!, t!, rows, cols, ls);
        const cer = ref.crossEntropy(xr!, tr!, rows, cols, ls);
        same(`crossEntropy ls=${ls}`, ce.loss, cer.loss, tol(cols * 8));
        same(`crossEntropyBackward ls=${ls}`, b.crossEntropyBackward(dl!, ce.logp, t!, rows, cols, ls), ref.crossEntropyBackward(dlr!, cer.logp, tr!, rows, cols, ls), tol(cols * 8));
      }
    });

    // batchNorm, and the fused batchNormRelu against the reference's composition; [3, 4, 20, 20]
    // runs the kernels' long vector loops, and an offset of 100 (x and the running mean) the sums'
    // cancellation.
    const bnCases: Array<[string, Shape, boolean, number]> = [
      ...([[[8, 3], true], [[4, 5, 3, 3], true], [[2, 16, 6, 6], true], [[4, 5, 3, 3], false], [[3, 2, 7], true]] as Array<[Shape, boolean]>).map(([sh, tr]) => ['batchNorm', sh, tr, 1] as [string, Shape, boolean, number]),
      ...([[[4, 5, 3, 3], true, 1], [[2, 16, 6, 6], true, 1], [[4, 5, 3, 3], false, 1], [[3, 2, 7], true, 1], [[3, 4, 20, 20], true, 1], [[3, 4, 20, 20], true, 100]] as Array<[Shape, boolean, number]>).map(([sh, tr, off]) => ['batchNormRelu', sh, tr, off] as [string, Shape, boolean, number]),
    ];
    it.each(bnCases)('%s %j training=%s offset %d, forward, running statistics and backward', (op, s, training, offset) => {
      const relu = op === 'batchNormRelu';
      const c = s[1]!;
      const n = s[0]!;
      const spatial = sizeOf(s.slice(2));
      const p = { n, c, spatial, eps: 1e-5, momentum: 0.1, training };
      const rv = randn(c).map((v) => Math.abs(v) + 0.5);
      for (const affine of [true, false]) {
        const [[x, rmS, rvS, w, bb, dy], [xr, rmR, rvR, wr, bbr, dyr]] = both([randn(sizeOf(s), 2).map((v) => v + offset), randn(c).map((v) => v + offset - 1), rv, randn(c), randn(c), randn(sizeOf(s))]);
        const forward = (be: Backend, ...a: Parameters<Backend['batchNorm']>) => (relu ? be.batchNormRelu(...a) : be.batchNorm(...a));
        const got = forward(b, x!, rmS!, rvS!, affine ? w! : null, affine ? bb! : null, p);
        const want = forward(ref, xr!, rmR!, rvR!, affine ? wr! : null, affine ? bbr! : null, p);
        same(`${op} y`, got.y, want.y, tol(n * spatial * 4));
        if (relu) expect(b.read(got.y).every((v) => v >= 0)).toBe(true);
        same('runningMean', rmS!, rmR!, tol(n * spatial));
        same('runningVar', rvS!, rvR!, tol(n * spatial * 4));
        const gb = relu ? b.batchNormReluBackward(dy!, got.y, x!, got.saved, affine ? w! : null, p) : b.batchNormBackward(dy!, x!, got.saved, affine ? w! : null, p);
        const gr = relu ? ref.batchNormReluBackward(dyr!, want.y, xr!, want.saved, affine ? wr! : null, p) : ref.batchNormBackward(dyr!, xr!, want.saved, affine ? wr! : null, p);
        same(`${op} dx`, gb.dx, gr.dx, tol(n * spatial * 16));
        same(`${op} dweight`, gb.dweight, gr.dweight, tol(n * spatial * 4));
        same(`${op} dbias`, gb.dbias, gr.dbias, tol(n * spatial));
      }
    });

    it.each([[1000, 0.5, 7], [37, 0.1, 123456789], [4096, 0.9, 0]])('dropoutMask size=%i p=%f seed=%i matches exactly', (size, p, seed) => {
      expectClose(b.read(b.dropoutMask(size, p, seed)), ref.read(ref.dropoutMask(size, p, seed)), { rtol: 1e-7, atol: 0 });
    });

    it.each([
      { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
      { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-2 },
      { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 },
      { lr: 0.01, momentum: 0.5, dampening: 0.3, nesterov: false, weightDecay: 0 },
    ])('sgdStep %j over 3 steps', (o) => {
      const [[p, buf], [pr, bufr]] = both([randn(333), new Array(333).fill(0)]);
      for (let step = 0; step < 3; step++) {
        const gd = randn(333);
        const [[g], [gr]] = both([gd]);
        b.sgdStep(p!, g!, o.momentum ? buf! : null, { ...o, firstStep: step === 0 });
        ref.sgdStep(pr!, gr!, o.momentum ? bufr! : null, { ...o, firstStep: step === 0 });
      }
      same('sgd param', p!, pr!, tol(16));
      if (o.momentum) same('sgd momentum', buf!, bufr!, tol(16));
    });

    it.each([
      { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
      { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
      { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true },
    ])('adamStep %j over 3 steps', (o) => {
      const zeros = new Array(257).fill(0);
      const [[p, m, v], [pr, mr, vr]] = both([randn(257), zeros, zeros]);
      for (let step = 1; step <= 3; step++) {
        const [[g], [gr]] = both([randn(257)]);
        b.adamStep(p!, g!, m!, v!, { ...o, step });
        ref.adamStep(pr!, gr!, mr!, vr!, { ...o, step });
      }
      same('adam param', p!, pr!, tol(64));
      same('adam m', m!, mr!, tol(16));
      same('adam v', v!, vr!, tol(16));
    });

    afterAll(() => {
      // Every kernel of the interface (the reference backend's methods) was exercised above.
      const all = Object.keys(ref).filter((k) => typeof (ref as unknown as Record<string, unknown>)[k] === 'function');
      const missed = all.filter((k) => !called.has(k));
      if (missed.length) throw new Error(`describeBackend(${name}): the suite did not exercise ${missed.join(', ')}`);
    });
  });
}
