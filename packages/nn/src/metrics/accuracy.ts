import { checkArrayLike } from '../check.js';

/**
 * Fraction of positions where `predicted[i] === labels[i]`; NaN for empty inputs.
 * @example accuracy(Int32Array.of(1, 2, 3), Int32Array.of(1, 0, 3)) // 2/3
 */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkArrayLike('accuracy', 'predicted', predicted);
  checkArrayLike('accuracy', 'labels', labels);
  if (predicted.length !== labels.length) {
    throw new RangeError(`accuracy: predicted has ${predicted.length} entries but labels has ${labels.length}`);
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}
