import { noGrad, tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { asParts } from '../op-observer.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { exp, log } from './unary.js';
import { clamp, equal, greater, where } from './where.js';
import { checkBackend } from './util.js';

/**
 * x where x > 0, else α(eˣ − 1) (`torch.nn.functional.elu`). eˣ − 1 is computed as expm1 (Kahan's
 * correction, so a small |x| keeps its relative precision), of min(x, 0), so that a large positive
 * x cannot overflow. One tape entry: the gradient is 1 for x > 0, else α·eˣ (α at 0, as PyTorch).
 * @example elu(x) // α = 1
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkBackend('elu', x);
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new Error(`elu: alpha must be a finite number, got ${String(alpha)}`);
  const out = asParts(() => noGrad(() => tidy(() => where(greater(x, 0), x, mul(expm1(clamp(x, undefined, 0)), alpha)))));
  return record('elu', out, [x], (g, [xs]) => [
    tidy(() => mul(g, where(greater(xs!, 0), 1, mul(exp(clamp(xs!, undefined, 0)), alpha)))),
  ], [x], { alpha });
}

/**
 * eˣ − 1 without cancellation for small |x| (W. Kahan): with u = e^x (rounded), (u − 1)·x / log u,
 * x itself when u = 1, and −1 when u underflows to 0.
 */
function expm1(x: Tensor): Tensor {
  const u = exp(x);
  return where(equal(u, 1), x, where(equal(u, 0), -1, div(mul(sub(u, 1), x), log(u))));
}
