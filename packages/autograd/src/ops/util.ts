import type { Backend, Shape, Storage } from '../backend.js';
import { getBackend } from '../engine.js';
import { fmt, shapesEqual } from '../shape.js';
import { record, type Vjp } from '../tape.js';
import { Tensor } from '../tensor.js';
import { checkShape, describeArg } from '../check.js';

export { describeArg } from '../check.js';

/** A tensor or a plain number (a scalar of shape []). */
export type TensorLike = Tensor | number;

/** Wraps storage the active backend just produced. */
export function wrap(storage: Storage, shape: Shape): Tensor {
  return Tensor.fromStorage(storage, shape);
}

/**
 * Runs fn with numbers turned into scalar tensors (disposed afterwards; a tape node that saved
 * one keeps its own share).
 */
export function withTensors<T>(xs: readonly TensorLike[], fn: (ts: Tensor[]) => T): T {
  const made: Tensor[] = [];
  const ts = xs.map((x) => {
    if (typeof x !== 'number' && !(x instanceof Tensor)) return x as Tensor; // checkBackend names it
    if (typeof x === 'number') {
      const t = wrap(getBackend().fill(1, x), []);
      made.push(t);
      return t;
    }
    return x;
  });
  try {
    return fn(ts);
  } finally {
    for (const t of made) t.dispose();
  }
}

/** Checks that x lives on the active backend, naming the op otherwise. */
export function checkBackend(op: string, ...xs: Tensor[]): void {
  const b = getBackend();
  for (const [i, x] of xs.entries()) {
    // A wrong argument (undefined, an array, a number where a tensor is needed) is named here
    // rather than failing inside as "Cannot read properties of undefined".
    if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${xs.length > 1 ? `argument ${i + 1}` : 'input'} must be a Tensor, got ${describeArg(x)}`);
    if (x.isDisposed) throw new Error(`${op}: input ${fmt(x.shape)} was used after dispose()`);
    if (x.backend !== b) throw new Error(`${op}: tensor ${fmt(x.shape)} lives on backend ${x.backend.name} but the active backend is ${b.name}`);
  }
}

/**
 * Checks that x is a live Tensor, naming the op otherwise, without requiring the active backend
 * (views such as reshape work on any backend's tensor).
 */
export function checkTensor(op: string, x: unknown, arg = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describeArg(x)}`);
  if (x.isDisposed) throw new Error(`${op}: ${arg} ${fmt(x.shape)} was used after dispose()`);
}

/** Checks an optional tensor argument (absent when null or undefined), naming it. */
export function checkOptionalTensor(op: string, arg: string, t: unknown): void {
  if (t === undefined || t === null) return;
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor or null, got ${describeArg(t)}`);
  checkBackend(op, t);
}

/** Forward of a unary primitive, recorded with its vjp (saved: [x, out]). */
export function unaryOp(op: string, x: Tensor, kernel: (b: Backend, s: Storage) => Storage, vjp: Vjp): Tensor {
  checkBackend(op, x);
  const out = wrap(kernel(getBackend(), x.storage), x.shape);
  return record(op, out, [x], vjp, [x, out]);
}

/**
 * Sums a broadcast gradient back to `shape` (PyTorch's `sum_to`): sums the leading axes that
 * broadcasting added and the axes where shape has 1. Returns a new tensor (a share of g when
 * nothing needs summing).
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  checkTensor('unbroadcast', g, 'g');
  checkShape('unbroadcast', 'shape', shape);
  const lead0 = g.shape.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    if (lead0 < 0 || (shape[i] !== 1 && shape[i] !== g.shape[lead0 + i])) throw new Error(`unbroadcast: gradient ${fmt(g.shape)} cannot be summed to shape ${fmt(shape)} (it is not a broadcast of it)`);
  }
  if (shapesEqual(g.shape, shape)) return g.share();
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const b = getBackend();
  const summed = axes.length ? b.sum(g.storage, g.shape, axes) : null;
  if (summed) return wrap(summed, shape);
  return g.share(shape);
}

/** Normalises `number | [h, w]` arguments of conv and pooling. */
export function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  const r: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!r.every((x) => Number.isInteger(x))) throw new Error(`${op}: ${name} must be an integer or a pair of integers, got ${Array.isArray(v) || typeof v === 'number' ? JSON.stringify(v) : describeArg(v)}`);
  return r;
}
