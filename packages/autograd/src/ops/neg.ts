import type { Tensor } from '../tensor.js';
import { unaryOp } from './util.js';

/** −x */
export function neg(x: Tensor): Tensor {
  return unaryOp('neg', x, (b, s) => b.neg(s), (g) => [neg(g)]);
}
