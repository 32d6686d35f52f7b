import { abs, add, crossEntropy, mseLoss, mul, sum, type Tensor, tidy } from '@tapegrad/autograd';

export { crossEntropy, mseLoss };

/**
 * λ·Σ|p| over the given parameters: add it to the loss for L1 regularisation (sparse weights),
 * or set `l1` on the optimizer for the same gradient without the extra ops.
 * @example const loss = add(crossEntropy(logits, y), l1Penalty(model.parameters(), 1e-5));
 */
export function l1Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return tidy(() => mul(params.map((p) => sum(abs(p))).reduce((a, b) => add(a, b)), lambda));
}

/**
 * (λ/2)·Σ p² over the given parameters: its gradient λ·p is exactly what `weightDecay: λ` adds
 * in SGD and Adam, so either route gives the same update.
 */
export function l2Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return tidy(() => mul(params.map((p) => sum(mul(p, p))).reduce((a, b) => add(a, b)), lambda / 2));
}
