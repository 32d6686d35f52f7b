import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './binary.js';
import { type TensorLike, unbroadcast } from './util.js';

/**
 * a + b with broadcasting.
 * @example add(x, 1); add(x, bias) // x [N, F] + bias [F]
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('add', a, b, (be, x, xs, y, ys, os) => be.add(x, xs, y, ys, os), (g, [x, y], needs) => [
    needs[0] ? unbroadcast(g, x!.shape) : null,
    needs[1] ? unbroadcast(g, y!.shape) : null,
  ]);
}
