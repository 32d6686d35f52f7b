import { checkImage, type ImageShape, type Transform } from './transform.js';

/**
 * Turns an image `[C, H, W]` by `k` quarter turns counter-clockwise as displayed (like
 * `numpy.rot90`), exactly (no interpolation). `k` may be any integer; it is taken mod 4.
 * Odd `k` needs a square image, since transforms keep the shape.
 *
 * @example rot90(img, [1, 28, 28], 1) // out[i][j] = in[j][W-1-i]
 */
export function rot90(image: Float32Array, shape: ImageShape, k = 1): Float32Array {
  checkImage('rot90', image, shape);
  if (!Number.isInteger(k)) throw new RangeError(`rot90: k must be an integer, got ${k}`);
  const [c, h, w] = shape;
  const turns = ((k % 4) + 4) % 4;
  if (turns % 2 === 1 && h !== w) {
    throw new RangeError(`rot90: an odd number of turns (k=${k}) needs a square image, got [${shape.join(', ')}]`);
  }
  const out = new Float32Array(image.length);
  const n = h; // == w when turns is odd
  for (let ch = 0; ch < c; ch++) {
    const off = ch * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let src: number;
        if (turns === 0) src = i * w + j;
        else if (turns === 1) src = j * w + (n - 1 - i);
        else if (turns === 2) src = (h - 1 - i) * w + (w - 1 - j);
        else src = (n - 1 - j) * w + i;
        out[off + i * w + j] = image[off + src]!;
      }
    }
  }
  return out;
}

/** A transform turning by a fixed `k` quarter turns. */
export function rotate90(k = 1): Transform {
  if (!Number.isInteger(k)) throw new RangeError(`rotate90: k must be an integer, got ${k}`);
  return (image, shape) => rot90(image, shape, k);
}

/** A transform turning by a random number (0 to 3) of quarter turns (square images). */
export function randomRot90(): Transform {
  return (image, shape, rng) => rot90(image, shape, rng.nextInt(4));
}
