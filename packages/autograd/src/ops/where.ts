import { getBackend, tidy } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { broadcastBinary } from './binary.js';
import { mul } from './mul.js';
import { checkNumber } from '../check.js';
import { checkBackend, type TensorLike, unbroadcast, withTensors, wrap } from './util.js';

/** 1 where a > b, else 0 (not differentiable). */
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('greater', a, b, (be, x, xs, y, ys, os) => be.greater(x, xs, y, ys, os), null);
}

/** 1 where a == b, else 0 (not differentiable). */
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return broadcastBinary('equal', a, b, (be, x, xs, y, ys, os) => be.equal(x, xs, y, ys, os), null);
}

/**
 * cond ≠ 0 ? a : b, all broadcast together. The gradient flows to a where cond holds and to b
 * elsewhere; cond gets none.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return withTensors([a, b], ([x, y]) => {
    checkBackend('where', cond, x!, y!);
    const outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, x!.shape), y!.shape);
    const out = wrap(getBackend().where(cond.storage, cond.shape, x!.storage, x!.shape, y!.storage, y!.shape, outShape), outShape);
    return record('where', out, [x!, y!], (g, [c, xs, ys], needs) => [
      needs[0] ? tidy(() => unbroadcast(where(c!, g, 0), xs!.shape)) : null,
      needs[1] ? tidy(() => unbroadcast(where(c!, 0, g), ys!.shape)) : null,
    ], [cond, x!, y!], { cond });
  });
}

/** Clamps x to [min, max] (either may be omitted); the gradient is 0 where x was clamped. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkBackend('clamp', x);
  if (min !== undefined) checkNumber('clamp', 'min', min, (v) => !Number.isNaN(v), 'a number or undefined');
  if (max !== undefined) checkNumber('clamp', 'max', max, (v) => !Number.isNaN(v), 'a number or undefined');
  return tidy(() => {
    let y = x;
    if (min !== undefined) y = where(greater(min, y), min, y);
    if (max !== undefined) y = where(greater(y, max), max, y);
    return y === x ? mul(x, 1) : y;
  });
}
