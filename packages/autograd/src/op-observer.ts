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
}

export type OpObserver = (e: ObservedOp) => void;

let current: OpObserver | null = null;

/**
 * Runs fn with `observer` called for every primitive op it applies, whether or not grad mode is
 * on (the ONNX exporter traces a forward with it). Observers nest: the inner one replaces the
 * outer one for the duration of fn. Composite ops (matmul, softmax, conv1d, mean, flatten) show
 * up as the primitives they are made of.
 * @example observeOps((e) => ops.push(e.op), () => noGrad(() => model.forward(x)))
 */
export function observeOps<T>(observer: OpObserver, fn: () => T): T {
  const prev = current;
  current = observer;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** Called by every primitive's forward (through `record`, or directly for those that record nothing). */
export function notifyOp(op: string, output: Tensor, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>> = {}): void {
  if (current) current({ op, inputs, output, attrs });
}
