import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend, type WasmStorage } from '../src/index.js';
import { randomArray } from './helpers.js';

// The f32x4 optimizer kernels (assembly/optim.ts) against PyTorch's single-tensor formulas
// evaluated in float32 here: Math.fround after every operation. Each +, −, ·, / and √ of two
// float32 values is exact when done in f64 and rounded once (f64 carries more than 2·24 + 2
// bits), so the emulation is bit-exact and the comparison is equality, not a tolerance.
// The conformance suite covers the comparison with the float64 reference backend.

const f = Math.fround;
const COUNTS = [1, 3, 4, 5, 7, 8, 9, 33, 257];

interface Sgd { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number }
interface Adam { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

function sgdF32(p: Float32Array, g: Float32Array, buf: Float32Array, o: Sgd, firstStep: boolean): void {
  const [negLr, mu, damp, wd] = [f(-o.lr), f(o.momentum), f(1 - o.dampening), f(o.weightDecay)];
  for (let i = 0; i < p.length; i++) {
    let d = g[i]!;
    if (o.weightDecay !== 0) d = f(d + f(wd * p[i]!));
    if (o.momentum !== 0) {
      buf[i] = firstStep ? d : f(f(buf[i]! * mu) + f(damp * d));
      d = o.nesterov ? f(d + f(mu * buf[i]!)) : buf[i]!;
    }
    p[i] = f(p[i]! + f(negLr * d));
  }
}

function adamF32(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, o: Adam, step: number): void {
  const decay = f(1 - o.lr * o.weightDecay);
  const [wd, w1, b2, w2, eps] = [f(o.weightDecay), f(1 - o.beta1), f(o.beta2), f(1 - o.beta2), f(o.eps)];
  const negStepSize = f(-o.lr / (1 - o.beta1 ** step));
  const bias2Sqrt = f(Math.sqrt(1 - o.beta2 ** step));
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.weightDecay !== 0 && o.decoupled) p[i] = f(p[i]! * decay);
    if (o.weightDecay !== 0 && !o.decoupled) gi = f(gi + f(wd * p[i]!));
    m[i] = f(m[i]! + f(w1 * f(gi - m[i]!)));
    v[i] = f(f(v[i]! * b2) + f(f(w2 * gi) * gi));
    const denom = f(f(f(Math.sqrt(v[i]!)) / bias2Sqrt) + eps);
    p[i] = f(p[i]! + f(f(negStepSize * m[i]!) / denom));
  }
}

/** Storage of count + 4 elements whose last 4 are a sentinel the kernel must not touch. */
function guarded(b: WasmBackend, data: Float32Array): WasmStorage {
  return b.fromArray([...data, 7, 7, 7, 7]) as WasmStorage;
}

function expectSame(b: WasmBackend, s: WasmStorage, want: Float32Array, what: string): void {
  const got = b.read(s);
  expect(Array.from(got.subarray(want.length)), `${what}: wrote past count`).toEqual([7, 7, 7, 7]);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}[${i}] of ${want.length}: got ${got[i]}, expected ${want[i]}`);
  }
}

describe('optimizer kernels: float32, PyTorch order, bulk and tail', () => {
  let b: WasmBackend;
  beforeAll(async () => { b = await createWasmBackend(); });

  const sgdCases: Sgd[] = [
    { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-2 },
    { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 },
    { lr: 0.01, momentum: 0.5, dampening: 0.3, nesterov: false, weightDecay: 5e-4 },
  ];
  for (const o of sgdCases) {
    it.each(COUNTS)(`sgdStep count=%i ${JSON.stringify(o)} over 3 steps is bit-exact`, (count) => {
      const p = randomArray(count, 1), buf = new Float32Array(count);
      const [sp, sbuf] = [guarded(b, p), guarded(b, buf)];
      for (let step = 0; step < 3; step++) {
        const g = randomArray(count, 10 + step);
        const sg = guarded(b, g);
        b.kernels.sgdStep(sp.ptr, sg.ptr, o.momentum ? sbuf.ptr : 0, count, o.lr, o.momentum, o.dampening,
          o.nesterov ? 1 : 0, o.weightDecay, step === 0 ? 1 : 0);
        sgdF32(p, g, buf, o, step === 0);
        b.free(sg);
      }
      expectSame(b, sp, p, 'param');
      expectSame(b, sbuf, buf, 'momentum buffer');
      for (const s of [sp, sbuf]) b.free(s);
    });
  }

  const adamCases: Adam[] = [
    { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
    { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decoupled: false },
    { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true },
  ];
  for (const o of adamCases) {
    it.each(COUNTS)(`adamStep count=%i ${JSON.stringify(o)} over 3 steps is bit-exact`, (count) => {
      const p = randomArray(count, 2), m = new Float32Array(count), v = new Float32Array(count);
      const [sp, sm, sv] = [guarded(b, p), guarded(b, m), guarded(b, v)];
      for (let step = 1; step <= 3; step++) {
        const g = randomArray(count, 20 + step);
        const sg = guarded(b, g);
        b.kernels.adamStep(sp.ptr, sg.ptr, sm.ptr, sv.ptr, count, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay,
          o.decoupled ? 1 : 0, step);
        adamF32(p, g, m, v, o, step);
        b.free(sg);
      }
      expectSame(b, sp, p, 'param');
      expectSame(b, sm, m, 'm');
      expectSame(b, sv, v, 'v');
      for (const s of [sp, sm, sv]) b.free(s);
    });
  }
});
