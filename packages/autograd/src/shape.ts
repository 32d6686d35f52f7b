import type { Shape } from './backend.js';

/** Number of elements of a shape ([] is a scalar: 1). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[2,3,4]`, the form every error message uses. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** NumPy broadcasting of two shapes; throws naming the op when they cannot broadcast. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
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
  const s = stridesOf(shape);
  const out = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : s[i]!;
  return out;
}

/** Normalises dims (negative allowed) to sorted unique axes; undefined means all axes. */
export function normalizeAxes(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const axes = list.map((d) => {
    if (!Number.isInteger(d) || d < -rank || d >= Math.max(rank, 1)) {
      throw new Error(`${op}: dim ${d} is out of range for a tensor of rank ${rank}`);
    }
    return d < 0 ? d + rank : d;
  });
  return [...new Set(axes)].sort((x, y) => x - y);
}
