import { checkArrayLike } from '../check.js';

/**
 * Counts of (true class, predicted class) pairs: `cm[t][p]`, rows = true class,
 * columns = predicted class, `[numClasses, numClasses]`.
 *
 * @example confusionMatrix([0, 1, 1], [0, 1, 0], 2) // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
  checkArrayLike('confusionMatrix', 'predicted', predicted);
  checkArrayLike('confusionMatrix', 'labels', labels);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
  }
  if (predicted.length !== labels.length) {
    throw new RangeError(`confusionMatrix: predicted has ${predicted.length} entries but labels has ${labels.length}`);
  }
  const cm = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses && Number.isInteger(p) && p >= 0 && p < numClasses)) {
      throw new RangeError(`confusionMatrix: entry ${i} has label ${t}, prediction ${p}, outside 0..${numClasses - 1}`);
    }
    cm[t]![p]!++;
  }
  return cm;
}
