import { tidy } from '../engine.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { concat } from './concat.js';
import { unsqueeze } from './reshape.js';
import { checkBackend, describeArg } from './util.js';

/**
 * Joins tensors of one shape along a new dimension `dim` (`torch.stack`): unsqueeze + concat, so
 * the gradient is concat's (a slice per input).
 * @example stack([a, b], 0) // two [3, 4] -> [2, 3, 4]
 */
export function stack(xs: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error(`stack: tensors must be a non-empty array of tensors, got ${describeArg(xs)}`);
  checkBackend('stack', ...xs);
  const shape = xs[0]!.shape;
  const r = shape.length;
  if (!Number.isInteger(dim) || dim < -r - 1 || dim > r) throw new Error(`stack: dim ${dim} is out of range for tensors of shape ${fmt(shape)} (expected [${-r - 1}, ${r}])`);
  xs.forEach((x, i) => {
    if (!shapesEqual(x.shape, shape)) throw new Error(`stack: every tensor must have shape ${fmt(shape)}, but tensor ${i} has shape ${fmt(x.shape)}`);
  });
  return tidy(() => concat(xs.map((x) => unsqueeze(x, dim)), dim < 0 ? dim + r + 1 : dim));
}
