import { getBackend, noGrad, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { arange } from '../creation.js';
import { max } from './max.js';
import { neg } from './neg.js';
import { reshape } from './reshape.js';
import { fail } from '../check.js';
import { checkReduceOptions, type ReduceOptions } from './sum.js';
import { equal, where } from './where.js';
import { checkBackend, wrap } from './util.js';

/**
 * Index of the maximum along `dim`, the first one on ties; over the flattened tensor (a 0-d
 * result) when `dim` is omitted, as `torch.argmax`. NaN counts as the maximum, as in PyTorch.
 * Indices are returned as numbers in the backend's float dtype (there is no integer tensor), and
 * carry no gradient.
 * @example argmax(logits, 1) // [N, C] -> [N] predicted classes
 */
export function argmax(x: Tensor, dim?: number, opts: ReduceOptions = {}): Tensor {
  return argExtremum('argmax', x, dim, opts, false);
}

/** Index of the minimum along `dim` (the first on ties), like `torch.argmin`; see `argmax`. */
export function argmin(x: Tensor, dim?: number, opts: ReduceOptions = {}): Tensor {
  return argExtremum('argmin', x, dim, opts, true);
}

function argExtremum(op: string, x: Tensor, dim: number | undefined, opts: ReduceOptions, negate: boolean): Tensor {
  checkBackend(op, x);
  checkReduceOptions(op, opts);
  if (dim !== undefined && typeof dim !== 'number') fail(op, 'dim', 'an integer or undefined (the flattened tensor)', dim);
  if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor ${fmt(x.shape)}`);
  if (dim === undefined) {
    return tidy(() => {
      const flat = argExtremum(op, reshape(x, [x.size]), 0, {}, negate);
      return opts.keepdim ? reshape(flat, x.shape.map(() => 1)) : reshape(flat, []);
    });
  }
  const r = x.ndim;
  if (!Number.isInteger(dim) || dim < -Math.max(r, 1) || dim >= Math.max(r, 1)) {
    throw new Error(`${op}: dim ${dim} is out of range for ${fmt(x.shape)} (expected [${-Math.max(r, 1)}, ${Math.max(r, 1) - 1}])`);
  }
  if (r === 0) return wrap(getBackend().fill(1, 0), []);
  const d = dim < 0 ? dim + r : dim;
  const c = x.shape[d]!;
  return composite(op, [x], { dim: d, keepdim: opts.keepdim ?? false }, () => noGrad(() =>
    tidy(() => {
      const v = negate ? neg(x) : x;
      const best = max(v, d, { keepdim: true });
      // Where x equals its maximum, or is NaN (x ≠ x), the position is a candidate.
      const hit = where(equal(v, v), equal(v, best), 1);
      const positions = reshape(arange(c), x.shape.map((s, i) => (i === d ? c : 1)));
      // The first candidate: the smallest position among them, −max(−position).
      return neg(max(neg(where(hit, positions, c)), d, { keepdim: opts.keepdim ?? false }));
    }),
  ));
}
