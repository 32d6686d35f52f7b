/**
 * Note [argument checks]: every public function of the package rejects a bad argument with an
 * error naming the function, the argument and the value (`reshape: shape must be an array of
 * integers ≥ -1, got array [2, -3]`), never with a TypeError from inside ("Cannot read properties
 * of undefined") or a silently wrong result. A wrong type is a TypeError, a wrong value or an
 * unsupported option an Error. The checks look at types, shapes and option objects only, never at
 * every element of a tensor, so that ops in a training loop pay a few comparisons for them.
 * `test/api-sweep.test.ts` calls every export with bad arguments.
 *
 * This module imports nothing at run time, so that every other module (the tensor, the engine,
 * shapes, the ops) can use it without an import cycle. It recognises a Tensor by `TENSOR_BRAND`,
 * which tensor.ts puts on `Tensor.prototype`, instead of `instanceof Tensor`.
 */

/** Set on `Tensor.prototype` (tensor.ts): `isTensor` without importing tensor.ts. */
export const TENSOR_BRAND: unique symbol = Symbol.for('@tapegrad/autograd.Tensor') as never;

interface Branded {
  readonly [TENSOR_BRAND]: true;
  readonly shape: readonly number[];
}

export function isTensor(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Partial<Branded>)[TENSOR_BRAND] === true;
}

/** A short description of a bad argument for error messages: `undefined`, `string "x"`, `array [1, 2]`, `Tensor([2,3])`. */
export function describeArg(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (isTensor(v)) return `Tensor([${(v as Branded).shape.join(',')}])`;
  if (Array.isArray(v)) return `array [${v.slice(0, 8).map((x) => (typeof x === 'number' ? String(x) : isTensor(x) ? 'Tensor' : x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x)).join(', ')}${v.length > 8 ? ', ...' : ''}]`;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `${typeof v} ${String(v)}`;
}

/** Throws `${fn}: ${arg} must be ${expected}, got ${value}` (a TypeError by default: the argument is of the wrong kind). */
export function fail(fn: string, arg: string, expected: string, v: unknown, Kind: ErrorConstructor | TypeErrorConstructor = TypeError): never {
  throw new Kind(`${fn}: ${arg} must be ${expected}, got ${describeArg(v)}`);
}

/** True when v is an array of non-negative integers (a shape). A loop over the dims, no allocation. */
export function isShape(v: unknown): v is readonly number[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return false;
  }
  return true;
}

/** Checks that v is a shape (an array of non-negative integers), naming the function and the argument. */
export function checkShape(fn: string, arg: string, v: unknown): readonly number[] {
  if (!isShape(v)) fail(fn, arg, 'an array of non-negative integers', v, Array.isArray(v) ? Error : TypeError);
  return v;
}

/** Checks that v is an array of integers (dims, paddings, starts), naming the function and the argument. */
export function checkInts(fn: string, arg: string, v: unknown): readonly number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isInteger(d))) fail(fn, arg, 'an array of integers', v, Array.isArray(v) ? Error : TypeError);
  return v as readonly number[];
}

/** Checks that v is an integer (≥ min when given). */
export function checkInt(fn: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail(fn, arg, min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : min === -Infinity ? 'an integer' : `an integer ≥ ${min}`, v, typeof v === 'number' ? Error : TypeError);
  }
  return v as number;
}

/** Checks that v is a number accepted by `ok` (finite by default); `expected` says what is accepted. */
export function checkNumber(fn: string, arg: string, v: unknown, ok: (x: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (typeof v !== 'number' || !ok(v)) fail(fn, arg, expected, v, typeof v === 'number' ? Error : TypeError);
  return v;
}

export function checkBool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(fn, arg, 'a boolean', v);
  return v;
}

export function checkFunction(fn: string, arg: string, v: unknown): void {
  if (typeof v !== 'function') fail(fn, arg, 'a function', v);
}

/**
 * Checks an options object: undefined (the defaults) or a plain object whose keys are all in
 * `known`. An option that is not supported is an error naming it, never silently ignored.
 */
export function checkOptions(fn: string, opts: unknown, known: readonly string[], arg = 'options'): void {
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts) || isTensor(opts)) fail(fn, arg, 'an object', opts);
  for (const k in opts) {
    if (!known.includes(k)) throw new Error(`${fn}: unknown option '${k}' (supported: ${known.join(', ')})`);
  }
}
