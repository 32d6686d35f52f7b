import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { Rng } from '../src/random.js';
import {
  applyFilter,
  BOX_BLUR,
  colorJitter,
  compose,
  cropResize,
  cutout,
  EDGE_DETECT,
  gaussianBlurImage,
  gaussianKernel1d,
  gaussianNoise,
  hflip,
  randomHorizontalFlip,
  randomResizedCrop,
  randomRotation,
  rot90,
  rotate,
  SHARPEN,
  SOBEL_X,
  sobelMagnitude,
  type ImageShape,
  type Transform,
} from '../src/transforms/index.js';

function randomImage(shape: ImageShape, seed = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => r.nextFloat());
}
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;

describe('rotations', () => {
  it('rot90 [1,2,2] k=1 matches numpy.rot90; k=4 is identity; k=-1 undoes k=1', () => {
    const img = Float32Array.of(1, 2, 3, 4);
    expect(Array.from(rot90(img, [1, 2, 2], 1))).toEqual([2, 4, 1, 3]);
    expect(Array.from(rot90(img, [1, 2, 2], 3))).toEqual([3, 1, 4, 2]);
    expect(rot90(img, [1, 2, 2], 4)).toEqual(img);
    const x = randomImage([2, 5, 5]);
    expect(rot90(rot90(x, [2, 5, 5], 1), [2, 5, 5], -1)).toEqual(x);
    expect(() => rot90(new Float32Array(6), [1, 2, 3], 1)).toThrow(/square image/);
  });

  for (const shape of [[1, 7, 7], [2, 8, 8], [1, 28, 28]] as ImageShape[]) {
    it(`rotate by 90 deg equals rot90 k=1 up to float rounding, x=[${shape.join(',')}]`, () => {
      const x = randomImage(shape);
      // Sample positions are off by ~1e-15 (cos(pi/2) != 0), far below one float32 ulp of a
      // value in [0, 1), so after rounding to float32 at most one half-ulp (2^-24) remains.
      const tol = 2 ** -24;
      expect(maxAbsDiff(rotate(x, shape, 90), rot90(x, shape, 1))).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(rotate(x, shape, -90), rot90(x, shape, 3))).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(rotate(x, shape, 180), rot90(x, shape, 2))).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(rotate(x, shape, 0), x)).toBe(0);
    });
  }

  it('rotate [1,9,9] by 45 deg fills corners with 0 and keeps the centre pixel', () => {
    const x = new Float32Array(81).fill(1);
    const y = rotate(x, [1, 9, 9], 45);
    expect(y[0]).toBe(0);
    expect(y[40]).toBeCloseTo(1, 6);
  });

  it('randomRotation(30) [1,8,8]: same seed, same output; different seed differs', () => {
    const x = randomImage([1, 8, 8]);
    const t = randomRotation(30);
    expect(t(x, [1, 8, 8], new Rng(5))).toEqual(t(x, [1, 8, 8], new Rng(5)));
    expect(t(x, [1, 8, 8], new Rng(5))).not.toEqual(t(x, [1, 8, 8], new Rng(6)));
  });
});

describe('flip', () => {
  it('hflip [2,3,4] twice is identity and mirrors rows', () => {
    const x = randomImage([2, 3, 4]);
    expect(hflip(hflip(x, [2, 3, 4]), [2, 3, 4])).toEqual(x);
    expect(Array.from(hflip(Float32Array.of(1, 2, 3), [1, 1, 3]))).toEqual([3, 2, 1]);
  });

  it('randomHorizontalFlip p=1 flips, p=0 copies; p=0.5 flips about half of 2000 draws', () => {
    const x = randomImage([1, 3, 3]);
    const r = new Rng(0);
    expect(randomHorizontalFlip(1)(x, [1, 3, 3], r)).toEqual(hflip(x, [1, 3, 3]));
    const copy = randomHorizontalFlip(0)(x, [1, 3, 3], r);
    expect(copy).toEqual(x);
    expect(copy).not.toBe(x);
    const f = hflip(x, [1, 3, 3]);
    let flips = 0;
    const t = randomHorizontalFlip(0.5);
    for (let i = 0; i < 2000; i++) if (t(x, [1, 3, 3], r)[0] === f[0]) flips++;
    expect(Math.abs(flips - 1000)).toBeLessThan(5 * Math.sqrt(2000 * 0.25));
  });
});

