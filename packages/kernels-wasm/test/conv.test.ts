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
  // stride 2 (Note [stride-2 gather] in assembly/conv/im2col.ts): rows whose 4-output groups end
  // at the row's last float, one past it, or leave a ragged tail; 1×1 and padding on one side
  { x: [2, 3, 9, 17], w: [4, 3, 3, 3], s: 2, p: [1, 1] },
  { x: [1, 2, 6, 33], w: [3, 2, 1, 1], s: 2, p: [0, 0] },
  { x: [2, 3, 8, 16], w: [5, 3, 3, 3], s: 2, p: [0, 2] },
  { x: [1, 2, 7, 32], w: [3, 2, 3, 3], s: 2, p: [1, 1], d: [1, 2] },
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

// Winograd F(2×2, 3×3) (assembly/conv/winograd.ts) takes 3×3 stride-1 convs with C ≥ 8; the case study's
// conv2 and its backward-input (a forward conv over O = 16 channels) go through it. Cases: odd
// output sizes (ragged last tile row and column), tile rows that are not a multiple of 4 tiles wide,
// a 1×1 output, padding on one side only, O and C not multiples of the 4×8 GEMM tile.
const WINOGRAD_CASES: Array<{ x: [number, number, number, number]; o: number; p: [number, number] }> = [
  { x: [3, 8, 7, 9], o: 5, p: [0, 0] },
  { x: [2, 9, 12, 13], o: 7, p: [1, 1] },
  { x: [1, 16, 3, 3], o: 4, p: [0, 0] },
  { x: [2, 12, 26, 26], o: 16, p: [2, 1] },
  { x: [2, 16, 5, 30], o: 9, p: [1, 0] },
  { x: [2, 16, 26, 26], o: 16, p: [0, 0] },
];

describe('conv2d by Winograd F(2×2, 3×3), against a direct loop and against im2col + GEMM', () => {
  let wino: WasmBackend;
  let im2col: WasmBackend;
  beforeAll(async () => {
    wino = await createWasmBackend();
    im2col = await createWasmBackend({ winograd: false });
  });

  for (const c of WINOGRAD_CASES) {
    const [n, ch, h, wd] = c.x;
    const [ph, pw] = c.p;
    it(`x=[${c.x}] o=${c.o} p=[${c.p}]: forward, backward-input, backward-weight`, () => {
      const g: Conv2dGeometry = { n, c: ch, h, w: wd, kh: 3, kw: 3, sh: 1, sw: 1, ph, pw, dh: 1, dw: 1, oh: h + 2 * ph - 2, ow: wd + 2 * pw - 2, o: c.o };
      const data = [randomArray(n * ch * h * wd, 31), randomArray(c.o * ch * 9, 32), randomArray(c.o, 33), randomArray(n * c.o * g.oh * g.ow, 34)];
      const want = convRef(data[0]!, data[1]!, data[2]!, data[3]!, g);
      const run = (be: WasmBackend) => {
        const [x, w, b, dy] = data.map((d) => be.fromArray(d));
        const y = withNanOutput(be, n * c.o * g.oh * g.ow, () => be.conv2d(x!, w!, b!, g));
        const dx = withNanOutput(be, n * ch * h * wd, () => be.conv2dBackwardInput(dy!, w!, g));
        const dw = withNanOutput(be, c.o * ch * 9, () => be.conv2dBackwardWeight(dy!, x!, g));
        const out = { y: be.read(y), dx: be.read(dx), dw: be.read(dw) };
        for (const st of [x, w, b, dy, y, dx, dw]) be.free(st!);
        return out;
      };
      const got = run(wino);
      const ref = run(im2col);
      // The transforms add a few roundings per value (at most 4 terms each side, weights ½).
      expectClose(got.y, want.y, 0, 32 * EPS32 * ch * 9);
      expectClose(got.dx, want.dx, 0, 32 * EPS32 * c.o * 9);
      expectClose(got.dw, want.dw, 0, 32 * EPS32 * n * g.oh * g.ow);
      expectClose(got.y, ref.y, 0, 32 * EPS32 * ch * 9);
      expectClose(got.dw, ref.dw, 0, 32 * EPS32 * n * g.oh * g.ow);
    });
  }

  it('a geometry Winograd does not take (C < 8, stride 2) gives the same results either way', () => {
    const g: Conv2dGeometry = { n: 2, c: 16, h: 9, w: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 5, ow: 5, o: 4 };
    const data = [randomArray(2 * 16 * 81, 41), randomArray(4 * 16 * 9, 42), randomArray(4, 43)];
    const ys = [wino, im2col].map((be) => {
      const [x, w, b] = data.map((d) => be.fromArray(d));
      const y = be.conv2d(x!, w!, b!, g);
      const out = be.read(y);
      for (const st of [x, w, b, y]) be.free(st!);
      return out;
    });
    expectClose(ys[0]!, ys[1]!, 0, 0);
  });
});

