import { mul, noGrad, type Tensor } from '@tapegrad/autograd';
import { checkBool, checkNumber, checkOptions, fail } from '../check.js';

/**
 * Rescales the gradients of `params` in place so that their joint norm is at most `maxNorm`
 * (torch.nn.utils.clip_grad_norm_): total = ‖(‖g₁‖, ‖g₂‖, …)‖ in the `normType` norm (2 by
 * default; Infinity for the largest |g|), then every gradient is multiplied by
 * min(1, maxNorm / (total + 1e-6)). Parameters without a gradient are skipped. Returns the total
 * norm before clipping. A non-finite total is an error with `errorIfNonfinite`.
 * @example loss.backward(); clipGradNorm_(model.parameters(), 1.0); opt.step();
 */
export function clipGradNorm_(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, opts: { errorIfNonfinite?: boolean } = {}): number {
  const list = isTensor(params) ? [params] : params && typeof (params as Iterable<Tensor>)[Symbol.iterator] === 'function' ? [...(params as Iterable<Tensor>)] : fail('clipGradNorm_', 'params', 'a Tensor or an iterable of Tensors', params);
  list.forEach((p, i) => {
    if (!isTensor(p)) fail('clipGradNorm_', `params[${i}]`, 'a Tensor', p);
  });
  checkOptions('clipGradNorm_', opts, ['errorIfNonfinite']);
  if (opts.errorIfNonfinite !== undefined) checkBool('clipGradNorm_', 'errorIfNonfinite', opts.errorIfNonfinite);
  checkNumber('clipGradNorm_', 'maxNorm', maxNorm, (v) => v >= 0, 'a number ≥ 0');
  checkNumber('clipGradNorm_', 'normType', normType, (v) => v > 0, 'a positive number or Infinity');
  const grads = list.filter((p) => p.grad).map((p) => p.grad!);
  if (grads.length === 0) return 0;
  // NOTE: the norms are summed in float64 from a copy of each gradient; clipping is not on the
  // hot path of the case study, and this keeps the total exact to float32 inputs.
  let total = 0;
  for (const g of grads) {
    const d = g.toArray();
    if (normType === Infinity) for (let i = 0; i < d.length; i++) total = Math.max(total, Math.abs(d[i]!));
    else {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += Math.abs(d[i]!) ** normType;
      total += s; // Σ over tensors of Σ |g|^p = (‖(‖g₁‖_p, …)‖_p)^p
    }
  }
  if (normType !== Infinity) total = total ** (1 / normType);
  if (opts.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}; set errorIfNonfinite: false to clip anyway`);
  }
  const coef = Math.min(1, maxNorm / (total + 1e-6));
  if (coef === 1) return total; // torch multiplies by 1.0 here; same values
  noGrad(() => {
    for (const p of list) {
      if (!p.grad) continue;
      const scaled = mul(p.grad, coef);
      p.grad.backend.copyInPlace(p.grad.storage, scaled.storage);
      scaled.dispose();
    }
  });
  return total;
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'grad' in v && 'storage' in v;
}