describe('crop and resize', () => {
  it('cropResize of the full box [1,6,6] is the identity; a 3x3 box of a constant stays constant', () => {
    const x = randomImage([1, 6, 6]);
    expect(maxAbsDiff(cropResize(x, [1, 6, 6], 0, 0, 6, 6), x)).toBeLessThan(1e-6);
    const c = new Float32Array(36).fill(0.25);
    expect(maxAbsDiff(cropResize(c, [1, 6, 6], 1.5, 2, 3, 3), c)).toBeLessThan(1e-7);
  });

  it('randomResizedCrop(0.5) [3,10,10] keeps shape and is seeded', () => {
    const x = randomImage([3, 10, 10]);
    const t = randomResizedCrop(0.5);
    const y = t(x, [3, 10, 10], new Rng(2));
    expect(y.length).toBe(300);
    expect(t(x, [3, 10, 10], new Rng(2))).toEqual(y);
    expect(y).not.toEqual(x);
  });

  it('randomResizedCrop(0.5) [2,10,10] of the affine image (c+1)·(10i + j)/100 gives the exact bilinear samples of the box its four draws define', () => {
    const x = Float32Array.from({ length: 200 }, (_, k) => (Math.floor(k / 100) + 1) * (k % 100) / 100);
    const y = randomResizedCrop(0.5)(x, [2, 10, 10], new Rng(7));
    // The box from the same draws, in the order the transform makes them (area, log-aspect, top, left).
    const r = new Rng(7);
    const area = 100 * r.uniform(0.5, 1);
    const aspect = Math.exp(r.uniform(Math.log(3 / 4), Math.log(4 / 3)));
    const boxW = Math.min(10, Math.sqrt(area * aspect));
    const boxH = Math.min(10, Math.sqrt(area / aspect));
    const top = r.uniform(0, 10 - boxH);
    const left = r.uniform(0, 10 - boxW);
    expect(boxW * boxH).toBeGreaterThanOrEqual(50 - 1e-9);
    expect(boxW * boxH).toBeLessThan(100);
    // Bilinear interpolation reproduces an affine image exactly, so each output pixel is the image's
    // formula at its (clamped) half-pixel sample point; float32 rounding of values ≤ 2: ≤ 4 ulps.
    const clamp = (v: number) => Math.min(Math.max(v, 0), 9);
    const expected = Array.from({ length: 200 }, (_, k) => {
      const ch = Math.floor(k / 100);
      const sy = clamp(top + ((Math.floor((k % 100) / 10) + 0.5) * boxH) / 10 - 0.5);
      const sx = clamp(left + (((k % 10) + 0.5) * boxW) / 10 - 0.5);
      return ((ch + 1) * (10 * sy + sx)) / 100;
    });
    expect(Array.from(y, (v, k) => Math.abs(v - expected[k]!))).toAllSatisfy((d) => d <= 4 * 2 ** -23 * 2, 'within 4 float32 ulps of the affine formula');
    expect(maxAbsDiff(y, x)).toBeGreaterThan(0.01); // the box is not the whole image
  });
});

describe('blur', () => {
  it('gaussianKernel1d sigma=1 has 7 taps summing to 1', () => {
    const k = gaussianKernel1d(1);
    expect(k.length).toBe(7);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  for (const border of ['reflect', 'clamp', 'wrap'] as const) {
    it(`blur sigma=1.5 of a constant [2,6,5] is unchanged (border=${border})`, () => {
      const x = new Float32Array(60).fill(0.37);
      expect(maxAbsDiff(gaussianBlurImage(x, [2, 6, 5], 1.5, undefined, border), x)).toBeLessThan(1e-6);
    });
  }

  it('blur sigma=1 size 3 of the row [1,2,0,0,3] as [1,1,5] and as the column [1,5,1]: exact hand-derived values for each border', () => {
    // Taps [a, b, a]; outside the row, reflect (reflect-101, as torch's F.pad 'reflect') reads
    // x[-1] = x[1], x[5] = x[3]; clamp x[-1] = x[0], x[5] = x[4]; wrap x[-1] = x[4], x[5] = x[0]. The
    // other pass runs over a length-1 axis, where every tap reads the pixel itself: a factor 2a + b.
    const [a, b] = Array.from(gaussianKernel1d(1, 3));
    const rows = {
      reflect: [4 * a! + b!, a! + 2 * b!, 2 * a!, 3 * a!, 3 * b!],
      clamp: [3 * a! + b!, a! + 2 * b!, 2 * a!, 3 * a!, 3 * a! + 3 * b!],
      wrap: [5 * a! + b!, a! + 2 * b!, 2 * a!, 3 * a!, a! + 3 * b!],
    };
    const x = new Float32Array([1, 2, 0, 0, 3]);
    for (const border of ['reflect', 'clamp', 'wrap'] as const) {
      const expected = rows[border].map((v) => v * (2 * a! + b!));
      for (const shape of [[1, 1, 5], [1, 5, 1]] as const) {
        const y = gaussianBlurImage(x, shape, 1, 3, border);
        // float64 sums of float32 taps, rounded once to float32: half an ulp of values ≤ 3.
        expect(Array.from(y, (v, i) => Math.abs(v - expected[i]!)), `${border} ${shape.join('x')}`).toAllSatisfy((d) => d <= 2 ** -22);
      }
    }
  });

  it('blur sigma=1 border=wrap preserves the mean of a random [1,16,16] and of a period-4 stripe pattern', () => {
    const x = randomImage([1, 16, 16]);
    const y = gaussianBlurImage(x, [1, 16, 16], 1, undefined, 'wrap');
    expect(Math.abs(mean(y) - mean(x))).toBeLessThan(1e-6);
    expect(maxAbsDiff(y, x)).toBeGreaterThan(0.05); // it did blur
    const stripes = Float32Array.from({ length: 256 }, (_, i) => ((i % 16) % 4 < 2 ? 1 : 0));
    const s = gaussianBlurImage(stripes, [1, 16, 16], 1, 5, 'wrap');
    expect(Math.abs(mean(s) - 0.5)).toBeLessThan(1e-6);
  });

  it('blur with a kernel wider than a [1,3,3] image still works (reflect folds)', () => {
    const x = new Float32Array(9).fill(2);
    expect(maxAbsDiff(gaussianBlurImage(x, [1, 3, 3], 3), x)).toBeLessThan(1e-6);
  });
});

describe('noise and jitter', () => {
  it('gaussianNoise(0.1) on zeros [1,64,64]: sample std within 5 standard errors (n=4096)', () => {
    const n = 4096;
    const y = gaussianNoise(0.1)(new Float32Array(n), [1, 64, 64], new Rng(11));
    const m = mean(y);
    const sd = Math.sqrt(y.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1));
    // The std of a sample std is about sigma / sqrt(2(n-1)); of the mean sigma / sqrt(n).
    expect(Math.abs(sd - 0.1)).toBeLessThan((5 * 0.1) / Math.sqrt(2 * (n - 1)));
    expect(Math.abs(m)).toBeLessThan((5 * 0.1) / Math.sqrt(n));
  });

  it('colorJitter [1,4,4]: zero jitter is identity; output stays in [0,1]; seeded', () => {
    const x = randomImage([1, 4, 4]);
    expect(maxAbsDiff(colorJitter({})(x, [1, 4, 4], new Rng(0)), x)).toBeLessThan(1e-6);
    const t = colorJitter({ brightness: 0.5, contrast: 0.5 });
    const y = t(x, [1, 4, 4], new Rng(3));
    expect(y).toAllSatisfy((v) => v >= 0 && v <= 1);
    expect(t(x, [1, 4, 4], new Rng(3))).toEqual(y);
  });
});

describe('cutout', () => {
  it('cutout(3) on ones [2,8,8] zeroes exactly one 3x3 square, the same in both channels', () => {
    const x = new Float32Array(128).fill(1);
    const y = cutout(3)(x, [2, 8, 8], new Rng(4));
    for (let ch = 0; ch < 2; ch++) {
      const zeros: [number, number][] = [];
      for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) if (y[ch * 64 + i * 8 + j] === 0) zeros.push([i, j]);
      expect(zeros.length).toBe(9);
      const [top, left] = zeros[0]!;
      expect(zeros).toEqual([0, 1, 2].flatMap((di) => [0, 1, 2].map((dj) => [top + di, left + dj])));
    }
    expect(Array.from(y.subarray(0, 64))).toEqual(Array.from(y.subarray(64)));
    expect(x).toAllSatisfy((v) => v === 1); // input untouched
  });
});

