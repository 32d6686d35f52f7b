import { getBackend, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sum } from './sum.js';
import { where } from './where.js';
import { checkOptions, fail } from '../check.js';
import { checkBackend, describeArg, wrap } from './util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface NllLossOptions {
  reduction?: Reduction;
  /** Per-class weights [C] (constants: no gradient flows into them). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the mean's divisor; default −100, as PyTorch. */
  ignoreIndex?: number;
}

/** Validates class targets [rows] (a tensor, an Int32Array or a number[]) and returns their values. */
export function classTargets(op: string, targets: Tensor | ArrayLike<number>, input: Tensor, ignoreIndex: number, inputName = 'input'): ArrayLike<number> {
  if (!(targets instanceof Tensor) && !Array.isArray(targets) && !(ArrayBuffer.isView(targets) && !(targets instanceof DataView))) {
    fail(op, 'targets', 'a Tensor, an Int32Array or an array of class indices', targets);
  }
  if (targets instanceof Tensor) checkBackend(op, targets);
  const [rows, cols] = input.shape as [number, number];
  const values = targets instanceof Tensor ? targets.toArray() : targets;
  const tShape = targets instanceof Tensor ? targets.shape : [values.length];
  if (tShape.length !== 1 || values.length !== rows) {
    throw new Error(`${op}: targets must be [${rows}] class indices for ${inputName} ${fmt(input.shape)}, got ${fmt(tShape)}`);
  }
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= cols) {
      throw new Error(`${op}: target ${t} at index ${i} is out of range for ${cols} classes (${inputName} ${fmt(input.shape)})`);
    }
  }
  return values;
}

/** Validates `weight` [C] and `ignoreIndex`; returns the weights as numbers (all 1 without weight). */
export function classWeights(op: string, weight: Tensor | null | undefined, cols: number, ignoreIndex: number): ArrayLike<number> {
  if (typeof ignoreIndex !== 'number' || !Number.isInteger(ignoreIndex)) throw new Error(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  if (weight === null || weight === undefined) return new Float64Array(cols).fill(1);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor of shape [${cols}], got ${describeArg(weight)}`);
  checkBackend(op, weight);
  if (weight.ndim !== 1 || weight.shape[0] !== cols) throw new Error(`${op}: weight must be [${cols}] (one per class), got ${fmt(weight.shape)}`);
  return weight.toArray();
}

/** Checks `reduction`, naming the op. */
export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  return reduction;
}

/**
 * Negative log-likelihood of log-probabilities [N, C] against class targets [N]
 * (`torch.nn.functional.nll_loss`): loss_i = −weight[t_i] · input[i, t_i], 0 where t_i equals
 * ignoreIndex; 'mean' divides the sum by Σ weight[t_i] over the rows not ignored (NaN when every
 * row is ignored, as PyTorch).
 *
 * Composed: the picked entries are where(onehot, input, 0) summed over classes (an [N, C] mask
 * built from the targets), so −∞ in a class not picked stays out.
 * @example nllLoss(logSoftmax(logits, 1), labels, { weight: classWeights })
 */
export function nllLoss(input: Tensor, targets: Tensor | ArrayLike<number>, opts: NllLossOptions = {}): Tensor {
  checkBackend('nllLoss', input);
  checkOptions('nllLoss', opts, ['reduction', 'weight', 'ignoreIndex']);
  if (input.ndim !== 2) throw new Error(`nllLoss: input must be [N, C] log-probabilities, got ${fmt(input.shape)}`);
  const reduction = checkReduction('nllLoss', opts.reduction ?? 'mean');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const w = classWeights('nllLoss', opts.weight, input.shape[1]!, ignoreIndex);
  const t = classTargets('nllLoss', targets, input, ignoreIndex);
  return pickedLoss(input, t, w, ignoreIndex, reduction);
}

/** −w[t_i]·input[i, t_i] per row (0 for ignored rows), reduced; shared with crossEntropy. */
export function pickedLoss(input: Tensor, t: ArrayLike<number>, w: ArrayLike<number>, ignoreIndex: number, reduction: Reduction): Tensor {
  const [rows, cols] = input.shape as [number, number];
  const onehot = new Float64Array(rows * cols);
  const rowWeight = new Float64Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    if (t[i] === ignoreIndex) continue;
    onehot[i * cols + t[i]!] = 1;
    rowWeight[i] = w[t[i]!]!;
    total += rowWeight[i]!;
  }
  const be = getBackend();
  return tidy(() => {
    const perRow = neg(mul(sum(where(wrap(be.fromArray(onehot), [rows, cols]), input, 0), 1), wrap(be.fromArray(rowWeight), [rows])));
    if (reduction === 'none') return perRow;
    const s = sum(perRow);
    return reduction === 'sum' ? s : div(s, total);
  });
}
