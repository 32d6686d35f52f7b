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
  return batchNormOp('batchNorm', false, x, runningMean, runningVar, weight, bias, opts);
}

/**
 * relu(batchNorm(x, …)) as one fused op (Note [fused ops] in conv2d-relu.ts): the ReLU runs in the
 * normalising pass, and its backward is folded into batch norm's, which masks dy by y > 0 as it
 * reads it. Same arguments, options and errors as batchNorm; the values and gradients are those
 * of relu(batchNorm(...)) (bit for bit on the WASM backend).
 * @example batchNormRelu(x, rm, rv, gamma, beta, { training: true }) // [N, C, H, W], ≥ 0
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor, runningVar: Tensor, weight?: Tensor | null, bias?: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  return batchNormOp('batchNormRelu', true, x, runningMean, runningVar, weight, bias, opts);
}

function batchNormOp(
  op: 'batchNorm' | 'batchNormRelu', relu: boolean, x: Tensor, runningMean: Tensor, runningVar: Tensor,
  weight: Tensor | null | undefined, bias: Tensor | null | undefined, opts: BatchNormOptions,
): Tensor {
  checkBackend(op, x, runningMean, runningVar);
  checkOptionalTensor(op, 'weight', weight);
  checkOptionalTensor(op, 'bias', bias);
  checkOptions(op, opts, ['training', 'momentum', 'eps']);
  if (opts.training !== undefined) checkBool(op, 'training', opts.training);
  if (opts.momentum !== undefined) checkNumber(op, 'momentum', opts.momentum, (m) => m >= 0 && m <= 1, 'a number in [0, 1]');
  if (opts.eps !== undefined) checkNumber(op, 'eps', opts.eps, (e) => e >= 0 && Number.isFinite(e), 'a non-negative finite number');
  if (x.ndim < 2) throw new Error(`${op}: input must be [N, C, ...], got ${fmt(x.shape)}`);
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const spatial = sizeOf(x.shape.slice(2));
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) throw new Error(`${op}: ${name} must be [${c}] for input ${fmt(x.shape)}, got ${fmt(t.shape)}`);
  }
  const training = opts.training ?? true;
  if (training && n * spatial <= 1) throw new Error(`${op}: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
  const p = { n, c, spatial, eps: opts.eps ?? 1e-5, momentum: opts.momentum ?? 0.1, training };
  const be = getBackend();
  const args = [x.storage, runningMean.storage, runningVar.storage, weight?.storage ?? null, bias?.storage ?? null, p] as const;
  const { y, saved } = relu ? be.batchNormRelu(...args) : be.batchNorm(...args);
  const s = wrap(saved, [2 * c]);
  const yt = wrap(y, x.shape);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  // Saved: x, the statistics, then the weight if any, then (fused) the output for the ReLU's mask.
  const keep = [x, s, ...(weight ? [weight] : []), ...(relu ? [yt] : [])];
  const out = record(op, yt, inputs, (g, saved, needs) => {
    const [xs, st] = saved;
    const ws = weight ? saved[2]! : null;
    const b = getBackend();
    const r = relu
      ? b.batchNormReluBackward(g.storage, saved[saved.length - 1]!.storage, xs!.storage, st!.storage, ws ? ws.storage : null, p)
      : b.batchNormBackward(g.storage, xs!.storage, st!.storage, ws ? ws.storage : null, p);
    const grads = [needs[0] ? wrap(r.dx, x.shape) : null];
    if (!needs[0]) b.free(r.dx);
    if (weight) grads.push(needs[1] ? wrap(r.dweight, [c]) : (b.free(r.dweight), null));
    else b.free(r.dweight);
    if (bias) grads.push(needs[grads.length] ? wrap(r.dbias, [c]) : (b.free(r.dbias), null));
    else b.free(r.dbias);
    return grads;
  }, keep, { runningMean, runningVar, weight: weight ?? null, bias: bias ?? null, ...p });
  s.dispose();
  return out;
}
