import type { FloatArray } from './storage.js';

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
