import { checkNumber } from '../check.js';
import { checkImage, type Transform } from './transform.js';

/**
 * Adds independent N(0, std^2) noise to every value of an image `[C, H, W]`. The result is not
 * clamped, so the added noise has exactly the requested distribution.
 *
 * @example gaussianNoise(0.05)
 */
export function gaussianNoise(std: number): Transform {
  checkNumber('gaussianNoise', 'std', std, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
  return (image, shape, rng) => {
    checkImage('gaussianNoise', image, shape);
    const out = new Float32Array(image.length);
    for (let i = 0; i < image.length; i++) out[i] = image[i]! + rng.normal(0, std);
    return out;
  };
}
