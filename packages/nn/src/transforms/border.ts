/**
 * How a filter reads outside the image.
 * - `reflect`: mirror without repeating the edge (`d c b | a b c d | c b a`, PyTorch `reflect`).
 * - `clamp`: repeat the edge pixel (`a a | a b c d | d d`, PyTorch `replicate`).
 * - `wrap`: periodic (`c d | a b c d | a b`, PyTorch `circular`).
 *
 * Note [blur borders]: zero padding is not offered because it darkens the border, so a blurred
 * constant image would no longer be constant. With a kernel summing to 1, every mode here maps a
 * constant image to itself exactly (up to float rounding); `wrap` moreover preserves the mean of
 * any image (a circular convolution with a unit-sum kernel), in particular of periodic patterns
 * whose period divides the image size; `reflect` and `clamp` preserve the mean of a periodic
 * image only approximately (the border weights differ).
 */
export type BorderMode = 'reflect' | 'clamp' | 'wrap';

import { checkInt, checkOneOf } from '../check.js';

export const BORDER_MODES: readonly BorderMode[] = ['reflect', 'clamp', 'wrap'];

/** Maps an out-of-range index to one inside `[0, n)` according to `mode`. */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  checkInt('borderIndex', 'i', i, -Infinity);
  checkInt('borderIndex', 'n', n, 1);
  checkOneOf('borderIndex', 'mode', mode, BORDER_MODES);
  return borderIndexUnchecked(i, n, mode);
}

/**
 * borderIndex without the argument checks, for the filters' inner loops (one call per tap),
 * whose callers check n and mode once.
 */
export function borderIndexUnchecked(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  if (mode === 'clamp') return i < 0 ? 0 : n - 1;
  if (mode === 'wrap') return ((i % n) + n) % n;
  // reflect-101 has period 2(n-1); fold into it so kernels wider than the image still work.
  const p = 2 * (n - 1);
  const r = ((i % p) + p) % p;
  return r < n ? r : p - r;
}
