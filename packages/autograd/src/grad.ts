import { checkBool, checkOptions, fail, isTensor } from './check.js';
import { add } from './ops/add.js';
import { ones as onesOf, zeros } from './creation.js';
import { fmt, shapesEqual } from './shape.js';
import { gradientsOf } from './tape.js';
import type { Tensor } from './tensor.js';

export interface GradOptions {
  /**
   * The gradient of each output (`grad_outputs`): required for an output with more than one
   * element; `null` or omitted stands for 1 on a one-element output.
   */
  gradOutputs?: Tensor | ReadonlyArray<Tensor | null>;
  /** Keep the graph's saved tensors for another `grad()` or `backward()` (default false, as PyTorch). */
  retainGraph?: boolean;
  /** `null` for an input the outputs do not depend on, instead of an error (`allow_unused`). */
  allowUnused?: boolean;
  /** Zeros instead of `null` for unused inputs (`materialize_grads`, PyTorch ≥ 2.1); implies allowUnused. */
  materializeGrads?: boolean;
  /** Not supported: gradients are computed with the tape off, so they cannot be differentiated again. */
  createGraph?: boolean;
}

type Many<T> = T | readonly T[];

/**
 * The gradients of `outputs` with respect to `inputs` (PyTorch's `torch.autograd.grad`): one new
 * tensor per input, of the input's shape, summed over all outputs, each output weighted by its
 * `gradOutputs` entry. No `.grad` of any tensor is read or written, and only the part of the
 * graph between the outputs and the inputs is swept (so `grad(loss, [x])` computes no weight
 * gradients). Inputs may be leaves or intermediate results that require grad. The results are
 * owned by the caller (or the enclosing `tidy`).
 * @example const [gx] = grad(crossEntropy(model.forward(x), y), [x]);
 */
export function grad(outputs: Many<Tensor>, inputs: Many<Tensor>, opts?: GradOptions & { allowUnused?: false; materializeGrads?: false }): Tensor[];
export function grad(outputs: Many<Tensor>, inputs: Many<Tensor>, opts: GradOptions & { materializeGrads: true }): Tensor[];
export function grad(outputs: Many<Tensor>, inputs: Many<Tensor>, opts: GradOptions): Array<Tensor | null>;
export function grad(outputs: Many<Tensor>, inputs: Many<Tensor>, opts: GradOptions = {}): Array<Tensor | null> {
  checkOptions('grad', opts, ['gradOutputs', 'retainGraph', 'allowUnused', 'materializeGrads', 'createGraph']);
  for (const k of ['retainGraph', 'allowUnused', 'materializeGrads', 'createGraph'] as const) if (opts[k] !== undefined) checkBool('grad', k, opts[k]);
  if (opts.createGraph) throw new Error('grad: createGraph: true is not supported (gradients are computed with the tape off, so higher-order gradients are not available)');
  const outs: readonly Tensor[] = isList(outputs) ? outputs : [outputs];
  const ins: readonly Tensor[] = isList(inputs) ? inputs : [inputs];
  if (outs.length === 0) throw new Error('grad: outputs is empty');
  if (ins.length === 0) throw new Error('grad: inputs is empty');
  const gos = opts.gradOutputs === undefined ? outs.map(() => null) : isList(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  if (gos.length !== outs.length) throw new Error(`grad: ${outs.length} outputs but ${gos.length} gradOutputs`);
  outs.forEach((y, i) => isTensor(y) || fail('grad', `outputs[${i}]`, 'a Tensor', y));
  ins.forEach((x, i) => isTensor(x) || fail('grad', `inputs[${i}]`, 'a Tensor', x));
  gos.forEach((g, i) => g === null || g === undefined || isTensor(g) || fail('grad', `gradOutputs[${i}]`, 'a Tensor or null', g));
  outs.forEach((y, i) => {
    if (y.isDisposed) throw new Error(`grad: outputs[${i}] was used after dispose()`);
    if (!y.requiresGrad) throw new Error(`grad: outputs[${i}] (shape ${fmt(y.shape)}) does not require grad (no input of the ops that made it has requiresGrad)`);
    const go = gos[i];
    if (go) {
      if (!shapesEqual(go.shape, y.shape)) throw new Error(`grad: gradOutputs[${i}] has shape ${fmt(go.shape)} but outputs[${i}] has shape ${fmt(y.shape)}`);
    } else if (y.size !== 1) {
      throw new Error(`grad: outputs[${i}] has shape ${fmt(y.shape)}; a gradient can be implicitly created only for a one-element output, pass gradOutputs`);
    }
  });
  ins.forEach((x, i) => {
    if (x.isDisposed) throw new Error(`grad: inputs[${i}] was used after dispose()`);
    if (!x.requiresGrad) throw new Error(`grad: inputs[${i}] (shape ${fmt(x.shape)}) does not require grad, so it cannot be differentiated against`);
  });
  const ones: Tensor[] = [];
  try {
    const roots = outs.map((y, i): [Tensor, Tensor] => {
      const go = gos[i];
      if (go) return [y, go];
      const one = onesOf(y.shape);
      ones.push(one);
      return [y, one];
    });
    const found = gradientsOf(roots, ins, add, { retainGraph: opts.retainGraph ?? false });
    const allowUnused = opts.allowUnused || opts.materializeGrads;
    const missing = found.indexOf(null);
    if (missing >= 0 && !allowUnused) {
      for (const g of found) g?.dispose();
      throw new Error(`grad: inputs[${missing}] (shape ${fmt(ins[missing]!.shape)}) was not used to compute the outputs; pass {allowUnused: true} to get null for it`);
    }
    // Handles in the caller's scope over the untracked results (no copy).
    return found.map((g, i) => {
      if (!g) return opts.materializeGrads ? zeros(ins[i]!.shape) : null;
      const mine = g.share();
      g.dispose();
      return mine;
    });
  } finally {
    for (const t of ones) t.dispose();
  }
}

function isList<T>(x: Many<T>): x is readonly T[] {
  return Array.isArray(x);
}
