import { fail } from '../check.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkTensor } from './util.js';

/**
 * A view of x with a new shape (no copy). One dimension may be −1 (inferred).
 * @example reshape(x, [x.shape[0]!, -1])
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeAs('reshape', x, shape);
}

/** reshape with errors naming `op` (`x.view(shape)` is reshape under PyTorch's other name). */
export function reshapeAs(op: string, x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(op, x);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= -1)) {
    fail(op, 'shape', 'an array of non-negative integers (one may be -1)', shape, Array.isArray(shape) ? Error : TypeError);
  }
  const target = [...shape];
  const infer = target.indexOf(-1);
  if (infer >= 0) {
    if (target.indexOf(-1, infer + 1) >= 0) throw new Error(`${op}: only one dimension can be -1, got ${fmt(shape)}`);
    const known = sizeOf(target.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) throw new Error(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    target[infer] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new Error(`${op}: cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
  }
  const out = x.share(target);
  return record('reshape', out, [x], (g) => [g.share(x.shape)]);
}

/** Flattens dims startDim..endDim into one (like `torch.flatten`; default keeps dim 0). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (typeof startDim !== 'number' || !Number.isInteger(startDim)) fail('flatten', 'startDim', 'an integer', startDim);
  if (typeof endDim !== 'number' || !Number.isInteger(endDim)) fail('flatten', 'endDim', 'an integer', endDim);
  const r = x.ndim;
  const s = startDim < 0 ? startDim + r : startDim;
  const e = endDim < 0 ? endDim + r : endDim;
  if (r === 0) return reshape(x, [1]);
  if (s < 0 || e >= r || s > e) throw new Error(`flatten: dims ${startDim}..${endDim} are out of range for ${fmt(x.shape)}`);
  const mid = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

/** Inserts a dimension of size 1 at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x);
  if (typeof dim !== 'number') fail('unsqueeze', 'dim', 'an integer', dim);
  if (!Number.isInteger(dim) || dim < -x.ndim - 1 || dim > x.ndim) throw new Error(`unsqueeze: dim ${dim} is out of range for ${fmt(x.shape)} (expected [${-x.ndim - 1}, ${x.ndim}])`);
  const d = dim < 0 ? dim + x.ndim + 1 : dim;
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Removes dimensions of size 1 (all, or the one at `dim`). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor('squeeze', x);
  if (dim !== undefined && typeof dim !== 'number') fail('squeeze', 'dim', 'an integer or undefined (all dims of size 1)', dim);
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  if (!Number.isInteger(dim) || dim < -x.ndim || dim >= Math.max(x.ndim, 1)) throw new Error(`squeeze: dim ${dim} is out of range for ${fmt(x.shape)} (expected [${-x.ndim}, ${Math.max(x.ndim, 1) - 1}])`);
  const d = dim < 0 ? dim + x.ndim : dim;
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : reshape(x, x.shape);
}
