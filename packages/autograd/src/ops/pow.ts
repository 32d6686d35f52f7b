import { tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { broadcastBinary } from './binary.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { log } from './unary.js';
import { type TensorLike, unbroadcast } from './util.js';

/** a ** b elementwise, with broadcasting. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('pow', a, b, (be, x, xs, y, ys, os) => be.pow(x, xs, y, ys, os), (g, [x, y, out], needs) => [
    // d/da = b · a^(b−1)
    needs[0] ? tidy(() => unbroadcast(mul(g, mul(y!, pow(x!, sub(y!, 1)))), x!.shape)) : null,
    // d/db = a^b · ln a
    needs[1] ? tidy(() => unbroadcast(mul(g, mul(out!, log(x!))), y!.shape)) : null,
  ], true);
}
