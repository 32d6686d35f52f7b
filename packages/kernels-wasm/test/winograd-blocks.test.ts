// Winograd in tile blocks (Note [winograd tile blocks], assembly/conv/winograd.ts): results against
// the reference backend within the conformance suite's tolerance for blocks that are ragged in
// rows and columns; the forward output independent of the block shape; the scratch bounded by
// the block on a 224×224×64 convolution.
import { type Conv2dGeometry, createRefBackend, Generator } from '@tapegrad/autograd';
import { expectClose } from '@tapegrad/autograd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';

/** The conformance suite's float32 tolerance for a result accumulated over `terms` products. */
function tol(terms: number): { rtol: number; atol: number } {
  const e = 2 ** -23 * Math.sqrt(Math.max(terms, 1)) * 8;
  return { rtol: e, atol: e };
}

/** Fails at the first element whose bits differ (vitest's toEqual is slow on millions of floats). */
function expectBitIdentical(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length), b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`${what}: element ${i} is ${got[i]}, was ${want[i]}`);
}

function geometry(n: number, c: number, h: number, w: number, o: number, ph: number, pw: number): Conv2dGeometry {
  return { n, c, h, w, kh: 3, kw: 3, sh: 1, sw: 1, ph, pw, dh: 1, dw: 1, oh: h + 2 * ph - 2, ow: w + 2 * pw - 2, o };
}

const label = (g: Conv2dGeometry) => `x=[${g.n},${g.c},${g.h},${g.w}] w=[${g.o},${g.c},3,3] p=[${g.ph},${g.pw}]`;

interface Passes { y: Float32Array; dx: Float32Array; dw: Float32Array }

function runPasses(be: WasmBackend, g: Conv2dGeometry, data: Float32Array[]): Passes {
  const [x, w, b, dy] = data.map((d) => be.fromArray(d));
  const y = be.conv2d(x!, w!, b!, g);
  const dx = be.conv2dBackwardInput(dy!, w!, g);
  const dw = be.conv2dBackwardWeight(dy!, x!, g);
  const out = { y: be.read(y), dx: be.read(dx), dw: be.read(dw) };
  // both at once (one kernel that transforms dy once, where dx is the adjoint): the same bits
  const both = be.conv2dBackward(dy!, x!, w!, g);
  expectBitIdentical(be.read(both.dx), out.dx, `${label(g)} conv2dBackward dx`);
  expectBitIdentical(be.read(both.dw), out.dw, `${label(g)} conv2dBackward dw`);
  for (const s of [x, w, b, dy, y, dx, dw, both.dx, both.dw]) be.free(s!);
  return out;
}

function randomData(g: Conv2dGeometry, seed: number): Float32Array[] {
  const gen = new Generator(seed);
  const randn = (n: number) => Float32Array.from({ length: n }, () => gen.normal());
  return [randn(g.n * g.c * g.h * g.w), randn(g.o * g.c * 9), randn(g.o), randn(g.n * g.o * g.oh * g.ow)];
}

// Tile grids of these: [3,9,13,18] p=1 → 7×9 tiles; [2,64,20,75] p=[1,0] → 10×37 tiles, whose
// default block (C + O = 112 → 146 tiles) is 4 rows × 36 columns: blocks of 4, 4, 2 rows and of
// 36, 1 columns. O and C are not multiples of the GEMM tiles (4 and 5 rows, 8 columns).
const SWEEP = geometry(3, 9, 13, 18, 7, 1, 1);
// dx by the adjoint (Note [winograd backward-input], src/conv.ts adjointPays): padding 0 (6×8 tiles
// of y against 7×9 of x) and padding 3 (the flipped forward's padding would be −1; windows reach
// past the image on every side, so dx goes through the strip).
const SWEEPS = [SWEEP, geometry(3, 9, 13, 18, 7, 0, 0), geometry(2, 8, 9, 10, 5, 3, 3)];
const BLOCK_TILES = [1, 5, 8, 12, 30, 63, 1000];
const RAGGED = [geometry(2, 64, 20, 75, 48, 1, 0), geometry(1, 24, 31, 9, 13, 0, 2)];

