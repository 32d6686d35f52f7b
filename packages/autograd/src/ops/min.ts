import { tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { max } from './max.js';
import { neg } from './neg.js';
import { fmt, normalizeAxes } from '../shape.js';
import { checkReduceOptions, type ReduceOptions } from './sum.js';
import { checkBackend } from './util.js';

/**
 * Minimum over `dim` (all when omitted): −max(−x), so the gradient is shared evenly among the
 * elements that attain the minimum (like `torch.amin`; the values of `torch.min(x, dim)`).
 * @example min(x, 1, { keepdim: true }) // [N, C] -> [N, 1]
 */
export function min(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkBackend('min', x);
  checkReduceOptions('min', opts);
  normalizeAxes('min', dim, x.ndim);
  if (x.size === 0) throw new Error(`min: cannot reduce an empty tensor ${fmt(x.shape)}`);
  return tidy(() => neg(max(neg(x), dim, opts)));
}
