import { checkNumber } from '../check.js';
import { checkImage, sampleBilinearUnchecked as sampleBilinear, type ImageShape, type Transform } from './transform.js';

/**
 * Rotates an image `[C, H, W]` by `degrees` counter-clockwise as displayed (row 0 at the top,
 * like torchvision's `rotate`) about the image centre `((W-1)/2, (H-1)/2)`, with bilinear
 * interpolation; pixels that come from outside the image are `fill` (default 0).
 *
 * NOTE: for a square image, 90 degrees maps pixel centres onto pixel centres, so the result equals
 * `rot90(image, shape, 1)` up to float rounding (cos(pi/2) is 6e-17, not 0).
 *
 * @example rotate(img, [1, 28, 28], 15) // -> [1, 28, 28]
 */
export function rotate(image: Float32Array, shape: ImageShape, degrees: number, fill = 0): Float32Array {
  checkImage('rotate', image, shape);
  checkNumber('rotate', 'degrees', degrees);
  checkNumber('rotate', 'fill', fill);
  const [c, h, w] = shape;
  const theta = (degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const out = new Float32Array(image.length);
  for (let i = 0; i < h; i++) {
    const dy = i - cy;
    for (let j = 0; j < w; j++) {
      const dx = j - cx;
      // Inverse map: rotate the output position back by -theta to find where it came from.
      const sx = cx + dx * cos - dy * sin;
      const sy = cy + dx * sin + dy * cos;
      for (let ch = 0; ch < c; ch++) {
        out[ch * h * w + i * w + j] = sampleBilinear(image, ch * h * w, h, w, sx, sy, fill);
      }
    }
  }
  return out;
}

/**
 * Rotates by an angle drawn uniformly from `[-maxDegrees, maxDegrees]`.
 * @example randomRotation(15)(img, [1, 28, 28], rng)
 */
export function randomRotation(maxDegrees: number, fill = 0): Transform {
  if (!(maxDegrees >= 0) || !Number.isFinite(maxDegrees)) {
    throw new RangeError(`randomRotation: maxDegrees must be a finite number >= 0, got ${maxDegrees}`);
  }
  checkNumber('randomRotation', 'fill', fill);
  return (image, shape, rng) => rotate(image, shape, rng.uniform(-maxDegrees, maxDegrees), fill);
}
