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

/** dx = dy − exp(y) · Σ_row dy, for y = logSoftmax(x). */
export function logSoftmaxBackwardInto(dy: FloatArray, y: FloatArray, rows: number, cols: number, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += dy[r * cols + c]!;
    for (let c = 0; c < cols; c++) out[r * cols + c] = dy[r * cols + c]! - Math.exp(y[r * cols + c]!) * s;
  }
}

/** Per-row loss from logp = logSoftmax(logits), with label smoothing ls. */
export function crossEntropyInto(logp: FloatArray, t: FloatArray, rows: number, cols: number, ls: number, loss: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += logp[r * cols + c]!;
    loss[r] = -(1 - ls) * logp[r * cols + t[r]!]! - (ls / cols) * s;
  }
}

/** d logits = dloss · (softmax − q), q the smoothed one-hot target. */
export function crossEntropyBackwardInto(dl: FloatArray, lp: FloatArray, t: FloatArray, rows: number, cols: number, ls: number, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const q = (c === t[r] ? 1 - ls : 0) + ls / cols;
      out[r * cols + c] = dl[r]! * (Math.exp(lp[r * cols + c]!) - q);
    }
  }
}