describe('filters and Sobel', () => {
  it('Sobel of a constant [1,5,5] is 0 everywhere', () => {
    expect(sobelMagnitude(new Float32Array(25).fill(0.7), [1, 5, 5])).toAllSatisfy((v) => Math.abs(v) < 1e-6);
  });

  it('Sobel of a vertical edge [1,6,6] (cols 0-2 = 0, cols 3-5 = 1) is 4 at cols 2-3, 0 elsewhere', () => {
    const x = Float32Array.from({ length: 36 }, (_, i) => (i % 6 >= 3 ? 1 : 0));
    const y = sobelMagnitude(x, [1, 6, 6]);
    for (let i = 0; i < 6; i++) {
      expect(Array.from(y.subarray(i * 6, i * 6 + 6))).toEqual([0, 0, 4, 4, 0, 0]);
    }
  });

  it('applyFilter [4,4]: BOX_BLUR keeps a constant, EDGE_DETECT gives 0, SHARPEN keeps a constant, SOBEL_X of a ramp is 8', () => {
    const c = new Float32Array(16).fill(3);
    expect(maxAbsDiff(applyFilter(c, 4, 4, BOX_BLUR), c)).toBeLessThan(1e-6);
    expect(applyFilter(c, 4, 4, EDGE_DETECT)).toAllSatisfy((v) => v === 0);
    expect(applyFilter(c, 4, 4, SHARPEN)).toEqual(c);
    const ramp = Float32Array.from({ length: 16 }, (_, i) => i % 4);
    // Interior: (1*2 + 2*2 + 1*2) = 8 for a slope of 1 per column.
    expect(applyFilter(ramp, 4, 4, SOBEL_X)[5]).toBe(8);
    expect(() => applyFilter(c, 4, 4, [1, 2, 3])).toThrow(/9 values/);
  });
});

describe('compose', () => {
  it('compose applies left to right and returns a new array', () => {
    const add1: Transform = (x) => x.map((v) => v + 1);
    const dbl: Transform = (x) => x.map((v) => v * 2);
    const x = Float32Array.of(1);
    expect(Array.from(compose([add1, dbl])(x, [1, 1, 1], new Rng(0)))).toEqual([4]);
    const id = compose([])(x, [1, 1, 1], new Rng(0));
    expect(id).toEqual(x);
    expect(id).not.toBe(x);
  });
});
