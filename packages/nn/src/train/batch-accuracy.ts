import type { Tensor } from '@tapegrad/autograd';
import { argmaxRows } from '../metrics/argmax-rows.js';

/** Number of rows of logits [N, C] whose argmax equals the label. */
export function argmaxRowsAccuracy(logits: Tensor, labels: ArrayLike<number>): number {
  const [rows, cols] = logits.shape as [number, number];
  const pred = argmaxRows(logits.toFloat32Array(), rows, cols);
  let hits = 0;
  for (let i = 0; i < rows; i++) if (pred[i] === labels[i]) hits++;
  return hits;
}
