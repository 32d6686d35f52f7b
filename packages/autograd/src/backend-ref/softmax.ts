import type { FloatArray } from './storage.js';

export function logSoftmaxInto(x: FloatArray, rows: number, cols: number, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) mx = Math.max(mx, x[o + c]!);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[o + c]! - mx);
    const lse = mx + Math.log(s);
    for (let c = 0; c < cols; c++) out[o + c] = x[o + c]! - lse;
  }
}
