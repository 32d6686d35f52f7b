import type { ConvGeometry, GemmParams } from '../backend.js';
import type { FloatArray } from './storage.js';

/** The spec of `Backend.gemm`: a plain triple loop, accumulated in float64. */
export function gemmInto(a: FloatArray, b: FloatArray, out: FloatArray, p: GemmParams, bias: FloatArray | null): void {
  const { batch, m, n, k, transA, transB, strideA, strideB } = p;
  // Element (i, l) of op(A) is a[aOff + i·ars + l·acs]; element (l, j) of op(B) is b[bOff + l·brs + j·bcs].
  const [ars, acs] = transA ? [1, m] : [k, 1];
  const [brs, bcs] = transB ? [1, k] : [n, 1];
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * strideA;
    const bOff = bi * strideB;
    const cOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      const aRow = aOff + i * ars;
      for (let j = 0; j < n; j++) {
        const bCol = bOff + j * bcs;
        let acc = 0;
        for (let l = 0; l < k; l++) acc += a[aRow + l * acs]! * b[bCol + l * brs]!;
        if (bias) acc += bias[j]!;
        if (p.relu && acc < 0) acc = 0;
        out[cOff + i * n + j] = acc;
      }
    }
  }
}

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
