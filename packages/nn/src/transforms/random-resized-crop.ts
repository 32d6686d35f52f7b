import { checkNumber, fail } from '../check.js';
import { checkImage, sampleBilinearUnchecked as sampleBilinear, type ImageShape, type Transform } from './transform.js';

/**
 * Bilinearly resamples the box `[top, top+boxH) x [left, left+boxW)` (in pixels, fractional
 * allowed) of an image `[C, H, W]` to the full `H x W` (half-pixel centres, like
 * `align_corners=False`; samples clamp to the edge, so no black borders).
 *
 * @example cropResize(img, [1, 28, 28], 2, 2, 24, 24) // zoom in, output [1, 28, 28]
 */
export function cropResize(
  image: Float32Array,
  shape: ImageShape,
  top: number,
  left: number,
  boxH: number,
  boxW: number,
): Float32Array {
  checkImage('cropResize', image, shape);
  const [c, h, w] = shape;
  for (const [arg, v] of [['top', top], ['left', left], ['boxH', boxH], ['boxW', boxW]] as const) checkNumber('cropResize', arg, v);
  if (!(boxH > 0 && boxW > 0 && top >= 0 && left >= 0 && top + boxH <= h + 1e-9 && left + boxW <= w + 1e-9)) {
    throw new RangeError(`cropResize: box top=${top} left=${left} ${boxH}x${boxW} is not inside [${shape.join(', ')}]`);
  }
  const out = new Float32Array(image.length);
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < h; i++) {
    const sy = clamp(top + ((i + 0.5) * boxH) / h - 0.5, h - 1);
    for (let j = 0; j < w; j++) {
      const sx = clamp(left + ((j + 0.5) * boxW) / w - 0.5, w - 1);
      for (let ch = 0; ch < c; ch++) out[ch * h * w + i * w + j] = sampleBilinear(image, ch * h * w, h, w, sx, sy, 0);
    }
  }
  return out;
}

/**
 * Crops a random box covering a fraction of the area drawn from `[minScale, maxScale]`, with an
 * aspect ratio (width/height) drawn log-uniformly from `ratio`, and resizes it back to `H x W`
 * (torchvision's `RandomResizedCrop`, but the box is always kept: its sides are clipped to the
 * image instead of retrying).
 *
 * @example randomResizedCrop(0.8) // keep 80-100% of the area
 */
export function randomResizedCrop(minScale: number, maxScale = 1, ratio: readonly [number, number] = [3 / 4, 4 / 3]): Transform {
  checkNumber('randomResizedCrop', 'minScale', minScale);
  checkNumber('randomResizedCrop', 'maxScale', maxScale);
  if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
    throw new RangeError(`randomResizedCrop: need 0 < minScale <= maxScale <= 1, got ${minScale}, ${maxScale}`);
  }
  if (!Array.isArray(ratio) || ratio.length !== 2) fail('randomResizedCrop', 'ratio', 'a pair [min, max] of aspect ratios', ratio);
  checkNumber('randomResizedCrop', 'ratio[0]', ratio[0]);
  checkNumber('randomResizedCrop', 'ratio[1]', ratio[1]);
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) {
    throw new RangeError(`randomResizedCrop: need 0 < ratio[0] <= ratio[1], got [${ratio.join(', ')}]`);
  }
  return (image, shape, rng) => {
    const [, h, w] = shape;
    const area = h * w * rng.uniform(minScale, maxScale);
    const aspect = Math.exp(rng.uniform(Math.log(ratio[0]), Math.log(ratio[1])));
    const boxW = Math.min(w, Math.sqrt(area * aspect));
    const boxH = Math.min(h, Math.sqrt(area / aspect));
    const top = rng.uniform(0, h - boxH);
    const left = rng.uniform(0, w - boxW);
    return cropResize(image, shape, top, left, boxH, boxW);
  };
}
