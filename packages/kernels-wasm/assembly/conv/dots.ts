// Row-by-row dot products for weight gradients, where both operands are stored contiguous along
// the reduction (im2col rows and dy rows; Winograd's V and Z rows). Pointers are byte addresses.
// NOTE: the tiles' multiply-adds are the GEMM's madd (Note [relaxed madd], gemm/madd.ts): mul + add
// in the plain build (bit-identical to before), fused relaxed_madd in the relaxed one. Once the
// cross-lane sums were out of the Winograd loop (accumulateDotLanes) this paid everywhere, unlike
// the earlier try that madd.ts mentions: weight gradients 0.81–0.89× (conv1, conv2, the resnet
// stem, stride-2 and 16×16×64 convs; apps/bench/scripts/conv-ab.mjs, 40 rounds, CPU time, AMD EPYC).
import { madd } from '../gemm/madd';

/** Σ of the four lanes. */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Σ_t a[t]·b[t] over t in [0, t): two f32x4 accumulators (a single one waits on the add latency), then a scalar tail. */
function dot(aPtr: usize, bPtr: usize, t: i32): f32 {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= t; i += 8) {
    const off = <usize>i << 2;
    vacc0 = f32x4.add(vacc0, f32x4.mul(v128.load(aPtr + off), v128.load(bPtr + off)));
    vacc1 = f32x4.add(vacc1, f32x4.mul(v128.load(aPtr + off, 16), v128.load(bPtr + off, 16)));
  }
  for (; i + 4 <= t; i += 4) vacc0 = f32x4.add(vacc0, f32x4.mul(v128.load(aPtr + (<usize>i << 2)), v128.load(bPtr + (<usize>i << 2))));
  let acc = hsum(f32x4.add(vacc0, vacc1));
  for (; i < t; i++) acc += load<f32>(aPtr + (<usize>i << 2)) * load<f32>(bPtr + (<usize>i << 2));
  return acc;
}

/**
 * out[j·step] += Σ_t a[t] · b_j[t] for the four rows b_j = b0 + j·bRowBytes (one row against four:
 * four accumulators, 5 loads per 4 multiply-adds), each reduced across lanes, then a scalar tail.
 */
function dot1x4(aPtr: usize, bPtr: usize, bRowBytes: usize, outPtr: usize, outStepBytes: usize, t: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const t4 = t & ~3;
  for (let i = 0; i < t4; i += 4) {
    const off = <usize>i << 2;
    const va = v128.load(aPtr + off);
    a0 = madd(va, v128.load(bPtr + off), a0);
    a1 = madd(va, v128.load(bPtr + bRowBytes + off), a1);
    a2 = madd(va, v128.load(bPtr + 2 * bRowBytes + off), a2);
    a3 = madd(va, v128.load(bPtr + 3 * bRowBytes + off), a3);
  }
  let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
  for (let i = t4; i < t; i++) {
    const off = <usize>i << 2;
    const x = load<f32>(aPtr + off);
    s0 += x * load<f32>(bPtr + off); s1 += x * load<f32>(bPtr + bRowBytes + off);
    s2 += x * load<f32>(bPtr + 2 * bRowBytes + off); s3 += x * load<f32>(bPtr + 3 * bRowBytes + off);
  }
  store<f32>(outPtr, load<f32>(outPtr) + s0);
  store<f32>(outPtr + outStepBytes, load<f32>(outPtr + outStepBytes) + s1);
  store<f32>(outPtr + 2 * outStepBytes, load<f32>(outPtr + 2 * outStepBytes) + s2);
  store<f32>(outPtr + 3 * outStepBytes, load<f32>(outPtr + 3 * outStepBytes) + s3);
}

/**
 * out[c][o] += Σ_t v[c][t] · z[o][t] (rows of T floats, T apart): both operands are contiguous
 * along the reduction, so this is dot products, 4 rows of v × 2 rows of z at a time (8 f32x4
 * accumulators, 6 loads per 8 multiply-adds, no packing), each reduced across lanes at the end.
 * On the case-study conv2 weight gradient it measured ~10 % faster than packing z and running the
 * 4x8 GEMM tile with v broadcast one value at a time (removed since): 5.2-6.3 vs 5.9-7.7 ms,
 * alternating, under load.
 */
