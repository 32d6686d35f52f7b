import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { slice } from './slice.js';
import { checkInt, fail } from '../check.js';
import { checkBackend, wrap } from './util.js';

/** Joins tensors along `dim` (like `torch.cat`). */
export function concat(xs: readonly Tensor[], dim = 0): Tensor {
  return concatAs('concat', xs, dim);
}

/** concat with errors naming `op` (`x.cat(others, dim)`). */
export function concatAs(op: string, xs: readonly Tensor[], dim: number): Tensor {
  if (!Array.isArray(xs as unknown)) fail(op, 'tensors', 'an array of Tensors', xs);
  if (xs.length === 0) throw new Error(`${op}: needs at least one tensor`);
  checkBackend(op, ...xs);
  checkInt(op, 'dim', dim);
  const r = xs[0]!.ndim;
  const axis = dim < 0 ? dim + r : dim;
  if (axis < 0 || axis >= r) throw new Error(`${op}: dim ${dim} is out of range for rank ${r}`);
  for (const x of xs) {
    if (x.ndim !== r || x.shape.some((d, i) => i !== axis && d !== xs[0]!.shape[i])) {
      throw new Error(`${op}: shapes ${xs.map((t) => fmt(t.shape)).join(', ')} differ outside dim ${axis}`);
    }
  }
  const outShape = xs[0]!.shape.map((d, i) => (i === axis ? xs.reduce((a, t) => a + t.shape[axis]!, 0) : d));
  const out = wrap(getBackend().concat(xs.map((x) => x.storage), xs.map((x) => x.shape), axis), outShape);
  const offsets: number[] = [];
  let acc = 0;
  for (const x of xs) {
    offsets.push(acc);
    acc += x.shape[axis]!;
  }
  return record('concat', out, xs, (g, _saved, needs) =>
    xs.map((x, k) => (needs[k] ? slice(g, g.shape.map((_, i) => (i === axis ? offsets[k]! : 0)), g.shape.map((d, i) => (i === axis ? x.shape[axis]! : d))) : null)),
  [], { axis });
}
