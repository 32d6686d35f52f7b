import type { ConvGeometry } from '@tapegrad/autograd';
import { beforeAll, describe, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { EPS32, expectClose, randomArray, withNanOutput } from './helpers.js';

/** Scalar references; window taps outside the input are −∞ (max) or 0 counted in KH·KW (avg). */
function poolRef(x: Float32Array, dy: Float32Array, g: ConvGeometry) {
  const planes = g.n * g.c;
  const maxY = new Float32Array(planes * g.oh * g.ow);
  const avgY = new Float64Array(maxY.length);
  const maxDx = new Float64Array(planes * g.h * g.w);
  const avgDx = new Float64Array(maxDx.length);
  for (let pl = 0; pl < planes; pl++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const o = (pl * g.oh + oy) * g.ow + ox;
    let best = -Infinity;
    let bestAt = -1;
    let sum = 0;
    for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      const iy = oy * g.sh - g.ph + i * g.dh;
      const ix = ox * g.sw - g.pw + j * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      const at = (pl * g.h + iy) * g.w + ix;
      if (x[at]! > best) { best = x[at]!; bestAt = at; }
      sum += x[at]!;
      avgDx[at]! += dy[o]! / (g.kh * g.kw);
    }
    maxY[o] = best;
    avgY[o] = sum / (g.kh * g.kw);
    if (bestAt >= 0) maxDx[bestAt]! += dy[o]!;
  }
  return { maxY, avgY, maxDx, avgDx };
}

const CASES: Array<{ x: [number, number, number, number]; k: [number, number]; s: [number, number]; p: [number, number]; d?: [number, number] }> = [
  { x: [2, 3, 8, 8], k: [2, 2], s: [2, 2], p: [0, 0] },
  { x: [1, 2, 7, 9], k: [3, 3], s: [2, 2], p: [1, 1] },
  { x: [1, 1, 5, 5], k: [2, 3], s: [1, 2], p: [0, 1] },
  { x: [3, 2, 9, 9], k: [3, 3], s: [3, 3], p: [0, 0] },
  { x: [2, 16, 24, 24], k: [2, 2], s: [2, 2], p: [0, 0] },
  { x: [1, 2, 11, 10], k: [3, 2], s: [1, 1], p: [1, 1], d: [2, 3] },
];

describe('pooling', () => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend(); });

  for (const c of CASES) {
    it(`max and avg pool x=[${c.x}] k=[${c.k}] s=[${c.s}] p=[${c.p}] d=[${c.d ?? [1, 1]}], forward and backward`, () => {
      const [n, ch, h, w] = c.x;
      const [kh, kw] = c.k;
      const [sh, sw] = c.s;
      const [ph, pw] = c.p;
      const [dh, dw] = c.d ?? [1, 1];
      const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
      const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
      const g: ConvGeometry = { n, c: ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
      const xData = randomArray(n * ch * h * w, 11);
      const dyData = randomArray(n * ch * oh * ow, 12);
      const x = backend.fromArray(xData);
      const dy = backend.fromArray(dyData);
      const want = poolRef(xData, dyData, g);
      const outSize = n * ch * oh * ow;
      const { y, argmax } = withNanOutput(backend, outSize, () => backend.maxPool2d(x, g), (r) => r.y);
      expectClose(backend.read(y), want.maxY, 0, 0);
      const maxDx = withNanOutput(backend, n * ch * h * w, () => backend.maxPool2dBackward(dy, argmax, g));
      // A dx element collects at most ceil(K/s)² window maxima.
      expectClose(backend.read(maxDx), want.maxDx, 0, 4 * EPS32 * kh * kw);
      const avgY = withNanOutput(backend, outSize, () => backend.avgPool2d(x, g));
      expectClose(backend.read(avgY), want.avgY, 0, 4 * EPS32 * kh * kw);
      const avgDx = withNanOutput(backend, n * ch * h * w, () => backend.avgPool2dBackward(dy, g));
      expectClose(backend.read(avgDx), want.avgDx, 0, 4 * EPS32 * kh * kw);
    });
  }
});
