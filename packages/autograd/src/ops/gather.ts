import { getBackend, tidy } from '../engine.js';
import { fmt, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { slice } from './slice.js';
import { sum } from './sum.js';
import { unsqueeze } from './reshape.js';
import { where } from './where.js';
import { checkBackend, describeArg, wrap } from './util.js';

/**
 * Picks values along `dim` by index (`torch.gather`): for dim = 1,
 * out[i][j][k] = x[i][index[i][j][k]][k]. `index` has x's rank, at most x's size in every other
 * dim, and integer values in [0, x.shape[dim]). The gradient scatters back into the picked places
 * (adding where an index repeats); `index` gets none.
 *
 * Performance: composed from a one-hot selection, where(onehot, x, 0) summed over the class axis,
 * so it makes an intermediate of size(index) · x.shape[dim] elements (fine for class scores,
 * wasteful for a long axis). No kernel of its own, so it runs on every backend; `where` rather than a
 * product, so an ±∞ or NaN that is not picked does not leak into the result.
 * @example gather(logp, 1, tensor([2, 0], [2, 1])) // [N, C] -> [N, 1], logp[i, t_i]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkBackend('gather', x);
  if (!(index instanceof Tensor)) throw new TypeError(`gather: index must be a Tensor of integer indices, got ${describeArg(index)}`);
  checkBackend('gather', x, index);
  if (typeof dim !== 'number') throw new TypeError(`gather: dim must be an integer, got ${describeArg(dim)}`);
  const r = x.ndim;
  if (r === 0) throw new Error(`gather: input must have at least one dimension, got ${fmt(x.shape)}`);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) throw new Error(`gather: dim ${dim} is out of range for input ${fmt(x.shape)} (expected [${-r}, ${r - 1}])`);
  const d = dim < 0 ? dim + r : dim;
  if (index.ndim !== r) throw new Error(`gather: index must have the input's rank ${r}, got index ${fmt(index.shape)} for input ${fmt(x.shape)}`);
  for (let i = 0; i < r; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new Error(`gather: index ${fmt(index.shape)} is larger than input ${fmt(x.shape)} in dim ${i} (only dim ${d} may be larger)`);
    }
  }
  const c = x.shape[d]!;
  const idx = index.toArray();
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= c) throw new Error(`gather: index value ${v} at flat position ${i} is out of range for dim ${d} of size ${c} (input ${fmt(x.shape)})`);
  }
  const pre = sizeOf(index.shape.slice(0, d));
  const k = index.shape[d]!;
  const post = sizeOf(index.shape.slice(d + 1));
  const onehot = new Float32Array(pre * k * c * post);
  for (let p = 0; p < pre; p++) {
    for (let j = 0; j < k; j++) {
      for (let q = 0; q < post; q++) onehot[((p * k + j) * c + idx[(p * k + j) * post + q]!) * post + q] = 1;
    }
  }
  const ohShape = [...index.shape.slice(0, d + 1), c, ...index.shape.slice(d + 1)];
  return composite('gather', [x, index], { dim: d }, () => tidy(() => {
    // x restricted to index's extent outside dim, then [.., 1, C, ..] against the one-hot [.., K, C, ..].
    const xs = index.shape.some((s, i) => i !== d && s !== x.shape[i]) ? slice(x, index.shape.map(() => 0), index.shape.map((s, i) => (i === d ? c : s))) : x;
    const mask = wrap(getBackend().fromArray(onehot), ohShape);
    return sum(where(mask, unsqueeze(xs, d), 0), d + 1);
  }));
}
