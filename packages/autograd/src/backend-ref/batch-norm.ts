import type { AdamParams, BatchNormParams, SgdParams } from '../backend.js';
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

/** torch.optim.SGD's update, one parameter. */
export function sgdInto(p: FloatArray, g: FloatArray, buf: FloatArray | null, o: SgdParams): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i]! + o.weightDecay * p[i]!;
    if (o.momentum !== 0 && buf) {
      buf[i] = o.firstStep ? d : o.momentum * buf[i]! + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i]! : buf[i]!;
    }
    p[i] = p[i]! - o.lr * d;
  }
}

/** torch.optim.Adam / AdamW's update, one parameter. */
export function adamInto(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, o: AdamParams): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  const stepSize = o.lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.weightDecay);
    else gi += o.weightDecay * p[i]!;
    m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
    p[i] = p[i]! - stepSize * m[i]! / (Math.sqrt(v[i]!) / sqrtBc2 + o.eps);
  }
}

/** lowbias32, the hash behind dropout masks (see `Backend.dropoutMask`). */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export function dropoutMaskInto(out: FloatArray, p: number, seed: number): void {
  const scale = 1 / (1 - p);
  for (let i = 0; i < out.length; i++) {
    const u = (hash32((seed + Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) * 2 ** -24;
    out[i] = u < p ? 0 : scale;
  }
}
