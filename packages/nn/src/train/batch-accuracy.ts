import type { Tensor } from '@tapegrad/autograd';
import { checkArrayLike, checkTensor } from '../check.js';
import { argmaxRows } from '../metrics/argmax-rows.js';

/** Number of rows of logits [N, C] whose argmax equals the label. */
export function argmaxRowsAccuracy(logits: Tensor, labels: ArrayLike<number>): number {
  if (checkTensor('argmaxRowsAccuracy', 'logits', logits).ndim !== 2) throw new RangeError(`argmaxRowsAccuracy: logits must be [N, C], got [${logits.shape.join(',')}]`);
  const [rows, cols] = logits.shape as [number, number];
  if (checkArrayLike('argmaxRowsAccuracy', 'labels', labels).length !== rows) throw new RangeError(`argmaxRowsAccuracy: labels has ${labels.length} entries but logits [${logits.shape.join(',')}] has ${rows} rows`);
  const pred = argmaxRows(logits.toFloat32Array(), rows, cols);
  let hits = 0;
  for (let i = 0; i < rows; i++) if (pred[i] === labels[i]) hits++;
  return hits;
}
