import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './binary.js';
import { type TensorLike, unbroadcast } from './util.js';

/** a · b elementwise, with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('mul', a, b, (be, x, xs, y, ys, os) => be.mul(x, xs, y, ys, os), (g, [x, y], needs) => [
    needs[0] ? scaledGrad(g, y!, x!.shape) : null,
    needs[1] ? scaledGrad(g, x!, y!.shape) : null,
  ]);
}

/** unbroadcast(g · other, shape) */
export function scaledGrad(g: Tensor, other: Tensor, shape: readonly number[]): Tensor {
  const p = mul(g, other);
  const r = unbroadcast(p, shape);
  p.dispose();
  return r;
}
