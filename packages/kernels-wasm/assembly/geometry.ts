// Note [geometry block]: conv / pool kernels take `geomPtr`, the byte address of 14 i32 written by
// the TS side in ConvGeometry order: n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow.
// One block per call keeps the kernel signatures short and lets worker threads share it.

export const G_N: usize = 0;
export const G_C: usize = 4;
export const G_H: usize = 8;
export const G_W: usize = 12;
export const G_KH: usize = 16;
export const G_KW: usize = 20;
export const G_SH: usize = 24;
export const G_SW: usize = 28;
export const G_PH: usize = 32;
export const G_PW: usize = 36;
export const G_DH: usize = 40;
export const G_DW: usize = 44;
export const G_OH: usize = 48;
export const G_OW: usize = 52;

// @ts-ignore: decorator
@inline export function geom(geomPtr: usize, field: usize): i32 {
  return load<i32>(geomPtr + field);
}

/** First output index o in [0, outSize) with o·stride + offset >= 0. */
// @ts-ignore: decorator
@inline export function firstValid(offset: i32, stride: i32, outSize: i32): i32 {
  if (offset >= 0) return 0;
  return min(outSize, (-offset + stride - 1) / stride);
}

/** One past the last output index o with o·stride + offset < size. */
// @ts-ignore: decorator
@inline export function endValid(offset: i32, stride: i32, size: i32, outSize: i32): i32 {
  if (offset >= size) return 0;
  return max(0, min(outSize, (size - offset + stride - 1) / stride));
}

/** C·KH·KW: the reduction of a conv's im2col GEMM. */
// @ts-ignore: decorator
@inline export function geomCkk(geomPtr: usize): i32 {
  return geom(geomPtr, G_C) * geom(geomPtr, G_KH) * geom(geomPtr, G_KW);
}

/** OH·OW: output positions per plane. */
// @ts-ignore: decorator
@inline export function geomOutPlane(geomPtr: usize): i32 {
  return geom(geomPtr, G_OH) * geom(geomPtr, G_OW);
}

/** Bytes of one input image, C·H·W f32. */
// @ts-ignore: decorator
@inline export function geomImageBytes(geomPtr: usize): usize {
  return <usize>(geom(geomPtr, G_C) * geom(geomPtr, G_H) * geom(geomPtr, G_W)) << 2;
}
