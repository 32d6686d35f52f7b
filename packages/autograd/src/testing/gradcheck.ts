import { createRefBackend } from '../backend-ref/index.js';
import type { Backend } from '../backend.js';
import { tidy, withBackend } from '../engine.js';
import { tensor } from '../creation.js';
import { Generator } from '../random.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkFunction, checkInt, checkNumber, checkOptions, fail, isShape } from '../check.js';

/** An input of the function under test: a shape (random normal data) or explicit data. */
export type GradInput = readonly number[] | { shape: readonly number[]; data?: ArrayLike<number>; requiresGrad?: boolean };

export interface GradcheckOptions {
  /** Finite-difference step (central differences in float64). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Also compare the full Jacobian; 'auto' does so when inputs and output have ≤ 64 elements. */
  jacobian?: boolean | 'auto';
  /** Random directions for the vjp check. */
  directions?: number;
  seed?: number;
}

let f64: Backend | null = null;
/** The float64 reference backend the checks run on. */
export function float64Backend(): Backend {
  return (f64 ??= createRefBackend({ dtype: 'float64' }));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Checks the vjp of `fn` against central finite differences, in float64 on the reference
 * backend: for random cotangents u and directions v, ⟨u, J·v⟩ (numeric) must equal ⟨Jᵀu, v⟩
 * (the tape), as JAX's `check_vjp`; on tiny shapes the whole Jacobian is compared as PyTorch's
 * `gradcheck`. Throws with the op's name and the worst mismatch.
 * @example gradcheck('relu', (x) => relu(x), [[2, 3]]);
 */
export function gradcheck(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: readonly GradInput[], opts: GradcheckOptions = {}): void {
  if (typeof name !== 'string') fail('gradcheck', 'name', 'a string', name);
  checkFunction('gradcheck', 'fn', fn);
  if (!Array.isArray(inputs as unknown)) fail('gradcheck', 'inputs', 'an array of shapes or {shape, data, requiresGrad}', inputs);
  inputs.forEach((inp, i) => {
    const shape = Array.isArray(inp) ? inp : (inp as { shape?: unknown } | null)?.shape;
    if (!isShape(shape)) fail('gradcheck', `inputs[${i}]`, 'a shape or {shape, data, requiresGrad}', inp);
    if (!Array.isArray(inp)) checkOptions('gradcheck', inp, ['shape', 'data', 'requiresGrad'], `inputs[${i}]`);
  });
  checkOptions('gradcheck', opts, ['eps', 'atol', 'rtol', 'jacobian', 'directions', 'seed']);
  for (const k of ['eps', 'atol', 'rtol'] as const) if (opts[k] !== undefined) checkNumber('gradcheck', k, opts[k], (v) => v >= 0 && Number.isFinite(v), 'a non-negative finite number');
  if (opts.directions !== undefined) checkInt('gradcheck', 'directions', opts.directions, 0);
  if (opts.seed !== undefined) checkNumber('gradcheck', 'seed', opts.seed);
  if (opts.jacobian !== undefined && typeof opts.jacobian !== 'boolean' && opts.jacobian !== 'auto') fail('gradcheck', 'jacobian', "true, false or 'auto'", opts.jacobian);
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  const gen = new Generator(opts.seed ?? 1234);
  const specs = inputs.map((inp) => {
    const shape = Array.isArray(inp) ? (inp as number[]) : (inp as { shape: number[] }).shape;
    const given = Array.isArray(inp) ? undefined : (inp as { data?: ArrayLike<number> }).data;
    const data = given ? Float64Array.from(given) : Float64Array.from({ length: sizeOf(shape) }, () => gen.normal());
    const requiresGrad = Array.isArray(inp) ? true : ((inp as { requiresGrad?: boolean }).requiresGrad ?? true);
    return { shape, data, requiresGrad };
  });
  withBackend(float64Backend(), () => {
    const evalAt = (datas: Float64Array[]): Float64Array =>
      tidy(() => {
        const xs = specs.map((s, i) => tensor(datas[i]!, s.shape));
        return Float64Array.from(fn(...xs).toArray());
      });
    const base = specs.map((s) => s.data);
    const y0 = evalAt(base);
    const vjpAt = (u: Float64Array): Array<Float64Array | null> =>
      tidy(() => {
        const xs = specs.map((s) => tensor(s.data, s.shape, { requiresGrad: s.requiresGrad }));
        const y = fn(...xs);
        if (y.size !== u.length) throw new Error(`gradcheck ${name}: output size changed`);
        y.backward(tensor(u, y.shape));
        return xs.map((x) => (x.requiresGrad ? (x.grad ? Float64Array.from(x.grad.toArray()) : new Float64Array(x.size)) : null));
      });
    const numericJv = (v: Float64Array[]): Float64Array => {
      const plus = evalAt(base.map((d, i) => d.map((x, j) => x + eps * v[i]![j]!)));
      const minus = evalAt(base.map((d, i) => d.map((x, j) => x - eps * v[i]![j]!)));
      return plus.map((p, k) => (p - minus[k]!) / (2 * eps));
    };
    const fail = (what: string, analytic: number, numeric: number) => {
      const err = Math.abs(analytic - numeric);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck ${name}: ${what}: tape gives ${analytic}, finite differences give ${numeric} (error ${err}; inputs ${specs.map((s) => fmt(s.shape)).join(', ')})`);
      }
    };
    const directions = opts.directions ?? 3;
    for (let t = 0; t < directions; t++) {
      const u = Float64Array.from({ length: y0.length }, () => gen.normal());
      const v = specs.map((s) => (s.requiresGrad ? Float64Array.from({ length: s.data.length }, () => gen.normal()) : new Float64Array(s.data.length)));
      const g = vjpAt(u);
      const analytic = g.reduce((acc, gi, i) => acc + (gi ? dot(gi, v[i]!) : 0), 0);
      fail(`random direction ${t}: <Jᵀu, v>`, analytic, dot(u, numericJv(v)));
    }
    const total = specs.reduce((a, s) => a + s.data.length, 0);
    const full = opts.jacobian === 'auto' || opts.jacobian === undefined ? total <= 64 && y0.length <= 64 : opts.jacobian;
    if (!full) return;
    // Rows of the Jacobian from the tape, one backward per output element.
    const rows = Array.from({ length: y0.length }, (_, k) => {
      const u = new Float64Array(y0.length);
      u[k] = 1;
      return vjpAt(u);
    });
    specs.forEach((s, i) => {
      if (!s.requiresGrad) return;
      for (let j = 0; j < s.data.length; j++) {
        const v = specs.map((sp) => new Float64Array(sp.data.length));
        v[i]![j] = 1;
        const col = numericJv(v);
        for (let k = 0; k < y0.length; k++) fail(`Jacobian d out[${k}] / d input${i}[${j}]`, rows[k]![i]![j]!, col[k]!);
      }
    });
  });
}
