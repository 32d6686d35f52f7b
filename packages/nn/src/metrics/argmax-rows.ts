import { checkArrayLike } from '../check.js';

/**
 * Index of the largest value in each row of a row-major `[rows, cols]` matrix -> `[rows]`.
 * Ties go to the first index. NOTE: as in PyTorch, NaN counts as the largest value, so a
 * diverged model shows up as constant predictions instead of being silently hidden.
 *
 * @example argmaxRows(Float32Array.of(0.1, 0.7, 0.2, 0.9, 0, 0), 2, 3) // [1, 0]
 */
export function argmaxRows(logits: ArrayLike<number>, rows: number, cols: number): Int32Array {
  checkArrayLike('argmaxRows', 'logits', logits);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1 || logits.length !== rows * cols) {
    throw new RangeError(`argmaxRows: logits has ${logits.length} values but [rows=${rows}, cols=${cols}] needs ${rows * cols} (cols >= 1)`);
  }
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let best = 0;
    let bestV = logits[off]!;
    if (bestV === bestV) {
      for (let c = 1; c < cols; c++) {
        const v = logits[off + c]!;
        if (v !== v) {
          best = c;
          break;
        }
        if (v > bestV) {
          bestV = v;
          best = c;
        }
      }
    }
    out[r] = best;
  }
  return out;
}
