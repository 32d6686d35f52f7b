/**
 * Counts of (true class, predicted class) pairs: `cm[t][p]`, rows = true class,
 * columns = predicted class, `[numClasses, numClasses]`.
 *
 * @example confusionMatrix([0, 1, 1], [0, 1, 0], 2) // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
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

/**
 * Recall per class: `cm[c][c] / sum(cm[c])` -> `[numClasses]`; NaN for a class with no examples.
 * @example perClassAccuracy([[1, 1], [0, 1]]) // [0.5, 1]
 */
export function perClassAccuracy(cm: readonly (readonly number[])[]): number[] {
  return cm.map((row, c) => {
    if (row.length !== cm.length) {
      throw new RangeError(`perClassAccuracy: confusion matrix must be square, row ${c} has ${row.length} entries for ${cm.length} rows`);
    }
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[c]! / total;
  });
}

/** The best and worst class by accuracy and the gap between them. */
export interface ClassGap {
  /** Class index with the highest accuracy (first on ties). */
  best: number;
  /** Class index with the lowest accuracy (first on ties). */
  worst: number;
  bestAccuracy: number;
  worstAccuracy: number;
  /** `bestAccuracy - worstAccuracy`. */
  gap: number;
}

/**
 * Finds the best and worst classes of `perClassAccuracy` output, ignoring NaN (empty) classes.
 * @example largestClassGap([0.9, 0.5, 0.7]) // {best: 0, worst: 1, gap: 0.4, ...}
 */
export function largestClassGap(perClass: ArrayLike<number>): ClassGap {
  let best = -1;
  let worst = -1;
  for (let c = 0; c < perClass.length; c++) {
    const a = perClass[c]!;
    if (Number.isNaN(a)) continue;
    if (best < 0 || a > perClass[best]!) best = c;
    if (worst < 0 || a < perClass[worst]!) worst = c;
  }
  if (best < 0) throw new RangeError(`largestClassGap: no class has a defined accuracy (${perClass.length} classes, all NaN or none)`);
  const bestAccuracy = perClass[best]!;
  const worstAccuracy = perClass[worst]!;
  return { best, worst, bestAccuracy, worstAccuracy, gap: bestAccuracy - worstAccuracy };
}
