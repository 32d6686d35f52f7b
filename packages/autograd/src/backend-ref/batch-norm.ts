import type { BatchNormParams } from '../backend.js';
import type { FloatArray } from './storage.js';

export function batchNormInto(x: FloatArray, rm: FloatArray, rv: FloatArray, weight: FloatArray | null, bias: FloatArray | null, p: BatchNormParams, y: FloatArray, saved: FloatArray): void {
  const { n, c, spatial, eps, momentum, training } = p;
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let varB: number;
    if (training) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < spatial; k++) s += x[(i * c + ch) * spatial + k]!;
      mean = s / count;
      let ss = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < spatial; k++) ss += (x[(i * c + ch) * spatial + k]! - mean) ** 2;
      varB = ss / count;
      const unbiased = count > 1 ? ss / (count - 1) : varB;
      rm[ch] = (1 - momentum) * rm[ch]! + momentum * mean;
      rv[ch] = (1 - momentum) * rv[ch]! + momentum * unbiased;
    } else {
      mean = rm[ch]!;
      varB = rv[ch]!;
    }
    const invstd = 1 / Math.sqrt(varB + eps);
    saved[ch] = mean;
    saved[c + ch] = invstd;
    const wv = weight ? weight[ch]! : 1;
    const bv = bias ? bias[ch]! : 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < spatial; k++) {
        const idx = (i * c + ch) * spatial + k;
        y[idx] = (x[idx]! - mean) * invstd * wv + bv;
      }
    }
  }
}

export function batchNormBackwardInto(dy: FloatArray, x: FloatArray, saved: FloatArray, weight: FloatArray | null, p: BatchNormParams, dx: FloatArray, dw: FloatArray, db: FloatArray): void {
  const { n, c, spatial, training } = p;
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    const mean = saved[ch]!;
    const invstd = saved[c + ch]!;
    let sdy = 0;
    let sdyx = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < spatial; k++) {
        const idx = (i * c + ch) * spatial + k;
        sdy += dy[idx]!;
        sdyx += dy[idx]! * (x[idx]! - mean) * invstd;
      }
    }
    db[ch] = sdy;
    dw[ch] = sdyx;
    const wv = weight ? weight[ch]! : 1;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < spatial; k++) {
        const idx = (i * c + ch) * spatial + k;
        if (training) {
          const xhat = (x[idx]! - mean) * invstd;
          dx[idx] = (wv * invstd / count) * (count * dy[idx]! - sdy - xhat * sdyx);
        } else {
          dx[idx] = dy[idx]! * wv * invstd;
        }
      }
    }
  }
}
