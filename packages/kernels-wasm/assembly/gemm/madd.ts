// Note [relaxed madd]: the one f32x4 multiply-add of the GEMM microkernels, chosen when the module
// is compiled. The same sources build twice: kernels.wasm / kernels-single.wasm with plain SIMD
// (f32x4.mul then f32x4.add, two roundings, bit-identical to the code before this helper) and
// kernels-relaxed.wasm / kernels-single-relaxed.wasm with the relaxed-simd feature enabled
// (asconfig.json), where ASC_FEATURE_RELAXED_SIMD is true and the compiler never sees the other
// branch. f32x4.relaxed_madd lets the engine fuse (one rounding, vfmadd on x86 with FMA) or not;
// which one is fixed per machine, so results stay deterministic on a given host but may differ
// from the plain build by the rounding of each product. src/kernels.ts loads the relaxed build by
// default where the engine supports it (relaxedSimd: false / TAPEGRAD_RELAXED_SIMD=0: plain).
// (Tried in the weight-gradient dot products of conv/dots.ts too: no faster there, so they stay mul + add.)

/** a·b + c on four f32 lanes (fused where the relaxed build runs on an FMA machine). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
