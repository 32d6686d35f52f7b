// Pixels for <canvas>: float images as RGBA bytes (the page upscales with CSS, pixelated).

/** Grey levels: min → black, max → white (default [0, 1]); values outside are clamped. */
export function grayRgba(values: ArrayLike<number>, opts: { min?: number; max?: number } = {}): Uint8ClampedArray {
  const min = opts.min ?? 0;
  const max = opts.max ?? 1;
  const span = max - min || 1;
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const g = Math.round((255 * (values[i]! - min)) / span);
    out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = g;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Signed values: red positive, blue negative, white 0, saturated at ±limit (default max |v|). */
export function divergingRgba(values: ArrayLike<number>, limit?: number): Uint8ClampedArray {
  let lim = limit ?? 0;
  if (limit === undefined) for (let i = 0; i < values.length; i++) lim = Math.max(lim, Math.abs(values[i]!));
  lim ||= 1;
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const t = Math.max(-1, Math.min(1, values[i]! / lim));
    const fade = Math.round(255 * (1 - Math.abs(t)));
    out[4 * i] = t >= 0 ? 255 : fade;
    out[4 * i + 1] = fade;
    out[4 * i + 2] = t <= 0 ? 255 : fade;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Min and max of an array (one pass). */
export function range(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  return { min, max };
}

/**
 * A drawing (RGBA pixels of any size, e.g. a 280×280 canvas) averaged down to 28×28 grey values in
 * [0, 1], white ink on black as Fashion-MNIST has it (ink = the pixel's brightness × alpha).
 */
export function downsampleTo28(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  if (rgba.length !== width * height * 4) throw new RangeError(`downsampleTo28: ${rgba.length} bytes is not ${width}x${height} RGBA`);
  const out = new Float32Array(784);
  const counts = new Float32Array(784);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(27, Math.floor((y * 28) / height));
    for (let x = 0; x < width; x++) {
      const tx = Math.min(27, Math.floor((x * 28) / width));
      const i = 4 * (y * width + x);
      const v = ((rgba[i]! + rgba[i + 1]! + rgba[i + 2]!) / (3 * 255)) * (rgba[i + 3]! / 255);
      out[ty * 28 + tx] += v;
      counts[ty * 28 + tx] += 1;
    }
  }
  for (let k = 0; k < 784; k++) out[k] = counts[k]! > 0 ? out[k]! / counts[k]! : 0;
  return out;
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
