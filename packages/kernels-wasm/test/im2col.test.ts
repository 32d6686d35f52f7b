import type { ConvGeometry } from '@tapegrad/autograd';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { EPS32, expectClose, randomArray, withNanOutput } from './helpers.js';

/** Scalar reference of Note [im2col layout]: cols[n, (c·KH + i)·KW + j, oy·OW + ox]. */
function im2colRef(x: Float32Array, g: ConvGeometry): Float32Array {
  const ckk = g.c * g.kh * g.kw;
  const p = g.oh * g.ow;
  const cols = new Float32Array(g.n * ckk * p);
  for (let n = 0; n < g.n; n++) for (let c = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
    const row = (c * g.kh + i) * g.kw + j;
    for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
      const iy = oy * g.sh - g.ph + i * g.dh;
      const ix = ox * g.sw - g.pw + j * g.dw;
      const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
      cols[(n * ckk + row) * p + oy * g.ow + ox] = inside ? x[((n * g.c + c) * g.h + iy) * g.w + ix]! : 0;
    }
  }
  return cols;
}

/** Scalar reference of col2im: the transpose (adjoint) of im2colRef, accumulated in f64. */
function col2imRef(cols: Float32Array, g: ConvGeometry): Float64Array {
  const ckk = g.c * g.kh * g.kw;
  const p = g.oh * g.ow;
  const dx = new Float64Array(g.n * g.c * g.h * g.w);
  for (let n = 0; n < g.n; n++) for (let c = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
    const row = (c * g.kh + i) * g.kw + j;
    for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
      const iy = oy * g.sh - g.ph + i * g.dh;
      const ix = ox * g.sw - g.pw + j * g.dw;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) dx[((n * g.c + c) * g.h + iy) * g.w + ix]! += cols[(n * ckk + row) * p + oy * g.ow + ox]!;
    }
  }
  return dx;
}

type Case = { x: [number, number, number, number]; k: [number, number]; s?: [number, number]; p?: [number, number]; d?: [number, number] };

function geometry(c: Case): ConvGeometry {
  const [n, ch, h, w] = c.x;
  const [kh, kw] = c.k;
  const [sh, sw] = c.s ?? [1, 1];
  const [ph, pw] = c.p ?? [0, 0];
  const [dh, dw] = c.d ?? [1, 1];
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return { n, c: ch, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

const CASES: Case[] = [
  { x: [1, 1, 5, 5], k: [3, 3] },
  { x: [2, 3, 7, 7], k: [3, 3], s: [2, 2], p: [1, 1] },
  { x: [2, 2, 9, 6], k: [3, 2], s: [2, 1], p: [1, 0] },
  { x: [1, 2, 8, 11], k: [3, 3], p: [2, 2], d: [2, 2] },
  { x: [3, 1, 6, 13], k: [1, 5], s: [1, 3], p: [0, 2] },
  { x: [1, 2, 5, 5], k: [5, 5], p: [4, 4] },
  { x: [2, 1, 4, 4], k: [1, 1], s: [2, 2] },
  { x: [1, 3, 10, 7], k: [2, 4], s: [3, 2], p: [1, 3], d: [2, 1] },
  { x: [2, 16, 13, 13], k: [3, 3] },
  // stride 2 along rows of 16–33 floats (Note [stride-2 gather]): vector groups up to the row's end,
  // ragged tails, 1×1 and one-sided padding
  { x: [2, 2, 6, 19], k: [3, 3], s: [2, 2], p: [1, 1] },
  { x: [1, 2, 5, 32], k: [1, 1], s: [2, 2] },
  { x: [1, 3, 4, 33], k: [3, 3], s: [1, 2], p: [0, 2] },
];

describe('im2col / col2im', () => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend(); });

  for (const c of CASES) {
    const label = `x=[${c.x}] k=[${c.k}] s=[${c.s ?? [1, 1]}] p=[${c.p ?? [0, 0]}] d=[${c.d ?? [1, 1]}]`;
    it(`im2col ${label}`, () => {
      const g = geometry(c);
      const xData = randomArray(g.n * g.c * g.h * g.w, 3);
      const x = backend.fromArray(xData);
      const size = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
      const cols = withNanOutput(backend, size, () => backend.im2col(x, g));
      expectClose(backend.read(cols), im2colRef(xData, g), 0, 0);
      backend.free(x);
      backend.free(cols);
    });

    it(`col2im ${label}`, () => {
      const g = geometry(c);
      const colsData = randomArray(g.n * g.c * g.kh * g.kw * g.oh * g.ow, 4);
      const cols = backend.fromArray(colsData);
      const dx = withNanOutput(backend, g.n * g.c * g.h * g.w, () => backend.col2im(cols, g));
      // Each input sums at most KH·KW window taps.
      expectClose(backend.read(dx), col2imRef(colsData, g), 0, 4 * EPS32 * g.kh * g.kw);
      backend.free(cols);
      backend.free(dx);
    });
  }

  it('col2im with stride 2 adds each input\'s taps in f32 in tap order, bit for bit (x=[1,3,4,33] k=3 s=[1,2] p=[0,2])', () => {
    const g = geometry(CASES[CASES.length - 1]!);
    const colsData = randomArray(g.n * g.c * g.kh * g.kw * g.oh * g.ow, 7);
    const want = new Float32Array(g.n * g.c * g.h * g.w);
    const p = g.oh * g.ow;
    for (let c = 0; c < g.c; c++) for (let i = 0; i < g.kh; i++) for (let j = 0; j < g.kw; j++) {
      for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
        const iy = oy * g.sh - g.ph + i * g.dh;
        const ix = ox * g.sw - g.pw + j * g.dw;
        const k = (c * g.h + iy) * g.w + ix;
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) want[k] = Math.fround(want[k]! + colsData[((c * g.kh + i) * g.kw + j) * p + oy * g.ow + ox]!);
      }
    }
    const cols = backend.fromArray(colsData);
    const dx = backend.col2im(cols, g);
    expect(new Uint32Array(Float32Array.from(backend.read(dx)).buffer)).toEqual(new Uint32Array(want.buffer));
    backend.free(cols);
    backend.free(dx);
  });

  it('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)> for x=[2,3,7,7] k=3 s=2 p=1', () => {
    const g = geometry(CASES[1]!);
    const xData = randomArray(g.n * g.c * g.h * g.w, 5);
    const cData = randomArray(g.n * g.c * g.kh * g.kw * g.oh * g.ow, 6);
    const x = backend.fromArray(xData);
    const c = backend.fromArray(cData);
    const colsOut = backend.read(backend.im2col(x, g));
    const dxOut = backend.read(backend.col2im(c, g));
    let lhs = 0;
    let rhs = 0;
    colsOut.forEach((v, i) => { lhs += v * cData[i]!; });
    dxOut.forEach((v, i) => { rhs += v * xData[i]!; });
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
  });
});
