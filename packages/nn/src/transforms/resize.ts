import { describeValue } from '../check.js';
import { checkImage, type ImageShape } from './transform.js';

const f32 = Math.fround;

/**
 * Source rows (or columns) and weights of a 1-D linear resize from `inSize` to `outSize` samples,
 * as PyTorch's `compute_source_index_and_lambda` (align_corners=False): half-pixel centres,
 * source coordinate `(d + 0.5)·in/out − 0.5` clamped at 0, all in float32.
 */
function linearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    if (inSize === outSize) {
      i0[d] = d;
      i1[d] = d;
      w0[d] = 1;
      continue;
    }
    let src = f32(f32(scale * f32(d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f32(src - lo), 0), 1);
    i0[d] = lo;
    i1[d] = lo + (lo < inSize - 1 ? 1 : 0);
    w1[d] = lambda;
    w0[d] = f32(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/**
 * Resizes an image `[C, H, W]` to `[C, height, width]` by bilinear interpolation with half-pixel
 * centres and no antialiasing: the numbers of
 * `torch.nn.functional.interpolate(x, size, mode='bilinear', align_corners=False)`, i.e.
 * torchvision's `Resize(size, antialias=False)` on a tensor (pinned against PyTorch 1.13 in
 * `test/image-folder.test.ts`). NOTE: PIL's (and torchvision's PIL-image) bilinear resize
 * antialiases when shrinking, so its numbers differ from these when an image is made smaller.
 * Returns a fresh array (a copy when the size is unchanged).
 * @example resizeBilinear(image, [3, 480, 640], [64, 64]) // [3, 64, 64]
 */
export function resizeBilinear(image: Float32Array, shape: ImageShape, size: readonly [height: number, width: number]): Float32Array {
  checkImage('resizeBilinear', image, shape);
  const [c, h, w] = shape;
  if (!Array.isArray(size) || size.length !== 2) throw new RangeError(`resizeBilinear: size must be [height, width] positive integers, got ${describeValue(size)}`);
  const [oh, ow] = size;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new RangeError(`resizeBilinear: size must be [height, width] positive integers, got [${size.join(', ')}]`);
  }
  if (oh === h && ow === w) return image.slice();
  const rows = linearTaps(h, oh);
  const cols = linearTaps(w, ow);
  const out = new Float32Array(c * oh * ow);
  for (let p = 0; p < c; p++) {
    const src = p * h * w;
    const dst = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = src + rows.i0[y]! * w;
      const r1 = src + rows.i1[y]! * w;
      const h0 = rows.w0[y]!;
      const h1 = rows.w1[y]!;
      for (let x = 0; x < ow; x++) {
        const c0 = cols.i0[x]!;
        const c1 = cols.i1[x]!;
        const v0 = cols.w0[x]!;
        const v1 = cols.w1[x]!;
        // PyTorch's order: interpolate along W within each of the two rows, then along H.
        const top = f32(f32(image[r0 + c0]! * v0) + f32(image[r0 + c1]! * v1));
        const bottom = f32(f32(image[r1 + c0]! * v0) + f32(image[r1 + c1]! * v1));
        out[dst + y * ow + x] = f32(top * h0) + f32(bottom * h1);
      }
    }
  }
  return out;
}
