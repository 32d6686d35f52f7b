import { noGrad, tidy } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { asParts } from '../op-observer.js';
import { add } from './add.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sub } from './sub.js';
import { abs, exp, log, relu, sigmoid } from './unary.js';
import { equal, greater, where } from './where.js';
import { checkOptions } from '../check.js';
import { checkBackend } from './util.js';

export interface SoftplusOptions {
  /** β in (1/β)·log(1 + e^(βx)); default 1. */
  beta?: number;
  /** Above β·x > threshold the result is x itself (default 20, as PyTorch); Infinity never. */
  threshold?: number;
}

/**
 * log(1 + e^(βx)) / β, and x where βx > threshold (`torch.nn.functional.softplus(x, beta,
 * threshold)`). Computed as (relu(βx) + log1p(e^(−|βx|))) / β, which cannot overflow, with log1p
 * from log by Goldberg's correction, so that tiny values keep their precision. One tape entry with
 * the exact derivative σ(βx) (1 above the threshold).
 * @example softplus(x, { beta: 2 })
 */
export function softplus(x: Tensor, opts: SoftplusOptions = {}): Tensor {
  checkBackend('softplus', x);
  checkOptions('softplus', opts, ['beta', 'threshold']);
  const beta = opts.beta ?? 1;
  const threshold = opts.threshold ?? 20;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0) throw new Error(`softplus: beta must be a positive finite number, got ${String(beta)}`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new Error(`softplus: threshold must be a number (Infinity for none), got ${String(threshold)}`);
  const out = asParts(() => noGrad(() =>
    tidy(() => {
      const bx = mul(x, beta);
      const sp = div(add(relu(bx), log1p(exp(neg(abs(bx))))), beta);
      return threshold === Infinity ? sp : where(greater(bx, threshold), x, sp);
    }),
  ));
  return record('softplus', out, [x], (g, [xs]) =>
    [tidy(() => {
      const bx = mul(xs!, beta);
      const slope = sigmoid(bx);
      return mul(g, threshold === Infinity ? slope : where(greater(bx, threshold), 1, slope));
    })],
  [x], { beta, threshold });
}

/**
 * log(1 + u) for u ≥ 0 without losing a tiny u (Goldberg, "What every computer scientist should
 * know about floating-point arithmetic", Theorem 4): with w = 1 ⊕ u, log(w)·u/(w − 1), or u when w = 1.
 */
function log1p(u: Tensor): Tensor {
  const w = add(u, 1);
  return where(equal(w, 1), u, mul(log(w), div(u, sub(w, 1))));
}
