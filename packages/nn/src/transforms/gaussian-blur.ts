import { checkNumber, checkOneOf, fail } from '../check.js';
import { BORDER_MODES, borderIndexUnchecked as borderIndex, type BorderMode } from './border.js';
import { checkImage, type ImageShape, type Transform } from './transform.js';

/** A normalised 1-d Gaussian kernel of odd `size` (default `2*ceil(3*sigma)+1`). */
export function gaussianKernel1d(sigma: number, size?: number): Float32Array {
  return kernel1d('gaussianKernel1d', 'size', sigma, size);
}

function kernel1d(fn: string, sizeArg: string, sigma: number, size: number | undefined): Float32Array {
  checkNumber(fn, 'sigma', sigma, (v) => Number.isFinite(v) && v > 0, '> 0 and finite');
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size % 2 === 1)) fail(fn, sizeArg, 'a positive odd integer', size);
  const n = size ?? 2 * Math.ceil(3 * sigma) + 1;
  const r = (n - 1) / 2;
  const k = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  return Float32Array.from(k, (v) => v / sum);
}

/**
 * Blurs each channel of an image `[C, H, W]` with a separable Gaussian (`sigma` in pixels, odd
 * `kernelSize`, default `2*ceil(3*sigma)+1`), reading outside the image by `border` (default
 * `reflect`, see Note [blur borders]). Accumulates in float64.
 *
 * @example gaussianBlurImage(img, [1, 28, 28], 1) // -> [1, 28, 28]
 */
export function gaussianBlurImage(
  image: Float32Array,
  shape: ImageShape,
  sigma: number,
  kernelSize?: number,
  border: BorderMode = 'reflect',
): Float32Array {
  checkImage('gaussianBlurImage', image, shape);
  checkOneOf('gaussianBlurImage', 'border', border, BORDER_MODES);
  const [c, h, w] = shape;
  const k = kernel1d('gaussianBlurImage', 'kernelSize', sigma, kernelSize);
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  const out = new Float32Array(image.length);
  for (let ch = 0; ch < c; ch++) {
    const off = ch * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * image[off + i * w + borderIndex(j + t, w, border)]!;
        tmp[i * w + j] = s;
      }
    }
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * tmp[borderIndex(i + t, h, border) * w + j]!;
        out[off + i * w + j] = s;
      }
    }
  }
  return out;
}

/**
 * A Gaussian blur transform (deterministic; the rng is not used).
 * @example gaussianBlur(1) // sigma 1, 7-tap kernel, reflect borders
 */
export function gaussianBlur(sigma: number, kernelSize?: number, border: BorderMode = 'reflect'): Transform {
  // Validate eagerly, so a bad spec fails at parse time.
  kernel1d('gaussianBlur', 'kernelSize', sigma, kernelSize);
  checkOneOf('gaussianBlur', 'border', border, BORDER_MODES);
  return (image, shape) => gaussianBlurImage(image, shape, sigma, kernelSize, border);
}