export function accumulateDots(vPtr: usize, zPtr: usize, outPtr: usize, c: i32, o: i32, t: i32): void {
  const rowBytes = <usize>t << 2;
  const t4 = t & ~3;
  const c4 = c & ~3, o2 = o & ~1;
  for (let ci = 0; ci < c4; ci += 4) {
    const v0 = vPtr + <usize>ci * rowBytes;
    for (let oj = 0; oj < o2; oj += 2) {
      const z0 = zPtr + <usize>oj * rowBytes;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let i = 0; i < t4; i += 4) {
        const off = <usize>i << 2;
        const vz0 = v128.load(z0 + off), vz1 = v128.load(z0 + rowBytes + off);
        const vv0 = v128.load(v0 + off);
        a00 = madd(vv0, vz0, a00); a01 = madd(vv0, vz1, a01);
        const vv1 = v128.load(v0 + rowBytes + off);
        a10 = madd(vv1, vz0, a10); a11 = madd(vv1, vz1, a11);
        const vv2 = v128.load(v0 + 2 * rowBytes + off);
        a20 = madd(vv2, vz0, a20); a21 = madd(vv2, vz1, a21);
        const vv3 = v128.load(v0 + 3 * rowBytes + off);
        a30 = madd(vv3, vz0, a30); a31 = madd(vv3, vz1, a31);
      }
      const out = outPtr + (<usize>(ci * o + oj) << 2);
      const ob = <usize>o << 2;
      let s00 = hsum(a00), s01 = hsum(a01), s10 = hsum(a10), s11 = hsum(a11);
      let s20 = hsum(a20), s21 = hsum(a21), s30 = hsum(a30), s31 = hsum(a31);
      for (let i = t4; i < t; i++) {
        const off = <usize>i << 2;
        const zv0 = load<f32>(z0 + off), zv1 = load<f32>(z0 + rowBytes + off);
        const x0 = load<f32>(v0 + off), x1 = load<f32>(v0 + rowBytes + off);
        const x2 = load<f32>(v0 + 2 * rowBytes + off), x3 = load<f32>(v0 + 3 * rowBytes + off);
        s00 += x0 * zv0; s01 += x0 * zv1; s10 += x1 * zv0; s11 += x1 * zv1;
        s20 += x2 * zv0; s21 += x2 * zv1; s30 += x3 * zv0; s31 += x3 * zv1;
      }
      store<f32>(out, load<f32>(out) + s00); store<f32>(out, load<f32>(out, 4) + s01, 4);
      store<f32>(out + ob, load<f32>(out + ob) + s10); store<f32>(out + ob, load<f32>(out + ob, 4) + s11, 4);
      store<f32>(out + 2 * ob, load<f32>(out + 2 * ob) + s20); store<f32>(out + 2 * ob, load<f32>(out + 2 * ob, 4) + s21, 4);
      store<f32>(out + 3 * ob, load<f32>(out + 3 * ob) + s30); store<f32>(out + 3 * ob, load<f32>(out + 3 * ob, 4) + s31, 4);
    }
  }
  // The last row of z when O is odd, against each group of 4 rows of v; then the rows of v past
  // the last group of 4 against groups of 4 rows of z (conv1's C·KH·KW = 9: row 8, half the work
  // before these took 4 accumulators), and what is left one dot product each.
  const outRowBytes = <usize>o << 2;
  if (o2 < o) {
    for (let ci = 0; ci < c4; ci += 4) dot1x4(zPtr + <usize>o2 * rowBytes, vPtr + <usize>ci * rowBytes, rowBytes, outPtr + (<usize>(ci * o + o2) << 2), outRowBytes, t);
  }
  const o4 = o & ~3;
  for (let ci = c4; ci < c; ci++) {
    const v = vPtr + <usize>ci * rowBytes;
    for (let oj = 0; oj < o4; oj += 4) dot1x4(v, zPtr + <usize>oj * rowBytes, rowBytes, outPtr + (<usize>(ci * o + oj) << 2), 4, t);
    for (let oj = o4; oj < o; oj++) {
      const out = outPtr + (<usize>(ci * o + oj) << 2);
      store<f32>(out, load<f32>(out) + dot(v, zPtr + <usize>oj * rowBytes, t));
    }
  }
}


/** acc with `tail` added to lane 0 (the scalar tail of a dot product kept in lane partials). */
// @ts-ignore: decorator
@inline function addLane0(acc: v128, tail: f32): v128 {
  return f32x4.replace_lane(acc, 0, f32x4.extract_lane(acc, 0) + tail);
}

/** out += acc at outPtr (one f32x4 of lane partials). */
// @ts-ignore: decorator
@inline function addTo(outPtr: usize, acc: v128): void {
  v128.store(outPtr, f32x4.add(v128.load(outPtr), acc));
}

