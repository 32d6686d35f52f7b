// Layout kernels: fill and one strided copy that serves permute, slice, pad, concat and
// broadcastTo (the TS side only computes strides and offsets). Pointers are byte addresses,
// counts and strides ELEMENTS. Scalar except for contiguous rows (memory.copy): a compromise,
// these ops are rare in the training step of a CNN.
import { metaAt, setMetaAt, outerCount } from './strided';

/** ptr[0..count) = value. */
export function fill(ptr: usize, count: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(ptr + (<usize>i << 2), v);
  for (; i < count; i++) store<f32>(ptr + (<usize>i << 2), value);
}

/**
 * dst[idx·dstStrides] = src[idx·srcStrides] for every idx < shape. metaPtr: Note [strided meta
 * block] with arrays shape, srcStrides, dstStrides, counters.
 */
export function copyStrided(srcPtr: usize, dstPtr: usize, ndim: i32, metaPtr: usize): void {
  const last = ndim - 1;
  const len = metaAt(metaPtr, 0, ndim, last);
  const sStride = metaAt(metaPtr, 1, ndim, last);
  const dStride = metaAt(metaPtr, 2, ndim, last);
  const outer = outerCount(metaPtr, ndim);
  for (let d = 0; d < ndim; d++) setMetaAt(metaPtr, 3, ndim, d, 0);
  let sOff = 0, dOff = 0;
  for (let o = 0; o < outer; o++) {
    const sRowPtr = srcPtr + (<usize>sOff << 2);
    const dRowPtr = dstPtr + (<usize>dOff << 2);
    if (sStride == 1 && dStride == 1) {
      memory.copy(dRowPtr, sRowPtr, <usize>len << 2);
    } else {
      for (let i = 0; i < len; i++) {
        store<f32>(dRowPtr + (<usize>(i * dStride) << 2), load<f32>(sRowPtr + (<usize>(i * sStride) << 2)));
      }
    }
    for (let d = last - 1; d >= 0; d--) {
      const extent = metaAt(metaPtr, 0, ndim, d);
      const counter = metaAt(metaPtr, 3, ndim, d) + 1;
      sOff += metaAt(metaPtr, 1, ndim, d);
      dOff += metaAt(metaPtr, 2, ndim, d);
      if (counter < extent) { setMetaAt(metaPtr, 3, ndim, d, counter); break; }
      setMetaAt(metaPtr, 3, ndim, d, 0);
      sOff -= metaAt(metaPtr, 1, ndim, d) * extent;
      dOff -= metaAt(metaPtr, 2, ndim, d) * extent;
    }
  }
}

/** dst[0..count) = src[0..count) (memmove). */
export function copy(dstPtr: usize, srcPtr: usize, count: i32): void {
  memory.copy(dstPtr, srcPtr, <usize>count << 2);
}
