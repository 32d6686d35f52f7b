import { tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { mul } from './mul.js';
import { greater, where } from './where.js';
import { checkBackend } from './util.js';

/**
 * x where x > 0, else negativeSlope · x (`torch.nn.functional.leaky_relu`). At exactly 0 the
 * gradient is negativeSlope, as in PyTorch.
 * @example leakyRelu(x, 0.2)
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkBackend('leakyRelu', x);
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) throw new Error(`leakyRelu: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  return composite('leakyRelu', [x], { negativeSlope }, () => tidy(() => where(greater(x, 0), x, mul(x, negativeSlope))));
}
