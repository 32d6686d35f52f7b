import { tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { max } from './max.js';
import { neg } from './neg.js';
import type { ReduceOptions } from './sum.js';

/**
 * Minimum over `dim` (all when omitted): −max(−x), so the gradient is shared evenly among the
 * elements that attain the minimum (like `torch.amin`; the values of `torch.min(x, dim)`).
 * @example min(x, 1, { keepdim: true }) // [N, C] -> [N, 1]
 */
export function min(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return tidy(() => neg(max(neg(x), dim, opts)));
}
