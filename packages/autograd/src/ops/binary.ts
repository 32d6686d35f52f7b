import type { Backend, Shape, Storage } from '../backend.js';
import { getBackend } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { notifyOp } from '../op-observer.js';
import { record, type Vjp } from '../tape.js';
import { checkBackend, type TensorLike, withTensors, wrap } from './util.js';

type BinaryKernel = (b: Backend, a: Storage, aShape: Shape, bb: Storage, bShape: Shape, outShape: Shape) => Storage;

/** Forward of a broadcasting binary primitive, recorded with its vjp (saved: [a, b, out]). */
export function broadcastBinary(op: string, a: TensorLike, b: TensorLike, kernel: BinaryKernel, vjp: Vjp | null, saveOut = false): Tensor {
  return withTensors([a, b], ([x, y]) => {
    checkBackend(op, x!, y!);
    const outShape = broadcastShapes(op, x!.shape, y!.shape);
    const out = wrap(kernel(getBackend(), x!.storage, x!.shape, y!.storage, y!.shape, outShape), outShape);
    if (!vjp) {
      notifyOp(op, out, [x!, y!]);
      return out;
    }
    return record(op, out, [x!, y!], vjp, saveOut ? [x!, y!, out] : [x!, y!]);
  });
}
