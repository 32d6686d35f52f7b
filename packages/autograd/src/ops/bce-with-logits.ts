import { tidy } from '../engine.js';
import { broadcastShapes, fmt, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add } from './add.js';
import { checkReduction, type Reduction } from './nll-loss.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { softplus } from './softplus.js';
import { sub } from './sub.js';
import { mean, sum } from './sum.js';
import { checkOptions } from '../check.js';
import { checkBackend, describeArg } from './util.js';

export interface BceWithLogitsOptions {
  reduction?: Reduction;
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: Tensor | null;
  /** Weight of the positive term, broadcast over the input (usually [C], one per class). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy of logits x against targets y in [0, 1] of the same shape
 * (`torch.nn.functional.binary_cross_entropy_with_logits`):
 * ℓ = weight · [(1 − y)·x + (1 + (posWeight − 1)·y) · log(1 + e⁻ˣ)], with log(1 + e⁻ˣ) =
 * softplus(−x) computed without overflow; 'mean' averages over all elements.
 * @example bceWithLogits(model.forward(x), labels) // multi-label, labels of 0s and 1s
 */
export function bceWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  checkBackend('bceWithLogits', input);
  if (!(target instanceof Tensor)) throw new TypeError(`bceWithLogits: target must be a Tensor of the input's shape ${fmt(input.shape)}, got ${describeArg(target)}`);
  checkBackend('bceWithLogits', input, target);
  checkOptions('bceWithLogits', opts, ['reduction', 'weight', 'posWeight']);
  if (!shapesEqual(input.shape, target.shape)) throw new Error(`bceWithLogits: target ${fmt(target.shape)} must have the input's shape ${fmt(input.shape)}`);
  const reduction = checkReduction('bceWithLogits', opts.reduction ?? 'mean');
  for (const [name, t] of [['weight', opts.weight], ['posWeight', opts.posWeight]] as const) {
    if (t === null || t === undefined) continue;
    if (!(t instanceof Tensor)) throw new TypeError(`bceWithLogits: ${name} must be a Tensor, got ${describeArg(t)}`);
    checkBackend('bceWithLogits', t);
    let ok = true;
    try {
      ok = shapesEqual(broadcastShapes('bceWithLogits', t.shape, input.shape), input.shape);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`bceWithLogits: ${name} ${fmt(t.shape)} does not broadcast to the input's shape ${fmt(input.shape)}`);
  }
  return tidy(() => {
    const sp = softplus(neg(input), { threshold: Infinity });
    const logWeight = opts.posWeight ? add(mul(sub(opts.posWeight, 1), target), 1) : null;
    let loss = add(mul(sub(1, target), input), logWeight ? mul(logWeight, sp) : sp);
    if (opts.weight) loss = mul(loss, opts.weight);
    return reduction === 'none' ? loss : reduction === 'sum' ? sum(loss) : mean(loss);
  });
}