describe('Winograd in tile blocks against the reference backend', () => {
  const ref = createRefBackend();
  const backends = new Map<number, WasmBackend>();
  beforeAll(async () => {
    for (const t of [0, 16, ...BLOCK_TILES]) backends.set(t, await createWasmBackend(t > 0 ? { winogradBlockTiles: t } : {}));
  });

  function refPasses(g: Conv2dGeometry, data: Float32Array[]): Passes {
    const [x, w, b, dy] = data.map((d) => ref.fromArray(d));
    return {
      y: Float32Array.from(ref.read(ref.conv2d(x!, w!, b!, g))),
      dx: Float32Array.from(ref.read(ref.conv2dBackwardInput(dy!, w!, g))),
      dw: Float32Array.from(ref.read(ref.conv2dBackwardWeight(dy!, x!, g))),
    };
  }

  function expectLikeRef(got: Passes, want: Passes, g: Conv2dGeometry, what: string): void {
    expectClose(got.y, want.y, { ...tol(g.c * 9), label: `${what} conv2d` });
    expectClose(got.dx, want.dx, { ...tol(g.c * 9 * g.o), label: `${what} conv2dBackwardInput` });
    expectClose(got.dw, want.dw, { ...tol(g.n * g.oh * g.ow), label: `${what} conv2dBackwardWeight` });
  }

  for (const g of SWEEPS) it(`${label(g)} with winogradBlockTiles ${BLOCK_TILES.join(', ')} and the default: every pass like the reference; forward bit-identical across block shapes, each pass bit-identical run to run`, () => {
    const data = randomData(g, 7);
    const want = refPasses(g, data);
    const base = runPasses(backends.get(0)!, g, data);
    expectLikeRef(base, want, g, 'default block');
    for (const t of BLOCK_TILES) {
      const got = runPasses(backends.get(t)!, g, data);
      expectLikeRef(got, want, g, `blockTiles ${t}`);
      expectBitIdentical(got.y, base.y, `forward with blockTiles ${t}`);
      // backward-input's overlap-add sums a window's edges across blocks (Note [winograd
      // backward-input]), so like the weight gradient its rounding depends on the block shape
      const again = runPasses(backends.get(t)!, g, data);
      expectBitIdentical(again.dx, got.dx, `second run dx with blockTiles ${t}`);
      expectBitIdentical(again.dw, got.dw, `second run dw with blockTiles ${t}`);
    }
  });

  for (const g of RAGGED) {
    it(`${label(g)} (blocks ragged in rows and columns): every pass like the reference, and again bit-identical`, () => {
      const data = randomData(g, 11);
      const be = backends.get(0)!;
      const got = runPasses(be, g, data);
      expectLikeRef(got, refPasses(g, data), g, 'default block');
      const again = runPasses(be, g, data);
      expectBitIdentical(again.y, got.y, 'second run y');
      expectBitIdentical(again.dx, got.dx, 'second run dx');
      expectBitIdentical(again.dw, got.dw, 'second run dw');
    });
  }

  // Note [winograd direct reads]: windows wholly inside the plane are read in place. [2,9,26,26] p=0 is
  // the case-study conv2 with odd channel counts (x and dy read in place for the whole image);
  // [1,12,42,41] p=0 in blocks of 16 tiles (4×4) reads its interior blocks in place and copies the
  // last block column (20 tiles: its last group of 4 would read column 42 of 41), while the default
  // block (the whole image) copies everything: so the forward must be bit-identical between them.
  const DIRECT = [geometry(2, 9, 26, 26, 7, 0, 0), geometry(1, 12, 42, 41, 5, 0, 0)];
  for (const g of DIRECT) {
    it(`${label(g)} (windows read in place, Note [winograd direct reads]): every pass like the reference; forward bit-identical with blocks of 16 tiles`, () => {
      const data = randomData(g, 17);
      const want = refPasses(g, data);
      const base = runPasses(backends.get(0)!, g, data);
      expectLikeRef(base, want, g, 'default block');
      const small = runPasses(backends.get(16)!, g, data);
      expectLikeRef(small, want, g, 'blockTiles 16');
      expectBitIdentical(small.y, base.y, 'forward with blockTiles 16');

    });
  }

  it('winogradBlockTiles that is not a non-negative integer is an error', async () => {
    await expect(createWasmBackend({ winogradBlockTiles: -1 })).rejects.toThrow(/winogradBlockTiles must be a non-negative integer/);
    await expect(createWasmBackend({ winogradBlockTiles: 2.5 })).rejects.toThrow(/winogradBlockTiles/);
  });
});

