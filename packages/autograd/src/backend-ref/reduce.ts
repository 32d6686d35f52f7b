import type { Shape } from '../backend.js';
import { stridesOf } from '../shape.js';
import type { FloatArray } from './storage.js';

/** Folds the given axes away with `f`, starting each output from `init`. */
export function reduceAxes(x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray, init: number, f: (acc: number, v: number) => number): void {
  out.fill(init);
  const rank = shape.length;
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const outStrides = stridesOf(outShape);
  // stride in the output of each input axis (0 for reduced axes)
  const map = new Array<number>(rank).fill(0);
  let k = 0;
  for (let d = 0; d < rank; d++) if (!axes.includes(d)) map[d] = outStrides[k++]!;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    out[o] = f(out[o]!, x[i]!);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += map[d]!;
      if (idx[d]! < shape[d]!) break;
      o -= map[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}