// The direct 3×3 forward (assembly/conv/direct.ts, Note [direct conv]) takes stride-1 3×3 convs with
// C < 8 (the backward passes stay on im2col + GEMM). Cases: C = 1 (conv1 of the case study, full
// size), 3 (an RGB stem, padded), 7; O not a multiple of the 4-channel register tile (1, 3, 5, 9);
// output rows 1, 2, 3, 5 and 8 wide and 26 (a last group of 8 outputs that is partial, or whole) and a
// 1×1 output; padding on one side only and wider than the kernel reach (2).
const DIRECT_CASES: Array<{ x: [number, number, number, number]; o: number; p: [number, number] }> = [
  { x: [128, 1, 28, 28], o: 16, p: [0, 0] },
  { x: [3, 3, 32, 32], o: 32, p: [1, 1] },
  { x: [2, 7, 7, 9], o: 5, p: [0, 1] },
  { x: [2, 2, 5, 3], o: 9, p: [1, 0] },
  { x: [1, 1, 3, 3], o: 1, p: [0, 0] },
  { x: [2, 4, 4, 4], o: 3, p: [2, 2] },
  { x: [3, 1, 6, 5], o: 8, p: [0, 0] },
  { x: [2, 2, 10, 10], o: 4, p: [0, 0] },
];

describe('conv2d by the direct 3×3 forward (C < 8), against a direct loop and against im2col + GEMM', () => {
  let direct: WasmBackend;
  let im2col: WasmBackend;
  beforeAll(async () => {
    direct = await createWasmBackend();
    im2col = await createWasmBackend({ direct: false });
  });

  for (const c of DIRECT_CASES) {
    const [n, ch, h, wd] = c.x;
    const [ph, pw] = c.p;
    it(`x=[${c.x}] o=${c.o} p=[${c.p}]: forward (with ReLU, without bias); backward-weight beside it`, () => {
      const g: Conv2dGeometry = { n, c: ch, h, w: wd, kh: 3, kw: 3, sh: 1, sw: 1, ph, pw, dh: 1, dw: 1, oh: h + 2 * ph - 2, ow: wd + 2 * pw - 2, o: c.o };
      const data = [randomArray(n * ch * h * wd, 51), randomArray(c.o * ch * 9, 52), randomArray(c.o, 53), randomArray(n * c.o * g.oh * g.ow, 54)];
      const want = convRef(data[0]!, data[1]!, data[2]!, data[3]!, g);
      const run = (be: WasmBackend) => {
        const [x, w, b, dy] = data.map((d) => be.fromArray(d));
        const y = withNanOutput(be, n * c.o * g.oh * g.ow, () => be.conv2d(x!, w!, b!, g));
        const yRelu = withNanOutput(be, n * c.o * g.oh * g.ow, () => be.conv2dRelu(x!, w!, b!, g));
        const yNoBias = withNanOutput(be, n * c.o * g.oh * g.ow, () => be.conv2d(x!, w!, null, g));
        const dw = withNanOutput(be, c.o * ch * 9, () => be.conv2dBackwardWeight(dy!, x!, g));
        const out = { y: be.read(y), yRelu: be.read(yRelu), yNoBias: be.read(yNoBias), dw: be.read(dw) };
        for (const st of [x, w, b, dy, y, yRelu, yNoBias, dw]) be.free(st!);
        return out;
      };
      const got = run(direct);
      const ref = run(im2col);
      expectClose(got.y, want.y, 0, 8 * EPS32 * ch * 9);
      expectClose(got.yRelu, want.y.map((v) => Math.max(v, 0)), 0, 8 * EPS32 * ch * 9);
      expectClose(got.yNoBias, want.y.map((v, i) => v - data[2]![Math.floor(i / (g.oh * g.ow)) % c.o]!), 0, 8 * EPS32 * ch * 9);
      expectClose(got.dw, want.dw, 0, 8 * EPS32 * n * g.oh * g.ow);
      // the fused ReLU is the unary relu kernel's form: exactly relu of the plain output
      expectClose(got.yRelu, got.y.map((v) => (v > 0 ? v : 0)), 0, 0);
      expectClose(got.y, ref.y, 0, 8 * EPS32 * ch * 9);
      expectClose(got.dw, ref.dw, 0, 8 * EPS32 * n * g.oh * g.ow);
    });
  }
});
