import { checkImage, type ImageShape, type Transform } from './transform.js';

/**
 * Zeroes the `size x size` square at (`top`, `left`) in every channel of an image `[C, H, W]`.
 * @example cutoutAt(img, [1, 28, 28], 3, 4, 8)
 */
export function cutoutAt(image: Float32Array, shape: ImageShape, top: number, left: number, size: number): Float32Array {
  checkImage('cutoutAt', image, shape);
  const [c, h, w] = shape;
  if (!(Number.isInteger(size) && Number.isInteger(top) && Number.isInteger(left) && size >= 0 && top >= 0 && left >= 0 && top + size <= h && left + size <= w)) {
    throw new RangeError(`cutoutAt: square top=${top} left=${left} size=${size} is not inside [${shape.join(', ')}]`);
  }
  const out = image.slice();
  for (let ch = 0; ch < c; ch++) {
    for (let i = top; i < top + size; i++) out.fill(0, ch * h * w + i * w + left, ch * h * w + i * w + left + size);
  }
  return out;
}

/**
 * Cutout (DeVries & Taylor 2017): zeroes one random `size x size` square. NOTE: unlike the paper,
 * the square always lies fully inside the image, so exactly `size^2` pixels per channel are
 * zeroed (an easier effect to reason about in the lecture).
 *
 * @example cutout(8)
 */
export function cutout(size: number): Transform {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`cutout: size must be a non-negative integer, got ${size}`);
  return (image, shape, rng) => {
    const [, h, w] = shape;
    if (size > h || size > w) throw new RangeError(`cutout: size ${size} is larger than the image [${shape.join(', ')}]`);
    const top = rng.nextInt(h - size + 1);
    const left = rng.nextInt(w - size + 1);
    return cutoutAt(image, shape, top, left, size);
  };
}