describe('Winograd scratch on x=[1,64,224,224] w=[64,64,3,3] p=1', () => {
  const g = geometry(1, 64, 224, 224, 64, 1, 1);
  let be: WasmBackend;
  let data: Float32Array[];
  let got: Passes;
  beforeAll(async () => {
    be = await createWasmBackend();
    data = randomData(g, 13);
    be.resetScratchPeak();
    got = runPasses(be, g, data);
  });
  afterAll(async () => { await be.dispose(); });

  it('forward, backward-input and backward-weight hold less than 64 MiB of kernel scratch (16·C·tiles floats would be 51 MiB for V alone)', () => {
    const { peak } = be.scratchBytes();
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(64 * 2 ** 20);
  });

  it('sampled outputs of the three passes match a direct float64 loop within the conformance tolerance', () => {
    const [x, w, b, dy] = data as [Float32Array, Float32Array, Float32Array, Float32Array];
    const gen = new Generator(5);
    const pick = (n: number) => gen.nextInt(n);
    const close = (got: number, want: number, terms: number, what: string) => {
      const { rtol, atol } = tol(terms);
      if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) throw new Error(`${what}: got ${got}, expected ${want}`);
    };
    const X = (c: number, iy: number, ix: number) => (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? 0 : x[(c * g.h + iy) * g.w + ix]!);
    const DY = (o: number, oy: number, ox: number) => (oy < 0 || oy >= g.oh || ox < 0 || ox >= g.ow ? 0 : dy[(o * g.oh + oy) * g.ow + ox]!);
    // Corners and edges of the image (padding, block borders) and random interior points.
    const points: Array<[number, number]> = [[0, 0], [0, g.ow - 1], [g.oh - 1, 0], [g.oh - 1, g.ow - 1], [7, 8], [8, 63], [9, 64]];
    for (let i = 0; i < 40; i++) points.push([pick(g.oh), pick(g.ow)]);
    for (const [oy, ox] of points) {
      const o = pick(g.o), c = pick(g.c);
      let s = b[o]!;
      for (let ci = 0; ci < g.c; ci++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += X(ci, oy - 1 + i, ox - 1 + j) * w[((o * g.c + ci) * 3 + i) * 3 + j]!;
      close(got.y[(o * g.oh + oy) * g.ow + ox]!, s, g.c * 9, `y[0,${o},${oy},${ox}]`);
      // dx at input (oy, ox) (same size with p = 1): Σ_o Σ_ij dy[o, iy + 1 − i, ix + 1 − j] · w[o, c, i, j]
      let d = 0;
      for (let oc = 0; oc < g.o; oc++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) d += DY(oc, oy + 1 - i, ox + 1 - j) * w[((oc * g.c + c) * 3 + i) * 3 + j]!;
      close(got.dx[(c * g.h + oy) * g.w + ox]!, d, g.o * 9 * g.c, `dx[0,${c},${oy},${ox}]`);
    }
    for (let k = 0; k < 12; k++) {
      const o = pick(g.o), c = pick(g.c), i = pick(3), j = pick(3);
      let s = 0;
      for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) s += DY(o, oy, ox) * X(c, oy - 1 + i, ox - 1 + j);
      close(got.dw[((o * g.c + c) * 3 + i) * 3 + j]!, s, g.oh * g.ow, `dw[${o},${c},${i},${j}]`);
    }
  });

  it('a second run is bit-identical', () => {
    const again = runPasses(be, g, data);
    expectBitIdentical(again.y, got.y, 'second run y');
    expectBitIdentical(again.dx, got.dx, 'second run dx');
    expectBitIdentical(again.dw, got.dw, 'second run dw');
  });
});
