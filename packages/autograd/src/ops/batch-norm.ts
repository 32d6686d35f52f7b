import { getBackend } from '../engine.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkBool, checkNumber, checkOptions } from '../check.js';
import { checkBackend, checkOptionalTensor, wrap } from './util.js';

export interface BatchNormOptions {
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation of x [N, C] or [N, C, ...] per channel, matching PyTorch: in training mode
 * it normalises with the batch mean and biased variance and updates runningMean/runningVar in
 * place (with the unbiased variance); in eval mode it uses the running statistics.
 * @example batchNorm(x, rm, rv, gamma, beta, { training: true, momentum: 0.1, eps: 1e-5 })
 */
export function batchNorm(x: Tensor, runningMean: Tensor, runningVar: Tensor, weight?: Tensor | null, bias?: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  checkBackend('batchNorm', x, runningMean, runningVar);
  checkOptionalTensor('batchNorm', 'weight', weight);
  checkOptionalTensor('batchNorm', 'bias', bias);
  checkOptions('batchNorm', opts, ['training', 'momentum', 'eps']);
  if (opts.training !== undefined) checkBool('batchNorm', 'training', opts.training);
  if (opts.momentum !== undefined) checkNumber('batchNorm', 'momentum', opts.momentum, (m) => m >= 0 && m <= 1, 'a number in [0, 1]');
  if (opts.eps !== undefined) checkNumber('batchNorm', 'eps', opts.eps, (e) => e >= 0 && Number.isFinite(e), 'a non-negative finite number');
  if (x.ndim < 2) throw new Error(`batchNorm: input must be [N, C, ...], got ${fmt(x.shape)}`);
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const spatial = sizeOf(x.shape.slice(2));
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) throw new Error(`batchNorm: ${name} must be [${c}] for input ${fmt(x.shape)}, got ${fmt(t.shape)}`);
  }
  const training = opts.training ?? true;
  if (training && n * spatial <= 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
  const p = { n, c, spatial, eps: opts.eps ?? 1e-5, momentum: opts.momentum ?? 0.1, training };
  const be = getBackend();
  const { y, saved } = be.batchNorm(x.storage, runningMean.storage, runningVar.storage, weight?.storage ?? null, bias?.storage ?? null, p);
  const s = wrap(saved, [2 * c]);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = record('batchNorm', wrap(y, x.shape), inputs, (g, [xs, st, ws], needs) => {
    const r = getBackend().batchNormBackward(g.storage, xs!.storage, st!.storage, ws ? ws.storage : null, p);
    const grads = [needs[0] ? wrap(r.dx, x.shape) : null];
    if (!needs[0]) getBackend().free(r.dx);
    if (weight) grads.push(needs[1] ? wrap(r.dweight, [c]) : (getBackend().free(r.dweight), null));
    else getBackend().free(r.dweight);
    if (bias) grads.push(needs[grads.length] ? wrap(r.dbias, [c]) : (getBackend().free(r.dbias), null));
    else getBackend().free(r.dbias);
    return grads;
  }, weight ? [x, s, weight] : [x, s], { runningMean, runningVar, weight: weight ?? null, bias: bias ?? null, ...p });
  s.dispose();
  return out;
}
