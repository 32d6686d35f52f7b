import type { ConvGeometry } from '../backend.js';
import type { FloatArray } from './storage.js';

/** argmax holds, per output, the flat index into its input plane (y·W + x), or −1 for an all-padding window. */
export function maxPoolInto(x: FloatArray, g: ConvGeometry, y: FloatArray, argmax: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  for (let plane = 0; plane < n * c; plane++) {
    const xBase = plane * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let bestIdx = -1;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = x[xBase + iy * w + ix]!;
            // NaN propagates, as in PyTorch.
            if (v > best || bestIdx < 0 || Number.isNaN(v)) {
              best = v;
              bestIdx = iy * w + ix;
              if (Number.isNaN(v)) break;
            }
          }
        }
        const o = (plane * oh + oy) * ow + ox;
        y[o] = best;
        argmax[o] = bestIdx;
      }
    }
  }
}

export function maxPoolBackwardInto(dy: FloatArray, argmax: FloatArray, g: ConvGeometry, dx: FloatArray): void {
  const { n, c, h, w, oh, ow } = g;
  for (let plane = 0; plane < n * c; plane++) {
    for (let o = 0; o < oh * ow; o++) {
      const idx = argmax[plane * oh * ow + o]!;
      if (idx >= 0) dx[plane * h * w + idx]! += dy[plane * oh * ow + o]!;
    }
  }
}

/** Average pooling with count_include_pad (divisor kh·kw). forward: dir = 1; backward: dir = −1. */
export function avgPoolInto(src: FloatArray, g: ConvGeometry, dst: FloatArray, backward: boolean): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const inv = 1 / (kh * kw);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const o = (plane * oh + oy) * ow + ox;
        let acc = 0;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const xi = plane * h * w + iy * w + ix;
            if (backward) dst[xi]! += src[o]! * inv;
            else acc += src[xi]!;
          }
        }
        if (!backward) dst[o] = acc * inv;
      }
    }
  }
}
