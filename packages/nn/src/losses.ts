import { abs, add, crossEntropy, mseLoss, mul, sum, Tensor, tidy, zeros } from '@tapegrad/autograd';
import { checkNumber, fail } from './check.js';

export { crossEntropy, mseLoss };

/**
 * λ·Σ|p| over the given parameters: add it to the loss for L1 regularisation (sparse weights),
 * or set `l1` on the optimizer for the same gradient without the extra ops.
 * @example const loss = add(crossEntropy(logits, y), l1Penalty(model.parameters(), 1e-5));
 */
export function l1Penalty(params: readonly Tensor[], lambda: number): Tensor {
  if (checkPenalty('l1Penalty', params, lambda)) return zeros([]);
  return tidy(() => mul(params.map((p) => sum(abs(p))).reduce((a, b) => add(a, b)), lambda));
}

/**
 * (λ/2)·Σ p² over the given parameters: its gradient λ·p is exactly what `weightDecay: λ` adds
 * in SGD and Adam, so either route gives the same update.
 */
export function l2Penalty(params: readonly Tensor[], lambda: number): Tensor {
  if (checkPenalty('l2Penalty', params, lambda)) return zeros([]);
  return tidy(() => mul(params.map((p) => sum(mul(p, p))).reduce((a, b) => add(a, b)), lambda / 2));
}

/** Checks a penalty's arguments; true when there are no parameters (the penalty is 0, as a sum over none). */
function checkPenalty(fn: string, params: unknown, lambda: unknown): boolean {
  if (!Array.isArray(params)) fail(fn, 'params', 'an array of Tensors', params);
  (params as unknown[]).forEach((p, i) => {
    if (!(p instanceof Tensor)) fail(fn, `params[${i}]`, 'a Tensor', p);
  });
  checkNumber(fn, 'lambda', lambda);
  return (params as unknown[]).length === 0;
}
