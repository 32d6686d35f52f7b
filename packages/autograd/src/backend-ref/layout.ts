import type { Shape } from '../backend.js';
import { sizeOf, stridesOf } from '../shape.js';
import type { FloatArray } from './storage.js';

export function permuteInto(x: FloatArray, shape: Shape, perm: readonly number[], out: FloatArray): void {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += inStrides[perm[d]!]!;
      if (idx[d]! < outShape[d]!) break;
      src -= inStrides[perm[d]!]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Copies the box [starts, starts + sizes) of x (shape) into the box at dstStarts of out (outShape). */
export function copyBox(x: FloatArray, shape: Shape, starts: readonly number[], sizes: readonly number[], out: FloatArray, outShape: Shape, dstStarts: readonly number[]): void {
  const n = sizeOf(sizes);
  if (n === 0) return;
  const rank = shape.length;
  const sIn = stridesOf(shape);
  const sOut = stridesOf(outShape);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  let dst = 0;
  for (let d = 0; d < rank; d++) {
    src += starts[d]! * sIn[d]!;
    dst += dstStarts[d]! * sOut[d]!;
  }
  for (let i = 0; i < n; i++) {
    out[dst] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += sIn[d]!;
      dst += sOut[d]!;
      if (idx[d]! < sizes[d]!) break;
      src -= sIn[d]! * sizes[d]!;
      dst -= sOut[d]! * sizes[d]!;
      idx[d] = 0;
    }
  }
}
