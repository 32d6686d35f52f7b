import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './binary.js';
import { neg } from './neg.js';
import { type TensorLike, unbroadcast } from './util.js';

/** a − b with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('sub', a, b, (be, x, xs, y, ys, os) => be.sub(x, xs, y, ys, os), (g, [x, y], needs) => [
    needs[0] ? unbroadcast(g, x!.shape) : null,
    needs[1] ? negUnbroadcast(g, y!.shape) : null,
  ]);
}

function negUnbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  const n = neg(g);
  const r = unbroadcast(n, shape);
  n.dispose();
  return r;
}
