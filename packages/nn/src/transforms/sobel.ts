import { applyFilter, SOBEL_X, SOBEL_Y } from './filters.js';
import { checkImage, type ImageShape, type Transform } from './transform.js';

/**
 * Sobel gradient magnitude `sqrt(gx^2 + gy^2)` of each channel of an image `[C, H, W]`
 * (clamped borders, so a constant image gives exactly 0). Values range over [0, 4*sqrt(2)] for
 * inputs in [0, 1]; not rescaled.
 *
 * @example sobelMagnitude(img, [1, 28, 28])
 */
export function sobelMagnitude(image: Float32Array, shape: ImageShape): Float32Array {
  checkImage('sobelMagnitude', image, shape);
  const [c, h, w] = shape;
  const out = new Float32Array(image.length);
  for (let ch = 0; ch < c; ch++) {
    const plane = image.subarray(ch * h * w, (ch + 1) * h * w);
    const gx = applyFilter(plane, h, w, SOBEL_X);
    const gy = applyFilter(plane, h, w, SOBEL_Y);
    for (let p = 0; p < h * w; p++) out[ch * h * w + p] = Math.hypot(gx[p]!, gy[p]!);
  }
  return out;
}

/** The Sobel magnitude as a (deterministic) transform. */
export function sobel(): Transform {
  return (image, shape) => sobelMagnitude(image, shape);
}
