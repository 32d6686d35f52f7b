// Note [zero-skipping A panels]: a GEMM whose A operand holds many exact zeros (the FNN's input
// images: half of Fashion-MNIST's pixels are 0) can drop, from each packed A panel, the k steps at
// which every row of the panel is zero: those multiply-adds add ±0 to the accumulators. packASkip
// packs the panels as packA does (5-row panels in the relaxed build, 4-row panels) but compacted,
// with one list per panel of the k indices kept; gemm4x8Skip / gemm5x8Skip (../gemm.ts) then read
// the B row of each kept index. The result is bit-identical to the dense kernels' when B is finite:
// an accumulator starts at +0, x + (±0) = x for every x ≠ −0, and a sum of finite terms that
// rounds to zero is +0, so no accumulator is ever −0 (the kept steps run in the same order).
// With an infinite or NaN value in B, 0·B would have been NaN, so `gemm` checks B (allFinite)
// and packs densely when it is not finite. Only steps at which the whole panel is zero are
// skipped: half of Fashion-MNIST's pixels are zero, but at a given pixel all 5 images of a panel
// are zero for 18 % of the pixels (4 images: 21 %), which is what the forward x·Wᵀ of the FNN
// saves. The compaction costs one store of each step and no branch; a dense A pays that and the
// index loads for nothing, so the driver (src/gemm.ts) asks for it only where zeros are likely.
//
// Layout: the panels sit where packA puts them; the index lists follow the panels, one per panel
// of k + 1 i32: [count, p0, p1, … p(count−1)]. Pointers are byte addresses; dims in ELEMENTS.
import { GEMM_MR as MR, GEMM_MR_WIDE, GEMM_WIDE_STEP_BYTES, gemmWideRows } from './tiles';
import { gemmPackABytes, packA } from './pack';

/** Bytes of pack scratch packASkip needs for `rows` rows: the panels, then one index list per panel. */
export function gemmSkipPackABytes(rows: i32, k: i32): i32 {
  return gemmPackABytes(rows, k) + ((rows + MR - 1) / MR) * (k + 1) * 4;
}

/** Byte address of the first index list, for a share of `rows` rows packed at packPtr. */
// @ts-ignore: decorator
@inline export function skipListsPtr(packPtr: usize, rows: i32, k: i32): usize {
  return packPtr + <usize>gemmPackABytes(rows, k);
}

/** 1 if any bit of v is set (−0 counts as nonzero: it is then merely not skipped). */
// @ts-ignore: decorator
@inline function nonzero(v: v128): i32 {
  return v128.any_true(v) ? 1 : 0;
}

/**
 * Packs rows [rowBegin, rowEnd) of op(A) as packA does, each panel compacted to its k steps with a
 * nonzero row (Note [zero-skipping A panels]); the index lists go to skipListsPtr(packPtr, rows, k).
 */
export function packASkip(aPtr: usize, packPtr: usize, m: i32, k: i32, transA: bool, rowBegin: i32, rowEnd: i32): void {
  let outPtr = packPtr;
  let listPtr = skipListsPtr(packPtr, rowEnd - rowBegin, k);
  const listBytes = (<usize>k + 1) << 2;
  if (ASC_FEATURE_RELAXED_SIMD) {
    const wideEnd = rowBegin + gemmWideRows(rowEnd - rowBegin);
    for (let i0 = rowBegin; i0 < wideEnd; i0 += GEMM_MR_WIDE) {
      packWidePanelSkip(aPtr, outPtr, listPtr, m, k, transA, i0);
      densify(aPtr, outPtr, listPtr, m, k, transA, i0, GEMM_MR_WIDE);
      outPtr += <usize>k * GEMM_WIDE_STEP_BYTES;
      listPtr += listBytes;
    }
    rowBegin = wideEnd;
  }
  for (let i0 = rowBegin; i0 < rowEnd; i0 += MR) {
    packPanelSkip(aPtr, outPtr, listPtr, m, k, transA, i0, min(MR, rowEnd - i0));
    densify(aPtr, outPtr, listPtr, m, k, transA, i0, min(MR, rowEnd - i0));
    outPtr += <usize>k * (MR << 4);
    listPtr += listBytes;
  }
}

/**
 * A panel that skips fewer than 1/8 of its steps is packed again densely (count = k, which the
 * kernels run with the dense tile): the list's indirect B loads cost about that much per step.
 */
// @ts-ignore: decorator
@inline function densify(aPtr: usize, outPtr: usize, listPtr: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32): void {
  const count = load<i32>(listPtr);
  if (count < k && count > k - (k >> 3)) {
    packA(aPtr, outPtr, m, k, transA, i0, i0 + rows);
    store<i32>(listPtr, k);
  }
}

