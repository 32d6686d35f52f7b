import { getBackend, tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { notifyOp } from '../op-observer.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { checkBackend, unaryOp, wrap } from './util.js';

// neg has its own file: div and sub use it in their vjps, and these vjps use div and sub.
export { neg } from './neg.js';

/** eˣ */
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x, (b, s) => b.exp(s), (g, [, y]) => [mul(g, y!)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x, (b, s) => b.log(s), (g, [x0]) => [tidy(() => div(g, x0!))]);
}

/** √x */
export function sqrt(x: Tensor): Tensor {
  // d√x = 1 / (2√x)
  return unaryOp('sqrt', x, (b, s) => b.sqrt(s), (g, [, y]) => [tidy(() => div(mul(g, 0.5), y!))]);
}

/** |x| (subgradient 0 at 0, as in PyTorch). */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x, (b, s) => b.abs(s), (g, [x0]) => [tidy(() => mul(g, sign(x0!)))]);
}

/** −1, 0 or 1 (not differentiable: no tape entry). */
export function sign(x: Tensor): Tensor {
  checkBackend('sign', x);
  const out = wrap(getBackend().sign(x.storage), x.shape);
  notifyOp('sign', out, [x]);
  return out;
}

/** max(x, 0). NOTE: the gradient at exactly 0 is 0, as in PyTorch. */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x, (b, s) => b.relu(s), (g, [x0]) => [wrap(getBackend().reluBackward(g.storage, x0!.storage), g.shape)]);
}

/** 1 / (1 + e⁻ˣ) */
export function sigmoid(x: Tensor): Tensor {
  // dσ = σ(1 − σ)
  return unaryOp('sigmoid', x, (b, s) => b.sigmoid(s), (g, [, y]) => [tidy(() => mul(g, mul(y!, sub(1, y!))))]);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt (`torch.erf`): odd, in [−1, 1], and ±1 once |x| ≥ 6
 * (where it rounds to ±1 in float64). The gradient is 2/√π · e^(−x²).
 * @example erf(tensor([0, 0.5, -2], [3])) // [0, 0.5205, -0.9953]
 */
export function erf(x: Tensor): Tensor {
  // d erf = 2/√π · e^(−x²)
  return unaryOp('erf', x, (b, s) => b.erf(s), (g, [x0]) => [tidy(() => mul(g, mul(exp(mul(mul(x0!, x0!), -1)), TWO_OVER_SQRT_PI)))]);
}

/** tanh x */
export function tanh(x: Tensor): Tensor {
  // dtanh = 1 − tanh²
  return unaryOp('tanh', x, (b, s) => b.tanh(s), (g, [, y]) => [tidy(() => mul(g, sub(1, mul(y!, y!))))]);
}
