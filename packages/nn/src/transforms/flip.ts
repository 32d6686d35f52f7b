import { checkNumber } from '../check.js';
import { checkImage, type ImageShape, type Transform } from './transform.js';

/**
 * Mirrors an image `[C, H, W]` left to right: `out[c][i][j] = in[c][i][W-1-j]`.
 * @example hflip(hflip(img, s), s) // equals img
 */
export function hflip(image: Float32Array, shape: ImageShape): Float32Array {
  checkImage('hflip', image, shape);
  const [c, h, w] = shape;
  const out = new Float32Array(image.length);
  for (let r = 0; r < c * h; r++) {
    const off = r * w;
    for (let j = 0; j < w; j++) out[off + j] = image[off + w - 1 - j]!;
  }
  return out;
}

/**
 * Mirrors left to right with probability `p` (otherwise returns a copy). One rng draw per image.
 * @example randomHorizontalFlip(0.5)
 */
export function randomHorizontalFlip(p = 0.5): Transform {
  checkNumber('randomHorizontalFlip', 'p', p, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  return (image, shape, rng) => (rng.nextFloat() < p ? hflip(image, shape) : image.slice());
}
