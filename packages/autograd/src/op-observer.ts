import { checkFunction, fail, isTensor } from './check.js';
import type { Tensor } from './tensor.js';

/**
 * One op application as a forward pass ran it: the primitive's name (as recorded on the tape),
 * its tensor inputs, its output and the attributes that the shapes alone do not determine
 * (conv and pool geometry, permutation, reduced axes, slice box, padding, batch-norm running
 * statistics, GEMM transpose flags).
 */
export interface ObservedOp {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: Readonly<Record<string, unknown>>;
  /**
   * 0 for an op the observed function applied itself; one more than its composite's for an op
   * applied inside a composite op (see `asParts`): those are the parts of the next op observed at
   * a smaller depth.
   */
  readonly depth: number;
}

export type OpObserver = (e: ObservedOp) => void;

let current: OpObserver | null = null;
let depth = 0;

/**
 * Runs fn with `observer` called for every primitive op it applies, whether or not grad mode is
 * on (the ONNX exporter traces a forward with it). Observers nest: the inner one replaces the
 * outer one for the duration of fn. Composite ops (matmul, softmax, conv1d, mean, flatten) show
 * up as the primitives they are made of.
 * @example observeOps((e) => ops.push(e.op), () => noGrad(() => model.forward(x)))
 */
export function observeOps<T>(observer: OpObserver, fn: () => T): T {
  checkFunction('observeOps', 'observer', observer);
  checkFunction('observeOps', 'fn', fn);
  const prev = current;
  const prevDepth = depth;
  current = observer;
  depth = 0;
  try {
    return fn();
  } finally {
    current = prev;
    depth = prevDepth;
  }
}

/**
 * Note [composite ops]: an op composed of others (elu, leakyRelu, gelu, softplus, norm, argmax,
 * gather, layerNorm, dropout in training) runs its forward under `asParts`, so an observer sees
 * the ops it is made of at depth + 1, and then the op itself, with its attributes, at the outer
 * depth — recorded by the op (`record`) or notified by `composite`. An exporter maps the whole to
 * one node where the target has one (ONNX Elu, LeakyRelu, ArgMax, LayerNormalization) and falls
 * back to the parts where it has not; the tape is unchanged.
 */
export function asParts<T>(fn: () => T): T {
  checkFunction('asParts', 'fn', fn);
  if (!current) return fn();
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

/**
 * Runs `fn` (a composed op's forward) with its ops observed as parts, then notifies `op` with
 * fn's result as its output (see Note [composite ops]). Costs nothing when nothing observes.
 * @example return composite('leakyRelu', [x], { negativeSlope }, () => tidy(() => where(greater(x, 0), x, mul(x, negativeSlope))));
 */
export function composite<T extends Tensor>(op: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, fn: () => T): T {
  if (typeof op !== 'string') fail('composite', 'op', "the op's name (a string)", op);
  if (!Array.isArray(inputs) || !inputs.every(isTensor)) fail('composite', 'inputs', 'an array of Tensors', inputs);
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) fail('composite', 'attrs', 'an object', attrs);
  checkFunction('composite', 'fn', fn);
  if (!current) return fn();
  const out = asParts(fn);
  notifyOp(op, out, inputs, attrs);
  return out;
}

/** Called by every primitive's forward (through `record`, or directly for those that record nothing). */
export function notifyOp(op: string, output: Tensor, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>> = {}): void {
  if (current) current({ op, inputs, output, attrs, depth });
}
