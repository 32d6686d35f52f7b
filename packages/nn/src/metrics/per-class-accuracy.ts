import { fail } from '../check.js';

/**
 * Recall per class: `cm[c][c] / sum(cm[c])` -> `[numClasses]`; NaN for a class with no examples.
 * @example perClassAccuracy([[1, 1], [0, 1]]) // [0.5, 1]
 */
export function perClassAccuracy(cm: readonly (readonly number[])[]): number[] {
  if (!Array.isArray(cm)) fail('perClassAccuracy', 'cm', 'a square confusion matrix (an array of rows)', cm);
  return cm.map((row, c) => {
    if (!Array.isArray(row)) fail('perClassAccuracy', `cm[${c}]`, 'an array of counts', row);
    if (row.length !== cm.length) {
      throw new RangeError(`perClassAccuracy: confusion matrix must be square, row ${c} has ${row.length} entries for ${cm.length} rows`);
    }
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? NaN : row[c]! / total;
  });
}
