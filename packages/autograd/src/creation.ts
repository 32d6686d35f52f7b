import type { Shape } from './backend.js';
import { getBackend } from './engine.js';
import { checkBool, checkNumber, checkOptions, checkShape, describeArg, fail } from './check.js';
import { defaultGenerator, Generator } from './random.js';
import { fmt, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
}

/** Checks `{requiresGrad}` (and the random options' keys), naming the function. */
function checkCreateOptions(fn: string, opts: unknown, known: readonly string[] = ['requiresGrad']): boolean {
  checkOptions(fn, opts, known);
  const rg = (opts as CreateOptions | undefined)?.requiresGrad;
  if (rg !== undefined) checkBool(fn, 'requiresGrad', rg);
  return rg ?? false;
}

/**
 * A tensor from row-major data (a flat array of numbers or a typed array).
 * @example const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
 */
export function tensor(data: ArrayLike<number>, shape?: Shape, opts: CreateOptions = {}): Tensor {
  if (Array.isArray(data)) {
    // NOTE: a scan of a plain array, which fromArray copies element by element anyway; a typed
    // array needs none. A nested array (PyTorch's torch.tensor([[1, 2], [3, 4]])) is named here.
    for (let i = 0; i < data.length; i++) {
      if (typeof data[i] !== 'number') fail('tensor', 'data', `a flat array of numbers or a typed array (with the shape as the second argument), but element ${i} is ${describeArg(data[i])}`, data);
    }
  } else if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    fail('tensor', 'data', 'a flat array of numbers or a typed array', data);
  }
  if (shape !== undefined) checkShape('tensor', 'shape', shape);
  const requiresGrad = checkCreateOptions('tensor', opts);
  const s = shape ?? [data.length];
  if (sizeOf(s) !== data.length) {
    throw new Error(`tensor: ${data.length} values do not fill shape ${fmt(s)} (${sizeOf(s)} elements)`);
  }
  const t = Tensor.fromStorage(getBackend().fromArray(data), s);
  t.requiresGrad = requiresGrad;
  return t;
}

/** `full` under the name of the function the user called. */
function filled(fn: string, shape: Shape, value: number, opts: CreateOptions): Tensor {
  checkShape(fn, 'shape', shape);
  if (typeof value !== 'number') fail(fn, 'value', 'a number', value);
  const requiresGrad = checkCreateOptions(fn, opts);
  const t = Tensor.fromStorage(getBackend().fill(sizeOf(shape), value), shape);
  t.requiresGrad = requiresGrad;
  return t;
}

/** A one-element tensor of shape [] (a scalar). */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return filled('scalar', [], value, opts);
}

/** A tensor of `shape` filled with `value`. @example full([2, 3], 0.5) */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function generatorOf(fn: string, opts: RandomOptions): Generator {
  const g = opts.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) fail(fn, 'generator', 'a Generator', g);
  return g;
}

/** Standard normal samples from the seedable generator (`manualSeed`). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkShape('randn', 'shape', shape);
  const requiresGrad = checkCreateOptions('randn', opts, ['requiresGrad', 'generator']);
  const g = generatorOf('randn', opts);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return tensor(data, shape, { requiresGrad });
}

/** Uniform samples in [low, high) (default [0, 1)) from the seedable generator. */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', 'shape', shape);
  const requiresGrad = checkCreateOptions('rand', opts, ['requiresGrad', 'generator', 'low', 'high']);
  const g = generatorOf('rand', opts);
  const low = checkNumber('rand', 'low', opts.low ?? 0);
  const high = checkNumber('rand', 'high', opts.high ?? 1);
  if (!(low < high)) throw new Error(`rand: low must be below high, got low=${low}, high=${high}`);
  const data = new Float64Array(sizeOf(shape));
  const f32 = getBackend().dtype === 'float32';
  for (let i = 0; i < data.length; i++) {
    const v = low + (high - low) * g.nextFloat();
    // NOTE: a draw within half a float32 ulp of `high` would round up to `high` when stored; keep
    // the interval half-open, as torch.rand does. The stream of draws is unchanged.
    data[i] = f32 && Math.fround(v) >= high ? float32Below(high) : v;
  }
  return tensor(data, shape, { requiresGrad });
}

/** The largest float32 strictly below x. */
function float32Below(x: number): number {
  const f = Math.fround(x);
  if (f < x) return f;
  if (f === 0) return -(2 ** -149);
  const bits = new Int32Array(new Float32Array([f]).buffer);
  bits[0]! += f > 0 ? -1 : 1;
  return new Float32Array(bits.buffer)[0]!;
}

/** Values start, start + step, … below end (like `torch.arange`). */
export function arange(start: number, end?: number, step = 1): Tensor {
  checkNumber('arange', 'start', start);
  if (end !== undefined) checkNumber('arange', 'end', end);
  checkNumber('arange', 'step', step, (x) => Number.isFinite(x) && x !== 0, 'a non-zero finite number');
  if (end === undefined) {
    end = start;
    start = 0;
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return tensor(data, [n]);
}
