import type { ConvGeometry } from '../backend.js';
import type { FloatArray } from './storage.js';

/** See Note [im2col layout] in backend.ts. */
export function im2colInto(x: FloatArray, g: ConvGeometry, cols: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const p = oh * ow;
  const rows = c * kh * kw;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = (ci * kh + i) * kw + j;
          const base = (ni * rows + row) * p;
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh - ph + i * dh;
            for (let ox = 0; ox < ow; ox++) {
              const xx = ox * sw - pw + j * dw;
              cols[base + oy * ow + ox] = y >= 0 && y < h && xx >= 0 && xx < w ? x[((ni * c + ci) * h + y) * w + xx]! : 0;
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2colInto: out (zeroed by the caller) += scatter(cols). */
export function col2imInto(cols: FloatArray, g: ConvGeometry, out: FloatArray): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const p = oh * ow;
  const rows = c * kh * kw;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const row = (ci * kh + i) * kw + j;
          const base = (ni * rows + row) * p;
          for (let oy = 0; oy < oh; oy++) {
            const y = oy * sh - ph + i * dh;
            if (y < 0 || y >= h) continue;
            for (let ox = 0; ox < ow; ox++) {
              const xx = ox * sw - pw + j * dw;
              if (xx >= 0 && xx < w) out[((ni * c + ci) * h + y) * w + xx]! += cols[base + oy * ow + ox]!;
            }
          }
        }
      }
    }
  }
}
