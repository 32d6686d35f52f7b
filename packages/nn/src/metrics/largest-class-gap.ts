import { checkArrayLike } from '../check.js';

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
  checkArrayLike('largestClassGap', 'perClass', perClass);
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
