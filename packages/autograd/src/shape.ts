import type { Shape } from './backend.js';
import { checkShape, describeArg, fail, isShape } from './check.js';

// The exported shape helpers check their arguments (Note [argument checks]): a loop over the dims
// of a shape that is already right, which ops pay once or twice per call.

/** Number of elements of a shape ([] is a scalar: 1). */
export function sizeOf(shape: Shape): number {
  return checkedSize('sizeOf', 'shape', shape);
}

/** sizeOf with the errors naming `fn` and `arg`: the shape is checked in the loop that multiplies its dims. */
export function checkedSize(fn: string, arg: string, shape: Shape): number {
  if (!Array.isArray(shape)) checkShape(fn, arg, shape);
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!(Number.isInteger(d) && d >= 0)) checkShape(fn, arg, shape);
    n *= d;
  }
  return n;
}

/** Whether two shapes are the same (dims are compared, not interpreted: any arrays of numbers). */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (!Array.isArray(a)) fail('shapesEqual', 'a', 'an array of numbers', a);
  if (!Array.isArray(b)) fail('shapesEqual', 'b', 'an array of numbers', b);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[2,3,4]`, the form every error message uses. Lenient (it formats bad shapes in error messages too). */
export function fmt(shape: Shape): string {
  return Array.isArray(shape) ? `[${shape.join(',')}]` : describeArg(shape);
}

/**
 * `[2,3,4]`, the form every error message of tapegrad uses (exported as `formatShape`).
 * @example formatShape(x.shape) // '[8,3,28,28]'
 */
export function formatShape(shape: Shape): string {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) fail('formatShape', 'shape', 'an array of numbers', shape);
  return fmt(shape);
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  if (!Array.isArray(shape)) checkShape('stridesOf', 'shape', shape);
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (!(Number.isInteger(d) && d >= 0)) checkShape('stridesOf', 'shape', shape);
    s[i] = acc;
    acc *= d;
  }
  return s;
}

/**
 * NumPy broadcasting of two shapes; throws naming `op` (the caller) when they cannot broadcast.
 * @example broadcastShapes('add', [2, 3], [3]) // [2, 3]
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  if (typeof op !== 'string') fail('broadcastShapes', 'op', "the calling op's name (a string)", op);
  if (!isShape(a)) checkShape('broadcastShapes', 'a', a);
  if (!isShape(b)) checkShape('broadcastShapes', 'b', b);
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dimension ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides (in elements) for reading an array of `shape` as if it had `outShape`: broadcast
 * dimensions (missing or of size 1) get stride 0.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  if (!isShape(outShape)) checkShape('broadcastStrides', 'outShape', outShape);
  if (!isShape(shape)) checkShape('broadcastStrides', 'shape', shape);
  const lead = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    if (lead < 0 || (shape[i] !== 1 && shape[i] !== outShape[lead + i])) throw new Error(`broadcastStrides: shape ${fmt(shape)} does not broadcast to outShape ${fmt(outShape)}`);
  }
  const s = stridesOf(shape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : s[i]!;
  return out;
}

/** Normalises dims (negative allowed) to sorted unique axes; undefined means all axes. */
export function normalizeAxes(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof dims !== 'number' && !Array.isArray(dims)) fail(op, 'dim', 'an integer, an array of integers or undefined (all dims)', dims);
  const list = typeof dims === 'number' ? [dims] : dims;
  const axes = list.map((d) => {
    if (typeof d !== 'number') fail(op, 'dim', 'an integer, an array of integers or undefined (all dims)', dims);
    if (!Number.isInteger(d) || d < -rank || d >= Math.max(rank, 1)) {
      throw new Error(`${op}: dim ${d} is out of range for a tensor of rank ${rank}`);
    }
    return d < 0 ? d + rank : d;
  });
  return [...new Set(axes)].sort((x, y) => x - y);
}
