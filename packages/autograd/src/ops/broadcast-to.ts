import { getBackend } from '../engine.js';
import { broadcastShapes, fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkShape } from '../check.js';
import { checkBackend, unbroadcast, wrap } from './util.js';

/** Materialises x broadcast to `shape` (like `torch.broadcast_to` followed by a copy). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkBackend('broadcastTo', x);
  checkShape('broadcastTo', 'shape', shape);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(target, shape)) throw new Error(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  const out = wrap(getBackend().broadcastTo(x.storage, x.shape, shape), shape);
  return record('broadcastTo', out, [x], (g) => [unbroadcast(g, x.shape)]);
}
