import { getBackend, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { add } from './add.js';
import { div } from './div.js';
import { logSoftmax } from './log-softmax.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { checkReduction, classTargets, classWeights, pickedLoss, type Reduction } from './nll-loss.js';
import { sub as subtract } from './sub.js';
import { mean, sum } from './sum.js';
import { where } from './where.js';
import { checkOptions } from '../check.js';
import { checkBackend, wrap } from './util.js';

export type { Reduction } from './nll-loss.js';

export interface CrossEntropyOptions {
  reduction?: Reduction;
  /** ε in [0, 1): the target mixes (1 − ε)·one-hot with ε/C uniform, as in PyTorch. */
  labelSmoothing?: number;
  /** Per-class weights [C] (constants: no gradient flows into them), as PyTorch's `weight`. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the mean's divisor; default −100, as PyTorch. */
  ignoreIndex?: number;
}

/**
 * Cross-entropy of logits [N, C] against integer class targets [N] (a tensor of class indices, an
 * Int32Array or a number[]), as `torch.nn.functional.cross_entropy`: log-softmax and NLL fused,
 * stable for large logits. With `weight` or an ignored target it is logSoftmax + `nllLoss` (and
 * the smoothing term), with PyTorch's conventions: 'mean' divides by Σ weight[t_i] over the rows
 * not ignored, and the smoothing term −Σ_c weight_c·logp[i, c] is divided by the same sum.
 * @example const loss = crossEntropy(model.forward(x), labels); loss.backward();
 */
export function crossEntropy(logits: Tensor, targets: Tensor | ArrayLike<number>, opts: CrossEntropyOptions = {}): Tensor {
  checkBackend('crossEntropy', logits);
  checkOptions('crossEntropy', opts, ['reduction', 'labelSmoothing', 'weight', 'ignoreIndex']);
  if (logits.ndim !== 2) throw new Error(`crossEntropy: logits must be [N, C], got ${fmt(logits.shape)}`);
  const [rows, cols] = logits.shape as [number, number];
  const ls = opts.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls < 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1), got ${ls}`);
  const reduction = checkReduction('crossEntropy', opts.reduction ?? 'mean');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const w = classWeights('crossEntropy', opts.weight, cols, ignoreIndex);
  const values = classTargets('crossEntropy', targets, logits, ignoreIndex, 'logits');
  let ignored = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === ignoreIndex) ignored++;
  if (opts.weight || ignored > 0) return weightedCrossEntropy(logits, values, w, ignoreIndex, ls, reduction, !!opts.weight);
  const be = getBackend();
  const tgt = targets instanceof Tensor ? targets.share() : wrap(be.fromArray(values), [rows]);
  const { loss, logp } = be.crossEntropy(logits.storage, tgt.storage, rows, cols, ls);
  const lp = wrap(logp, [rows, cols]);
  const perRow = record('crossEntropy', wrap(loss, [rows]), [logits], (g, [lps, t]) => [
    wrap(getBackend().crossEntropyBackward(g.storage, lps!.storage, t!.storage, rows, cols, ls), [rows, cols]),
  ], [lp, tgt]);
  lp.dispose();
  tgt.dispose();
  if (reduction === 'none') return perRow;
  // perRow was made outside any scope of ours, so it is disposed here (a tidy would not own it).
  const reduced = reduction === 'sum' ? sum(perRow) : mean(perRow);
  perRow.dispose();
  return reduced;
}

/**
 * (1 − ε)·nll + (ε/C)·smooth, PyTorch's `cross_entropy_loss_label_smoothing` with class weights:
 * smooth_i = −Σ_c w_c·logp[i, c] (0 for ignored rows), reduced like nll ('mean': over Σ w[t_i]).
 */
function weightedCrossEntropy(logits: Tensor, t: ArrayLike<number>, w: ArrayLike<number>, ignoreIndex: number, ls: number, reduction: Reduction, weighted: boolean): Tensor {
  const [rows, cols] = logits.shape as [number, number];
  return tidy(() => {
    const logp = logSoftmax(logits, 1);
    const nll = pickedLoss(logp, t, w, ignoreIndex, reduction);
    if (ls === 0) return nll;
    const be = getBackend();
    const kept = new Float64Array(rows);
    let denom = 0;
    for (let i = 0; i < rows; i++) {
      if (t[i] === ignoreIndex) continue;
      kept[i] = 1;
      denom += weighted ? w[t[i]!]! : 1;
    }
    const weightedLogp = weighted ? mul(logp, wrap(be.fromArray(w), [cols])) : logp;
    const smooth = where(wrap(be.fromArray(kept), [rows]), neg(sum(weightedLogp, 1)), 0);
    const reduced = reduction === 'none' ? smooth : reduction === 'sum' ? sum(smooth) : div(sum(smooth), denom);
    return add(mul(nll, 1 - ls), mul(reduced, ls / cols));
  });
}

/** Mean (or summed) squared error. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkBackend('mseLoss', input, target);
  checkOptions('mseLoss', opts, ['reduction']);
  const reduction = checkReduction('mseLoss', opts.reduction ?? 'mean');
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
  return tidy(() => {
    const d = subtract(input, target);
    const sq = mul(d, d);
    return reduction === 'none' ? sq : reduction === 'sum' ? sum(sq) : mean(sq);
  });
}
