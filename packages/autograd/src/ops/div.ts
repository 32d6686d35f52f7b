import { tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './binary.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { type TensorLike, unbroadcast } from './util.js';

/** a / b elementwise, with broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('div', a, b, (be, x, xs, y, ys, os) => be.div(x, xs, y, ys, os), (g, [x, y, out], needs) => [
    needs[0] ? tidy(() => unbroadcast(div(g, y!), x!.shape)) : null,
    // d(a/b)/db = −(a/b)/b
    needs[1] ? tidy(() => unbroadcast(neg(div(mul(g, out!), y!)), y!.shape)) : null,
  ], true);
}
