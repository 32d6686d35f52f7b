import { type ConvGeometry, createRefBackend } from '@tapegrad/autograd';
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
  // 2×2 windows tiling the plane, 7 per row: the f32x4 backward (four windows) and its scalar tail.
  { x: [2, 3, 10, 14], k: [2, 2], s: [2, 2], p: [0, 0] },
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

describe('max pool 2×2 stride 2 fast path (the case-study pool)', () => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend(); });

  for (const shape of [[1, 1, 4, 4], [2, 3, 7, 9], [3, 16, 24, 24]] as const) {
    it(`x=[${shape}] with ties and NaNs: same outputs and argmax routing as the reference backend`, () => {
      const [n, c, h, w] = shape;
      const oh = Math.floor(h / 2);
      const ow = Math.floor(w / 2);
      const g: ConvGeometry = { n, c, h, w, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh, ow };
      // Small integers make ties common; every 13th value is NaN, so windows with one or more NaNs occur.
      const xData = Float32Array.from({ length: n * c * h * w }, (_, i) => (i % 13 === 5 ? NaN : ((i * 7919) % 5) - 2));
      const dyData = randomArray(n * c * oh * ow, 21);
      const ref = createRefBackend();
      const want = ref.maxPool2d(ref.fromArray(xData), g);
      const wantDx = ref.maxPool2dBackward(ref.fromArray(dyData), want.argmax, g);
      const x = backend.fromArray(xData);
      const { y, argmax } = withNanOutput(backend, n * c * oh * ow, () => backend.maxPool2d(x, g), (r) => r.y);
      const got = backend.read(y);
      const wantY = ref.read(want.y);
      for (let i = 0; i < got.length; i++) {
        if (!(Object.is(got[i], wantY[i]) || (Number.isNaN(got[i]!) && Number.isNaN(wantY[i]!)))) {
          throw new Error(`maxPool2d y[${i}] = ${got[i]}, reference ${wantY[i]}`);
        }
      }
      // The backward routes each dy to the argmax, so equal dx means the same (first) maximum was chosen.
      expectClose(backend.read(backend.maxPool2dBackward(backend.fromArray(dyData), argmax, g)), ref.read(wantDx), 0, 0);
    });
  }
});
