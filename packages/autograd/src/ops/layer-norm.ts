import { tidy } from '../engine.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { add } from './add.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { mean } from './sum.js';
import { sqrt } from './unary.js';
import { checkBackend, checkOptionalTensor } from './util.js';

/**
 * Layer normalisation over the trailing dims `normalizedShape` (`torch.nn.functional.layer_norm`):
 * (x − mean) / √(biased var + eps), then · weight + bias (both of shape normalizedShape, optional).
 * Composed from reductions and elementwise ops, so the gradient needs no code of its own.
 * @example layerNorm(x, [768], gamma, beta) // x [B, T, 768]
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  checkBackend('layerNorm', x);
  checkOptionalTensor('layerNorm', 'weight', weight);
  checkOptionalTensor('layerNorm', 'bias', bias);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : [];
  if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`layerNorm: normalizedShape must be one or more positive integers, got ${JSON.stringify(normalizedShape)}`);
  if (x.ndim < ns.length || !shapesEqual(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new Error(`layerNorm: input ${fmt(x.shape)} does not end with normalizedShape ${fmt(ns)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && !shapesEqual(t.shape, ns)) throw new Error(`layerNorm: ${name} must have shape normalizedShape ${fmt(ns)}, got ${fmt(t.shape)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new Error(`layerNorm: eps must be a non-negative finite number, got ${String(eps)}`);
  const axes = ns.map((_, i) => x.ndim - ns.length + i);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return composite('layerNorm', inputs, { axes, eps, hasWeight: Boolean(weight), hasBias: Boolean(bias) }, () => tidy(() => {
    const d = sub(x, mean(x, axes, { keepdim: true }));
    let y = div(d, sqrt(add(mean(mul(d, d), axes, { keepdim: true }), eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  }));
}
