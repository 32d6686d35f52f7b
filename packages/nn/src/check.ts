import { Tensor } from '@tapegrad/autograd';

// Argument checks shared by the public functions of nn. Every message names the function, the
// argument and the value it got: `Conv2d: groups must be a positive integer, got number 0`.

/** A short description of any value for error messages: `Tensor([2,3])`, `number 3`, `undefined`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (v instanceof Tensor) return `Tensor([${v.shape.join(',')}])`;
  if (Array.isArray(v)) return `array [${v.map((x) => (typeof x === 'number' ? String(x) : typeof x)).join(', ')}]`;
  if (typeof v === 'object') return (v as object).constructor?.name ? `a ${(v as object).constructor.name}` : 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

export function fail(fn: string, arg: string, expected: string, v: unknown): never {
  throw new RangeError(`${fn}: ${arg} must be ${expected}, got ${describeValue(v)}`);
}

export function checkInt(fn: string, arg: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(fn, arg, min === 1 ? 'a positive integer' : min === -Infinity ? 'an integer' : `an integer ≥ ${min}`, v);
  return v as number;
}

export function checkNumber(fn: string, arg: string, v: unknown, ok: (x: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !ok(v)) fail(fn, arg, expected, v);
  return v as number;
}

export function checkBool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(fn, arg, 'a boolean', v);
  return v as boolean;
}

export function checkTensor(fn: string, arg: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) fail(fn, arg, 'a Tensor', v);
  return v as Tensor;
}

/** Rejects option keys that are not in `known` (an unsupported option is an error, never ignored). */
export function checkOptions(fn: string, opts: object | undefined, known: readonly string[]): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null) fail(fn, 'options', 'an object', opts);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new RangeError(`${fn}: unknown option '${k}' (supported: ${known.join(', ')})`);
  }
}

export function checkString(fn: string, arg: string, v: unknown): string {
  if (typeof v !== 'string') fail(fn, arg, 'a string', v);
  return v as string;
}

export function checkFunction<F>(fn: string, arg: string, v: F): F {
  if (typeof v !== 'function') fail(fn, arg, 'a function', v);
  return v;
}

/** A plain options object (not null, not an array). */
export function checkObject(fn: string, arg: string, v: unknown, expected = 'an object'): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(fn, arg, expected, v);
  return v as Record<string, unknown>;
}

/** An array or typed array of numbers (not a string); the elements are not scanned. */
export function checkArrayLike(fn: string, arg: string, v: unknown, expected = 'an array of numbers'): ArrayLike<number> {
  if (typeof v !== 'object' || v === null || typeof (v as ArrayLike<number>).length !== 'number') fail(fn, arg, expected, v);
  return v as ArrayLike<number>;
}

export function checkBytes(fn: string, arg: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(fn, arg, 'a Uint8Array', v);
  return v as Uint8Array;
}

/** A shape: an array of integers ≥ `min` (0 by default). */
export function checkShape(fn: string, arg: string, v: unknown, min = 0): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d >= min)) fail(fn, arg, `an array of integers ≥ ${min}`, v);
  return v as number[];
}

export function checkOneOf<T extends string>(fn: string, arg: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail(fn, arg, allowed.map((a) => `'${a}'`).join(' or '), v);
  return v as T;
}

/** An integer or a pair of them, each ≥ min: a kernel size, stride, padding or dilation. */
export function checkPair(fn: string, arg: string, v: unknown, min: number): [number, number] {
  const r = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
  if (!r || !r.every((x) => Number.isInteger(x) && x >= min)) fail(fn, arg, `an integer ≥ ${min} or a pair [h, w] of them`, v);
  return r as [number, number];
}

/** The input of a layer's forward must be a Tensor: `ReLU.forward: x must be a Tensor, got number 3`. */
export function checkInput(layer: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail(`${layer}.forward`, 'x', 'a Tensor', x);
  return x as Tensor;
}

/**
 * The input of a layer's forward must be a Tensor whose shape passes `ok`:
 * `Conv2d.forward: expected input [N, 3, H, W] (inChannels 3), got [2,2,8,8]`.
 */
export function checkInputShape(layer: string, x: unknown, ok: (shape: readonly number[]) => boolean, expected: string | (() => string)): Tensor {
  const t = checkInput(layer, x);
  // `expected` may be a thunk, so a forward that passes builds no string.
  if (!ok(t.shape)) throw new RangeError(`${layer}.forward: expected input ${typeof expected === 'string' ? expected : expected()}, got [${t.shape.join(',')}]`);
  return t;
}

/**
 * Rejects arguments past the `max` a constructor takes (JavaScript would drop them silently),
 * with `why` when PyTorch has a parameter there that is not supported:
 * `ReLU: takes no arguments, got 1 (PyTorch's inplace is not supported: every op returns a new tensor)`.
 */
export function checkArgCount(fn: string, count: number, max: number, names: string, why?: string): void {
  if (count <= max) return;
  const takes = max === 0 ? 'no arguments' : `at most ${max} argument${max > 1 ? 's' : ''} (${names})`;
  throw new RangeError(`${fn}: takes ${takes}, got ${count}${why ? ` (${why})` : ''}`);
}

/** Why a layer refuses PyTorch's `inplace` argument. */
export const NO_INPLACE = "PyTorch's inplace is not supported: every op returns a new tensor";
