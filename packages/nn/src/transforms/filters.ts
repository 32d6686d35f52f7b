import { checkArrayLike, checkInt, fail } from '../check.js';
import { borderIndexUnchecked as borderIndex } from './border.js';

/**
 * Fixed 3x3 kernels for the lecture's "what does a convolution do" demonstration, row-major.
 * Applied as cross-correlation (no kernel flip), like a conv layer.
 */
export const SHARPEN: readonly number[] = Object.freeze([0, -1, 0, -1, 5, -1, 0, -1, 0]);
/** Laplacian-style edge detector: responds to any intensity change, 0 on flat regions. */
export const EDGE_DETECT: readonly number[] = Object.freeze([-1, -1, -1, -1, 8, -1, -1, -1, -1]);
/** Horizontal gradient (responds to vertical edges), positive where intensity rises to the right. */
export const SOBEL_X: readonly number[] = Object.freeze([-1, 0, 1, -2, 0, 2, -1, 0, 1]);
/** Vertical gradient (responds to horizontal edges), positive where intensity rises downwards. */
export const SOBEL_Y: readonly number[] = Object.freeze([-1, -2, -1, 0, 0, 0, 1, 2, 1]);
/** Mean of the 3x3 neighbourhood. */
export const BOX_BLUR: readonly number[] = Object.freeze([1, 1, 1, 1, 1, 1, 1, 1, 1].map((v) => v / 9));

/**
 * Cross-correlates one `[H, W]` plane with a 3x3 kernel; borders repeat the edge pixel (`clamp`),
 * so a flat image gives exactly `sum(kernel) * value` everywhere (0 for the edge kernels).
 *
 * @example applyFilter(plane, 28, 28, SOBEL_X) // -> [28, 28]
 */
export function applyFilter(image: Float32Array, h: number, w: number, kernel: ArrayLike<number>): Float32Array {
  if (!(image instanceof Float32Array)) fail('applyFilter', 'image', 'a Float32Array [H, W]', image);
  checkInt('applyFilter', 'h', h, 1);
  checkInt('applyFilter', 'w', w, 1);
  checkArrayLike('applyFilter', 'kernel', kernel, 'an array of 9 numbers (3x3)');
  if (kernel.length !== 9) throw new RangeError(`applyFilter: kernel must have 9 values (3x3), got ${kernel.length}`);
  if (image.length !== h * w) {
    throw new RangeError(`applyFilter: image has ${image.length} values but H=${h} W=${w} needs ${h * w}`);
  }
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let s = 0;
      for (let di = -1; di <= 1; di++) {
        const row = borderIndex(i + di, h, 'clamp') * w;
        for (let dj = -1; dj <= 1; dj++) s += kernel[(di + 1) * 3 + dj + 1]! * image[row + borderIndex(j + dj, w, 'clamp')]!;
      }
      out[i * w + j] = s;
    }
  }
  return out;
}