/**
 * One 5-row panel (rows i0..i0+5) of the relaxed build, [count][a0 a1 a2 a3 | a4 a4 a4 a4]. Every
 * step is stored at the next free slot and the slot advances only when it holds a nonzero, so the
 * compaction has no data-dependent branch.
 */
function packWidePanelSkip(aPtr: usize, outPtr: usize, listPtr: usize, m: i32, k: i32, transA: bool, i0: i32): void {
  const stepBytes = <usize>GEMM_WIDE_STEP_BYTES;
  let count = 0;
  if (transA) {
    // A stored [k, m]: rows i0..i0+4 of op(A) are contiguous for each p.
    const rowStep = <usize>m << 2;
    let srcPtr = aPtr + (<usize>i0 << 2);
    for (let p = 0; p < k; p++) {
      const va0123 = v128.load(srcPtr);
      const va4 = v128.load32_splat(srcPtr, 16);
      const dstPtr = outPtr + <usize>count * stepBytes;
      v128.store(dstPtr, va0123);
      v128.store(dstPtr, va4, 16);
      store<i32>(listPtr + (<usize>(count + 1) << 2), p);
      count += nonzero(v128.or(va0123, va4));
      srcPtr += rowStep;
    }
  } else {
    // A stored [m, k]: 4x4 transposes of rows 0-3, four values of p at a time, and row 4's values.
    const rowBytes = <usize>k << 2;
    const r0Ptr = aPtr + <usize>i0 * rowBytes;
    const pEnd = k & ~3;
    for (let p = 0; p < pEnd; p += 4) {
      const srcPtr = r0Ptr + (<usize>p << 2);
      const vr0 = v128.load(srcPtr);
      const vr1 = v128.load(srcPtr + rowBytes);
      const vr2 = v128.load(srcPtr + 2 * rowBytes);
      const vr3 = v128.load(srcPtr + 3 * rowBytes);
      const vr4 = v128.load(srcPtr + 4 * rowBytes);
      const vt0 = v128.shuffle<f32>(vr0, vr1, 0, 4, 1, 5);
      const vt1 = v128.shuffle<f32>(vr0, vr1, 2, 6, 3, 7);
      const vt2 = v128.shuffle<f32>(vr2, vr3, 0, 4, 1, 5);
      const vt3 = v128.shuffle<f32>(vr2, vr3, 2, 6, 3, 7);
      count = wideStep(outPtr, listPtr, count, p, v128.shuffle<f32>(vt0, vt2, 0, 1, 4, 5), v128.shuffle<f32>(vr4, vr4, 0, 0, 0, 0));
      count = wideStep(outPtr, listPtr, count, p + 1, v128.shuffle<f32>(vt0, vt2, 2, 3, 6, 7), v128.shuffle<f32>(vr4, vr4, 1, 1, 1, 1));
      count = wideStep(outPtr, listPtr, count, p + 2, v128.shuffle<f32>(vt1, vt3, 0, 1, 4, 5), v128.shuffle<f32>(vr4, vr4, 2, 2, 2, 2));
      count = wideStep(outPtr, listPtr, count, p + 3, v128.shuffle<f32>(vt1, vt3, 2, 3, 6, 7), v128.shuffle<f32>(vr4, vr4, 3, 3, 3, 3));
    }
    for (let p = pEnd; p < k; p++) {
      const srcPtr = r0Ptr + (<usize>p << 2);
      let va0123 = v128.load32_splat(srcPtr);
      va0123 = f32x4.replace_lane(va0123, 1, load<f32>(srcPtr + rowBytes));
      va0123 = f32x4.replace_lane(va0123, 2, load<f32>(srcPtr + 2 * rowBytes));
      va0123 = f32x4.replace_lane(va0123, 3, load<f32>(srcPtr + 3 * rowBytes));
      count = wideStep(outPtr, listPtr, count, p, va0123, v128.load32_splat(srcPtr + 4 * rowBytes));
    }
  }
  store<i32>(listPtr, count);
}

/** Stores step p of a 5-row panel at slot `count`; returns the next free slot. */
// @ts-ignore: decorator
@inline function wideStep(outPtr: usize, listPtr: usize, count: i32, p: i32, va0123: v128, va4: v128): i32 {
  const dstPtr = outPtr + <usize>count * GEMM_WIDE_STEP_BYTES;
  v128.store(dstPtr, va0123);
  v128.store(dstPtr, va4, 16);
  store<i32>(listPtr + (<usize>(count + 1) << 2), p);
  return count + nonzero(v128.or(va0123, va4));
}

/**
 * One MR-row panel (rows i0..i0+rows, rows ≤ MR; the rest zero) in packA's pre-broadcast layout
 * [count][MR][4], compacted as packWidePanelSkip does.
 */
