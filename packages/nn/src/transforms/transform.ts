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
