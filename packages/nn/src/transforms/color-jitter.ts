import { checkBool, checkNumber, checkObject, checkOptions } from '../check.js';
import { checkImage, type Transform } from './transform.js';

export interface ColorJitterOptions {
  /** Brightness factor drawn from `[1 - brightness, 1 + brightness]` (multiplies pixels). */
  brightness?: number;
  /** Contrast factor drawn from `[1 - contrast, 1 + contrast]` (scales around the image mean). */
  contrast?: number;
  /** Clamp the result to [0, 1], the range of loaded images (default true, as torchvision). */
  clamp?: boolean;
}

/**
 * Random brightness then contrast jitter of an image `[C, H, W]` with values in [0, 1]:
 * `x * b`, then `(x - mean) * c + mean` with `mean` over the whole image.
 *
 * @example colorJitter({ brightness: 0.2, contrast: 0.2 })
 */
export function colorJitter(options: ColorJitterOptions): Transform {
  checkObject('colorJitter', 'options', options, 'an object {brightness?, contrast?, clamp?}');
  // torchvision's saturation and hue have no counterpart here: an error, not silently ignored.
  checkOptions('colorJitter', options, ['brightness', 'contrast', 'clamp']);
  const brightness = options.brightness ?? 0;
  const contrast = options.contrast ?? 0;
  const clamp = checkBool('colorJitter', 'clamp', options.clamp ?? true);
  for (const [name, v] of [['brightness', brightness], ['contrast', contrast]] as const) {
    checkNumber('colorJitter', name, v, (x) => x >= 0 && x <= 1, 'in [0, 1]');
  }
  return (image, shape, rng) => {
    checkImage('colorJitter', image, shape);
    const b = rng.uniform(1 - brightness, 1 + brightness);
    const c = rng.uniform(1 - contrast, 1 + contrast);
    let sum = 0;
    for (let i = 0; i < image.length; i++) sum += image[i]! * b;
    const mean = sum / image.length;
    const out = new Float32Array(image.length);
    for (let i = 0; i < image.length; i++) {
      const v = (image[i]! * b - mean) * c + mean;
      out[i] = clamp ? Math.min(1, Math.max(0, v)) : v;
    }
    return out;
  };
}