function packPanelSkip(aPtr: usize, outPtr: usize, listPtr: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32): void {
  const stepBytes = <usize>(MR << 4);
  let count = 0;
  if (rows == MR && !transA) {
    const rowBytes = <usize>k << 2;
    const r0Ptr = aPtr + <usize>i0 * rowBytes;
    const pEnd = k & ~3;
    for (let p = 0; p < pEnd; p += 4) {
      const srcPtr = r0Ptr + (<usize>p << 2);
      const vr0 = v128.load(srcPtr);
      const vr1 = v128.load(srcPtr + rowBytes);
      const vr2 = v128.load(srcPtr + 2 * rowBytes);
      const vr3 = v128.load(srcPtr + 3 * rowBytes);
      const vt0 = v128.shuffle<f32>(vr0, vr1, 0, 4, 1, 5);
      const vt1 = v128.shuffle<f32>(vr0, vr1, 2, 6, 3, 7);
      const vt2 = v128.shuffle<f32>(vr2, vr3, 0, 4, 1, 5);
      const vt3 = v128.shuffle<f32>(vr2, vr3, 2, 6, 3, 7);
      count = panelStep(outPtr, listPtr, count, p, v128.shuffle<f32>(vt0, vt2, 0, 1, 4, 5));
      count = panelStep(outPtr, listPtr, count, p + 1, v128.shuffle<f32>(vt0, vt2, 2, 3, 6, 7));
      count = panelStep(outPtr, listPtr, count, p + 2, v128.shuffle<f32>(vt1, vt3, 0, 1, 4, 5));
      count = panelStep(outPtr, listPtr, count, p + 3, v128.shuffle<f32>(vt1, vt3, 2, 3, 6, 7));
    }
    for (let p = pEnd; p < k; p++) count = panelStep(outPtr, listPtr, count, p, gatherColumn(aPtr, m, k, transA, i0, rows, p));
  } else if (rows == MR) {
    // transA: the 4 rows of op(A) at p are contiguous.
    let srcPtr = aPtr + (<usize>i0 << 2);
    for (let p = 0; p < k; p++) {
      count = panelStep(outPtr, listPtr, count, p, v128.load(srcPtr));
      srcPtr += <usize>m << 2;
    }
  } else {
    for (let p = 0; p < k; p++) count = panelStep(outPtr, listPtr, count, p, gatherColumn(aPtr, m, k, transA, i0, rows, p));
  }
  store<i32>(listPtr, count);
}

/** op(A)[i0 + r, p] in lane r for r < rows, 0 in the other lanes. */
// @ts-ignore: decorator
@inline function gatherColumn(aPtr: usize, m: i32, k: i32, transA: bool, i0: i32, rows: i32, p: i32): v128 {
  let v = f32x4.splat(0);
  const rowStep: usize = transA ? 4 : <usize>k << 2;
  const srcPtr = aPtr + (transA ? (<usize>p * <usize>m + <usize>i0) << 2 : (<usize>i0 * <usize>k + <usize>p) << 2);
  v = f32x4.replace_lane(v, 0, load<f32>(srcPtr));
  if (rows > 1) v = f32x4.replace_lane(v, 1, load<f32>(srcPtr + rowStep));
  if (rows > 2) v = f32x4.replace_lane(v, 2, load<f32>(srcPtr + 2 * rowStep));
  if (rows > 3) v = f32x4.replace_lane(v, 3, load<f32>(srcPtr + 3 * rowStep));
  return v;
}

/** Stores step p of an MR-row panel (lane r = row r) pre-broadcast at slot `count`; returns the next free slot. */
// @ts-ignore: decorator
@inline function panelStep(outPtr: usize, listPtr: usize, count: i32, p: i32, va: v128): i32 {
  const dstPtr = outPtr + <usize>count * (MR << 4);
  v128.store(dstPtr, v128.shuffle<f32>(va, va, 0, 0, 0, 0));
  v128.store(dstPtr, v128.shuffle<f32>(va, va, 1, 1, 1, 1), 16);
  v128.store(dstPtr, v128.shuffle<f32>(va, va, 2, 2, 2, 2), 32);
  v128.store(dstPtr, v128.shuffle<f32>(va, va, 3, 3, 3, 3), 48);
  store<i32>(listPtr + (<usize>(count + 1) << 2), p);
  return count + nonzero(va);
}

/** Whether all `count` f32 at ptr are finite (0·x is 0 for each): the condition for skipping. */
export function allFinite(ptr: usize, count: i32): bool {
  let vacc = f32x4.splat(0);
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) vacc = f32x4.add(vacc, f32x4.mul(v128.load(ptr + (<usize>i << 2)), vzero));
  let s: f32 = f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1) + f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3);
  for (; i < count; i++) s += load<f32>(ptr + (<usize>i << 2)) * 0;
  return s == 0;
}
