import { checkImage, type Transform } from './transform.js';

/**
 * Adds independent N(0, std^2) noise to every value of an image `[C, H, W]`. The result is not
 * clamped, so the added noise has exactly the requested distribution.
 *
 * @example gaussianNoise(0.05)
 */
export function gaussianNoise(std: number): Transform {
  if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`gaussianNoise: std must be finite and >= 0, got ${std}`);
  return (image, shape, rng) => {
    checkImage('gaussianNoise', image, shape);
    const out = new Float32Array(image.length);
    for (let i = 0; i < image.length; i++) out[i] = image[i]! + rng.normal(0, std);
    return out;
  };
}
