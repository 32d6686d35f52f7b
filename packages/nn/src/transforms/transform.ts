import { checkFunction, checkInt, checkNumber, checkString, fail } from '../check.js';
import type { Rng } from '../random.js';

/** `[C, H, W]` of one image. */
export type ImageShape = readonly [c: number, h: number, w: number];

/**
 * An augmentation: maps one image `[C, H, W]` (row-major Float32Array) to a new Float32Array of
 * the same shape, drawing any randomness from `rng` (so the same rng state gives the same output).
 * Transforms never modify their input.
 */
export type Transform = (image: Float32Array, shape: ImageShape, rng: Rng) => Float32Array;

/**
 * Chains transforms left to right.
 * @example compose([randomHorizontalFlip(0.5), gaussianNoise(0.05)])
 */
export function compose(transforms: readonly Transform[]): Transform {
  if (!Array.isArray(transforms)) fail('compose', 'transforms', 'an array of transforms', transforms);
  transforms.forEach((t, i) => checkFunction('compose', `transforms[${i}]`, t));
  const list = [...transforms];
  return (image, shape, rng) => {
    let x = image;
    for (const t of list) x = t(x, shape, rng);
    // Every transform returns a fresh array; with none, copy so the contract still holds.
    return x === image ? image.slice() : x;
  };
}

/** Throws unless `image` holds exactly `C*H*W` values of a valid shape. */
export function checkImage(op: string, image: Float32Array, shape: ImageShape): void {
  checkString('checkImage', 'op', op);
  if (!(image instanceof Float32Array)) fail(op, 'image', 'a Float32Array [C, H, W]', image);
  if (!Array.isArray(shape) || shape.length !== 3) fail(op, 'shape', '[C, H, W] positive integers', shape);
  const [c, h, w] = shape;
  if (![c, h, w].every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`${op}: shape must be [C, H, W] positive integers, got [${shape.join(', ')}]`);
  }
  if (image.length !== c * h * w) {
    throw new RangeError(`${op}: image has ${image.length} values but shape [${shape.join(', ')}] needs ${c * h * w}`);
  }
}

/**
 * Bilinear sample of plane `p` (`h*w` values starting at `off`) at (x, y) in pixel units,
 * pixel centres at integers; neighbours outside the image count as `fill`.
 */
export function sampleBilinear(
  src: Float32Array,
  off: number,
  h: number,
  w: number,
  x: number,
  y: number,
  fill: number,
): number {
  const fn = 'sampleBilinear';
  if (!(src instanceof Float32Array)) fail(fn, 'src', 'a Float32Array', src);
  checkInt(fn, 'h', h, 1);
  checkInt(fn, 'w', w, 1);
  checkInt(fn, 'off', off, 0);
  if (off + h * w > src.length) throw new RangeError(`${fn}: off ${off} + h·w (${h}·${w}) is past the end of src (${src.length} values)`);
  checkNumber(fn, 'x', x);
  checkNumber(fn, 'y', y);
  checkNumber(fn, 'fill', fill);
  return sampleBilinearUnchecked(src, off, h, w, x, y, fill);
}

/** sampleBilinear without the argument checks, for the per-pixel loops of rotate and cropResize (which check once). */
export function sampleBilinearUnchecked(src: Float32Array, off: number, h: number, w: number, x: number, y: number, fill: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (yy: number, xx: number): number =>
    yy >= 0 && yy < h && xx >= 0 && xx < w ? src[off + yy * w + xx]! : fill;
  const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx;
  const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}
