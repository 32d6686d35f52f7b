import { noGrad, tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { asParts, composite } from '../op-observer.js';
import { add } from './add.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { abs, exp, tanh } from './unary.js';
import { greater, where } from './where.js';
import { checkOptions } from '../check.js';
import { checkBackend } from './util.js';

export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with the exact normal CDF, PyTorch's default; 'tanh': its tanh approximation. */
  approximate?: 'none' | 'tanh';
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

/**
 * x·Φ(x), Φ the standard normal CDF (`torch.nn.functional.gelu`); with `{approximate: 'tanh'}`,
 * 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). The exact form is one tape entry with the derivative
 * Φ(x) + x·φ(x). Φ comes from erfc by the Chebyshev fit of Numerical Recipes (`erfcc`, relative
 * error below 1.2e-7 for every x, about one float32 ulp), evaluated on the side where it does not
 * cancel, so the tails stay accurate; no backend has an erf kernel.
 * @example gelu(x)
 */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  checkBackend('gelu', x);
  checkOptions('gelu', opts, ['approximate']);
  const approximate = opts.approximate ?? 'none';
  if (approximate === 'tanh') {
    return composite('gelu', [x], { approximate }, () => tidy(() => mul(mul(x, 0.5), add(tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), SQRT_2_PI)), 1))));
  }
  if (approximate !== 'none') throw new Error(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  const cdf = asParts(() => noGrad(() => tidy(() => normalCdf(x))));
  const out = asParts(() => noGrad(() => mul(x, cdf)));
  const y = record('gelu', out, [x], (g, [xs, phi]) => [
    // d/dx x·Φ(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
    tidy(() => mul(g, add(phi!, mul(xs!, mul(exp(mul(mul(xs!, xs!), -0.5)), INV_SQRT_2PI))))),
  ], [x, cdf], { approximate });
  cdf.dispose();
  return y;
}

/** Φ(x) = erfc(−x/√2)/2 with erfc from `erfcc`: r = erfc(|z|) for z = x/√2, Φ = r/2 for x ≤ 0, else 1 − r/2. */
function normalCdf(x: Tensor): Tensor {
  const z = abs(mul(x, SQRT1_2));
  const t = div(1, add(mul(z, 0.5), 1));
  // Horner's rule for the exponent's polynomial in t (Numerical Recipes 2nd ed., §6.2, erfcc).
  const coef = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  let poly: Tensor | number = coef[coef.length - 1]!;
  for (let i = coef.length - 2; i >= 0; i--) poly = add(mul(t, poly), coef[i]!);
  const r = mul(t, exp(sub(poly as Tensor, mul(z, z))));
  const half = mul(r, 0.5);
  return where(greater(x, 0), sub(1, half), half);
}
