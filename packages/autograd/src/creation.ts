import type { Shape } from './backend.js';
import { getBackend } from './engine.js';
import { defaultGenerator, type Generator } from './random.js';
import { fmt, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
}

function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape)} (dimensions must be non-negative integers)`);
  }
}

/**
 * A tensor from row-major data.
 * @example const x = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
 */
export function tensor(data: ArrayLike<number>, shape?: Shape, opts: CreateOptions = {}): Tensor {
  const s = shape ?? [data.length];
  checkShape('tensor', s);
  if (sizeOf(s) !== data.length) {
    throw new Error(`tensor: ${data.length} values do not fill shape ${fmt(s)} (${sizeOf(s)} elements)`);
  }
  const t = Tensor.fromStorage(getBackend().fromArray(data), s);
  t.requiresGrad = opts.requiresGrad ?? false;
  return t;
}

/** A one-element tensor of shape [] (a scalar). */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return full([], value, opts);
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const t = Tensor.fromStorage(getBackend().fill(sizeOf(shape), value), shape);
  t.requiresGrad = opts.requiresGrad ?? false;
  return t;
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** Standard normal samples from the seedable generator (`manualSeed`). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkShape('randn', shape);
  const g = opts.generator ?? defaultGenerator;
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return tensor(data, shape, opts);
}

/** Uniform samples in [low, high) (default [0, 1)) from the seedable generator. */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  const g = opts.generator ?? defaultGenerator;
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  const data = new Float64Array(sizeOf(shape));
  const f32 = getBackend().dtype === 'float32';
  for (let i = 0; i < data.length; i++) {
    const v = low + (high - low) * g.nextFloat();
    // NOTE: a draw within half a float32 ulp of `high` would round up to `high` when stored; keep
    // the interval half-open, as torch.rand does. The stream of draws is unchanged.
    data[i] = f32 && Math.fround(v) >= high ? float32Below(high) : v;
  }
  return tensor(data, shape, opts);
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
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new Error('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return tensor(data, [n]);
}