/**
 * Lanes[c][o] += the four lane partials of Σ_t v[c][t] · z[o][t] (rows of T floats, T apart; Lanes is
 * [C][O] f32x4, 16 bytes per pair): accumulateDots without the reduction across lanes, for callers
 * that sum many short rows into the same pairs (the Winograd weight gradient, one call per block
 * and position) and reduce once at the end (reduceDotLanes). The 8 cross-lane sums per 4 × 2 pairs
 * and call were a fifth of the work at T = 144 (the case-study conv2 block). The scalar tail
 * (T not a multiple of 4) goes into lane 0.
 */
export function accumulateDotLanes(vPtr: usize, zPtr: usize, lanesPtr: usize, c: i32, o: i32, t: i32): void {
  const rowBytes = <usize>t << 2;
  const t4 = t & ~3;
  const c4 = c & ~3, o2 = o & ~1;
  const ob = <usize>o << 4;
  for (let ci = 0; ci < c4; ci += 4) {
    const v0 = vPtr + <usize>ci * rowBytes;
    for (let oj = 0; oj < o2; oj += 2) {
      const z0 = zPtr + <usize>oj * rowBytes;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let i = 0; i < t4; i += 4) {
        const off = <usize>i << 2;
        const vz0 = v128.load(z0 + off), vz1 = v128.load(z0 + rowBytes + off);
        const vv0 = v128.load(v0 + off);
        a00 = madd(vv0, vz0, a00); a01 = madd(vv0, vz1, a01);
        const vv1 = v128.load(v0 + rowBytes + off);
        a10 = madd(vv1, vz0, a10); a11 = madd(vv1, vz1, a11);
        const vv2 = v128.load(v0 + 2 * rowBytes + off);
        a20 = madd(vv2, vz0, a20); a21 = madd(vv2, vz1, a21);
        const vv3 = v128.load(v0 + 3 * rowBytes + off);
        a30 = madd(vv3, vz0, a30); a31 = madd(vv3, vz1, a31);
      }
      if (t4 < t) {
        let s00: f32 = 0, s01: f32 = 0, s10: f32 = 0, s11: f32 = 0, s20: f32 = 0, s21: f32 = 0, s30: f32 = 0, s31: f32 = 0;
        for (let i = t4; i < t; i++) {
          const off = <usize>i << 2;
          const zv0 = load<f32>(z0 + off), zv1 = load<f32>(z0 + rowBytes + off);
          const x0 = load<f32>(v0 + off), x1 = load<f32>(v0 + rowBytes + off);
          const x2 = load<f32>(v0 + 2 * rowBytes + off), x3 = load<f32>(v0 + 3 * rowBytes + off);
          s00 += x0 * zv0; s01 += x0 * zv1; s10 += x1 * zv0; s11 += x1 * zv1;
          s20 += x2 * zv0; s21 += x2 * zv1; s30 += x3 * zv0; s31 += x3 * zv1;
        }
        a00 = addLane0(a00, s00); a01 = addLane0(a01, s01); a10 = addLane0(a10, s10); a11 = addLane0(a11, s11);
        a20 = addLane0(a20, s20); a21 = addLane0(a21, s21); a30 = addLane0(a30, s30); a31 = addLane0(a31, s31);
      }
      const out = lanesPtr + (<usize>(ci * o + oj) << 4);
      addTo(out, a00); addTo(out + 16, a01);
      addTo(out + ob, a10); addTo(out + ob + 16, a11);
      addTo(out + 2 * ob, a20); addTo(out + 2 * ob + 16, a21);
      addTo(out + 3 * ob, a30); addTo(out + 3 * ob + 16, a31);
    }
  }
  // Rows of v past the last group of 4, or rows of z past the last pair: one dot product each.
  for (let ci = 0; ci < c; ci++) {
    for (let oj = ci < c4 ? o2 : 0; oj < o; oj++) {
      const a = vPtr + <usize>ci * rowBytes, b = zPtr + <usize>oj * rowBytes;
      let vacc = f32x4.splat(0);
      for (let i = 0; i < t4; i += 4) vacc = f32x4.add(vacc, f32x4.mul(v128.load(a + (<usize>i << 2)), v128.load(b + (<usize>i << 2))));
      let tail: f32 = 0;
      for (let i = t4; i < t; i++) tail += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
      addTo(lanesPtr + (<usize>(ci * o + oj) << 4), addLane0(vacc, tail));
    }
  }
}

/** dst[i] = Σ of the four lanes of src[i] for i in [0, count) (src: f32x4 each, from accumulateDotLanes). */
export function reduceDotLanes(srcPtr: usize, dstPtr: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<f32>(dstPtr + (<usize>i << 2), hsum(v128.load(srcPtr + (<usize>i << 4))));
}
