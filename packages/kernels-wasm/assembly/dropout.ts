// Counter-based randomness (see Backend.dropoutMask in packages/autograd/src/backend.ts):
// u_i = (lowbias32(seed + i·0x9E3779B9) >>> 8) · 2⁻²⁴, all arithmetic mod 2³², so any index
// range [begin, end) is computed independently (threads) and every backend agrees bit for bit.

// @ts-ignore: decorator
@inline function lowbias32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/** out[i − begin] = u_i < p ? 0 : 1/(1−p) for i in [begin, end). */
export function dropoutMask(outPtr: usize, begin: i32, end: i32, p: f64, seed: u32): void {
  const keep = <f32>(1 / (1 - p));
  for (let i = begin; i < end; i++) {
    const h = lowbias32(seed + <u32>i * 0x9E3779B9);
    const u = <f64>(h >>> 8) * 5.9604644775390625e-8; // 2⁻²⁴
    store<f32>(outPtr + (<usize>(i - begin) << 2), u < p ? 0 : keep);
  }
}
