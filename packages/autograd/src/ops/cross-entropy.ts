import { getBackend, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { mul } from './mul.js';
import { sub as subtract } from './sub.js';
import { mean, sum } from './sum.js';
import { checkBackend, wrap } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** ε in [0, 1): the target mixes (1 − ε)·one-hot with ε/C uniform, as in PyTorch. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C] against integer class targets [N] (a tensor of class indices, an
 * Int32Array or a number[]): log-softmax and NLL fused, stable for large logits.
 * @example const loss = crossEntropy(model.forward(x), labels); loss.backward();
 */
export function crossEntropy(logits: Tensor, targets: Tensor | ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  checkBackend('crossEntropy', logits);
  if (logits.ndim !== 2) throw new Error(`crossEntropy: logits must be [N, C], got ${fmt(logits.shape)}`);
  const [rows, cols] = logits.shape as [number, number];
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1), got ${ls}`);
  const values = targets instanceof Tensor ? targets.toArray() : targets;
  const tShape = targets instanceof Tensor ? targets.shape : [values.length];
  if (tShape.length !== 1 || values.length !== rows) {
    throw new Error(`crossEntropy: targets must be [${rows}] class indices for logits ${fmt(logits.shape)}, got ${fmt(tShape)}`);
  }
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= cols) {
      throw new Error(`crossEntropy: target ${t} at index ${i} is out of range for ${cols} classes (logits ${fmt(logits.shape)})`);
    }
  }
  const be = getBackend();
  const tgt = targets instanceof Tensor ? targets.share() : wrap(be.fromArray(values), [rows]);
  const { loss, logp } = be.crossEntropy(logits.storage, tgt.storage, rows, cols, ls);
  const lp = wrap(logp, [rows, cols]);
  const perRow = record('crossEntropy', wrap(loss, [rows]), [logits], (g, [lps, t]) => [
    wrap(getBackend().crossEntropyBackward(g.storage, lps!.storage, t!.storage, rows, cols, ls), [rows, cols]),
  ], [lp, tgt]);
  lp.dispose();
  tgt.dispose();
  const reduction = opts.reduction ?? 'mean';
  if (reduction === 'none') return perRow;
  // perRow was made outside any scope of ours, so it is disposed here (a tidy would not own it).
  const reduced = reduction === 'sum' ? sum(perRow) : mean(perRow);
  perRow.dispose();
  return reduced;
}

/** Mean (or summed) squared error. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
  return tidy(() => {
    const d = subtract(input, target);
    const sq = mul(d, d);
    const reduction = opts.reduction ?? 'mean';
    return reduction === 'none' ? sq : reduction === 'sum' ? sum(sq) : mean(sq);
  });
}

