import type { Conv2dGeometry } from '@tapegrad/autograd';
import { beforeAll, describe, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { EPS32, expectClose, randomArray, withNanOutput } from './helpers.js';

/** Direct scalar convolution and its two backward passes, accumulated in f64. */
function convRef(x: Float32Array, w: Float32Array, bias: Float32Array, dy: Float32Array, g: Conv2dGeometry) {
  const y = new Float64Array(g.n * g.o * g.oh * g.ow);
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  const dw = new Float64Array(g.o * g.c * g.kh * g.kw);
  for (let n = 0; n < g.n; n++) for (let o = 0; o < g.o; o++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    const yi = ((n * g.o + o) * g.oh + oy) * g.ow + ox;
    let s = bias[o]!;
    for (let c = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      const iy = oy * g.sh - g.ph + i * g.dh;
      const ix = ox * g.sw - g.pw + j * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      const xi = ((n * g.c + c) * g.h + iy) * g.w + ix;
      const wi = ((o * g.c + c) * g.kh + i) * g.kw + j;
      s += x[xi]! * w[wi]!;
      dx[xi]! += dy[yi]! * w[wi]!;
      dw[wi]! += dy[yi]! * x[xi]!;
    }
    y[yi] = s;
  }
  return { y, dx, dw };
}

const CASES: Array<{ x: [number, number, number, number]; w: [number, number, number, number]; s?: number; p?: [number, number]; d?: [number, number] }> = [
  { x: [2, 5, 9, 8], w: [6, 5, 3, 3], p: [1, 1] },
  { x: [2, 4, 11, 9], w: [3, 4, 3, 2], p: [2, 1], d: [2, 1] },
  { x: [1, 6, 7, 7], w: [5, 6, 1, 1], p: [1, 0] },
  { x: [3, 4, 8, 10], w: [9, 4, 3, 3], s: 2, p: [1, 1] },
  { x: [2, 1, 12, 12], w: [16, 1, 3, 3] },
  { x: [2, 16, 10, 10], w: [16, 16, 3, 3] },
];

describe('conv2d (im2col + GEMM per image, in WASM)', () => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend(); });

  for (const c of CASES) {
    const [n, ch, h, wd] = c.x;
    const [o, , kh, kw] = c.w;
    const s = c.s ?? 1;
    const [ph, pw] = c.p ?? [0, 0];
    const [dh, dw] = c.d ?? [1, 1];
    it(`conv2d x=[${c.x}] w=[${c.w}] s=${s} p=[${c.p ?? [0, 0]}] d=[${c.d ?? [1, 1]}]: forward, backward-input, backward-weight`, () => {
      const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / s) + 1;
      const ow = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / s) + 1;
      const g: Conv2dGeometry = { n, c: ch, h, w: wd, kh, kw, sh: s, sw: s, ph, pw, dh, dw, oh, ow, o };
      const xData = randomArray(n * ch * h * wd, 21);
      const wData = randomArray(o * ch * kh * kw, 22);
      const bData = randomArray(o, 23);
      const dyData = randomArray(n * o * oh * ow, 24);
      const want = convRef(xData, wData, bData, dyData, g);
      const [x, w, b, dy] = [xData, wData, bData, dyData].map((d) => backend.fromArray(d));
      const ckk = ch * kh * kw;
      const y = withNanOutput(backend, n * o * oh * ow, () => backend.conv2d(x!, w!, b!, g));
      expectClose(backend.read(y), want.y, 0, 8 * EPS32 * ckk);
      const dx = withNanOutput(backend, n * ch * h * wd, () => backend.conv2dBackwardInput(dy!, w!, g));
      expectClose(backend.read(dx), want.dx, 0, 8 * EPS32 * o * kh * kw);
      const dwOut = withNanOutput(backend, o * ckk, () => backend.conv2dBackwardWeight(dy!, x!, g));
      expectClose(backend.read(dwOut), want.dw, 0, 8 * EPS32 * n * oh * ow);
      for (const st of [x, w, b, dy, y, dx, dwOut]) backend.free(st!);
    });
  }
});
