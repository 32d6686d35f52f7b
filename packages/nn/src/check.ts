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
