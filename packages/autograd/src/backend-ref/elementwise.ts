import type { Shape } from '../backend.js';
import { broadcastStrides, sizeOf } from '../shape.js';
import type { FloatArray } from './storage.js';

/** Applies f elementwise. */
export function mapUnary(x: FloatArray, out: FloatArray, f: (v: number) => number): void {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
}

/**
 * Visits every index of outShape, passing the flat offsets of each operand read with broadcast
 * strides. Simple and slow on purpose: this is the spec.
 */
export function forEachBroadcast(shapes: readonly Shape[], outShape: Shape, visit: (outIndex: number, offsets: number[]) => void): void {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const strides = shapes.map((s) => broadcastStrides(s, outShape));
  const idx = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(shapes.length).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < shapes.length; k++) offsets[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < shapes.length; k++) offsets[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function binaryBroadcast(a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape, f: (x: number, y: number) => number): void {
  forEachBroadcast([aShape, bShape], outShape, (i, o) => {
    out[i] = f(a[o[0]!]!, b[o[1]!]!);
  });
}

export const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
