// GEMM: C[b] = op(A[b]) · op(B[b]) (+ bias) (then ReLU), f32x4 register tiles over packed panels.
//
// Pointers are byte addresses into linear memory. Dims, leading dimensions and batch strides
// are in ELEMENTS (f32), matching the Backend contract; only `ldcBytes` inside the microkernel
// is in bytes.
//
// Scheme (as in XNNPACK / BLIS, without the cache-level K blocking):
//   - op(B) is packed into NR-column panels laid out [k][NR] (zero-padded past n),
//   - op(A) is packed into MR-row panels laid out [k][MR][4] (pre-broadcast, zero-padded past m),
//   - gemm4x8 multiplies one A panel by one B panel into 8 f32x4 accumulators.
// Tiles measured on this machine's Zen 5 core (256³, best of 7): 4x8 ~47 GFLOP/s; 5x8 ~20 and
// 6x8 ~24 (V8 spills: 15 allocatable xmm registers), 4x8 with K unrolled by 2 ~23.
// The relaxed build adds gemm5x8 (A rows 0-3 as lanes; Note [5-row tiles], gemm/tiles.ts) for most
// rows: 256³ ~50.7 vs 46.9 GFLOP/s for 4x8 with relaxed_madd; 6x8 pre-broadcast spills there too (25).
// Packing (gemm/pack.ts) reads either storage order, so a transposed operand is never materialised.
// A batch stride of 0 broadcasts the operand, and it is packed only once.
// NOTE: the microkernel reads (never writes) up to 28 bytes past the last bias / C element of a
// partial tile; the TS allocator keeps a guard zone at the end of the heap so this cannot trap.

import { GEMM_MR as MR, GEMM_NR as NR, GEMM_MR_WIDE, GEMM_WIDE_STEP_BYTES, gemmWideRows } from './gemm/tiles';
import { packA, packB } from './gemm/pack';
import { madd } from './gemm/madd';
import { allFinite, packASkip, skipListsPtr } from './gemm/skip';
export { packA, packB, gemmPackABytes, gemmPackBBytes } from './gemm/pack';
export { gemmSkipPackABytes } from './gemm/skip';
export { gemmTranspose } from './gemm/transpose';

/** C starts as C (beta = 1) instead of 0: accumulation across calls or across the batch. */
export const GEMM_ACCUMULATE: i32 = 1;
export const GEMM_RELU: i32 = 2;
/** bias[m]: one value per row of C (conv forward, output channels). */
export const GEMM_BIAS_ROW: i32 = 4;
/** bias[n]: one value per column of C (Linear). */
export const GEMM_BIAS_COL: i32 = 8;
/**
 * Skip the k steps at which every row of a packed A panel is zero (Note [zero-skipping A panels],
 * gemm/skip.ts): for an A with many exact zeros. Needs packAPtr of gemmSkipPackABytes; applies to
 * batch 1 with a packed B (else, or when B is not finite, the dense path runs: same result).
 */
export const GEMM_SKIP_ZEROS: i32 = 16;

// @ts-ignore: decorator
@inline function storePartial(ptr: usize, v: v128, count: i32): void {
  if (count > 0) store<f32>(ptr, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
  if (count > 3) store<f32>(ptr, f32x4.extract_lane(v, 3), 12);
}

/** Applies beta, bias and ReLU to one accumulator row and stores its first `nr` columns. */
// @ts-ignore: decorator
@inline function storeRow(
  cRowPtr: usize, vacc0123: v128, vacc4567: v128, nr: i32, flags: i32, biasRowPtr: usize, biasColPtr: usize,
): void {
  if (flags & GEMM_ACCUMULATE) {
    vacc0123 = f32x4.add(vacc0123, v128.load(cRowPtr));
    vacc4567 = f32x4.add(vacc4567, v128.load(cRowPtr, 16));
  }
  if (flags & GEMM_BIAS_ROW) {
    const vbias = v128.load32_splat(biasRowPtr);
    vacc0123 = f32x4.add(vacc0123, vbias);
    vacc4567 = f32x4.add(vacc4567, vbias);
  }
  if (flags & GEMM_BIAS_COL) {
    vacc0123 = f32x4.add(vacc0123, v128.load(biasColPtr));
    vacc4567 = f32x4.add(vacc4567, v128.load(biasColPtr, 16));
  }
  if (flags & GEMM_RELU) {
    const vzero = f32x4.splat(0);
    vacc0123 = f32x4.max(vacc0123, vzero);
    vacc4567 = f32x4.max(vacc4567, vzero);
  }
  if (nr == NR) {
    v128.store(cRowPtr, vacc0123);
    v128.store(cRowPtr, vacc4567, 16);
  } else if (nr > 4) {
    v128.store(cRowPtr, vacc0123);
    storePartial(cRowPtr + 16, vacc4567, nr - 4);
  } else {
    storePartial(cRowPtr, vacc0123, nr);
  }
}

/**
 * The 4x8 register tile: C[0..mr, 0..nr] (op)= Apanel[k][4][4 lanes] · Bpanel[k][8].
 * 8 accumulators + 2 B vectors + 1 A vector = 11 xmm registers (V8 keeps xmm15 as its
 * scratch register, so 6x8 = 15 live vectors spills; measured slower).
 * NOTE: plain WASM SIMD has no FMA, so each step is f32x4.mul + f32x4.add; the relaxed build
 * fuses them (Note [relaxed madd], gemm/madd.ts).
 */
function gemm4x8(
  k: i32, aPackPtr: usize, bPackPtr: usize, ldbBytes: usize, cPtr: usize, ldcBytes: usize, mr: i32, nr: i32,
  flags: i32, biasRowPtr: usize, biasColPtr: usize,
): void {
  let vacc0x0123 = f32x4.splat(0); let vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0); let vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0); let vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0); let vacc3x4567 = f32x4.splat(0);
  let aPtr = aPackPtr;
  let bPtr = bPackPtr;
  const aEndPtr = aPackPtr + <usize>k * (MR << 4);
  while (aPtr < aEndPtr) {
    const vb0123 = v128.load(bPtr);
    const vb4567 = v128.load(bPtr, 16);
    const va0 = v128.load(aPtr);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.load(aPtr, 16);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.load(aPtr, 32);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.load(aPtr, 48);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    aPtr += MR << 4;
    bPtr += ldbBytes;
  }
  storeRow(cPtr, vacc0x0123, vacc0x4567, nr, flags, biasRowPtr, biasColPtr);
  if (mr > 1) storeRow(cPtr + 1 * ldcBytes, vacc1x0123, vacc1x4567, nr, flags, biasRowPtr + 4, biasColPtr);
  if (mr > 2) storeRow(cPtr + 2 * ldcBytes, vacc2x0123, vacc2x4567, nr, flags, biasRowPtr + 8, biasColPtr);
  if (mr > 3) storeRow(cPtr + 3 * ldcBytes, vacc3x0123, vacc3x4567, nr, flags, biasRowPtr + 12, biasColPtr);
}

/**
 * The relaxed build's 5x8 register tile (Note [5-row tiles], gemm/tiles.ts): C[0..5, 0..nr] (op)=
 * Apanel[k][a0 a1 a2 a3 | a4 a4 a4 a4] · Bpanel[k][8]; rows 0-3 are broadcast from their lanes by a
 * shuffle, so 10 accumulators + 2 B + 2 A + 1 broadcast = 15 xmm registers. Always 5 rows.
 */
function gemm5x8(
  k: i32, aPackPtr: usize, bPackPtr: usize, ldbBytes: usize, cPtr: usize, ldcBytes: usize, nr: i32,
  flags: i32, biasRowPtr: usize, biasColPtr: usize,
): void {
  let vacc0x0123 = f32x4.splat(0); let vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0); let vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0); let vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0); let vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0); let vacc4x4567 = f32x4.splat(0);
  let aPtr = aPackPtr;
  let bPtr = bPackPtr;
  const aEndPtr = aPackPtr + <usize>k * GEMM_WIDE_STEP_BYTES;
  while (aPtr < aEndPtr) {
    const vb0123 = v128.load(bPtr);
    const vb4567 = v128.load(bPtr, 16);
    const va0123 = v128.load(aPtr);
    const va4 = v128.load(aPtr, 16);
    const va0 = v128.shuffle<f32>(va0123, va0123, 0, 0, 0, 0);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.shuffle<f32>(va0123, va0123, 1, 1, 1, 1);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.shuffle<f32>(va0123, va0123, 2, 2, 2, 2);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.shuffle<f32>(va0123, va0123, 3, 3, 3, 3);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    vacc4x0123 = madd(va4, vb0123, vacc4x0123);
    vacc4x4567 = madd(va4, vb4567, vacc4x4567);
    aPtr += GEMM_WIDE_STEP_BYTES;
    bPtr += ldbBytes;
  }
  storeRow(cPtr, vacc0x0123, vacc0x4567, nr, flags, biasRowPtr, biasColPtr);
  storeRow(cPtr + 1 * ldcBytes, vacc1x0123, vacc1x4567, nr, flags, biasRowPtr + 4, biasColPtr);
  storeRow(cPtr + 2 * ldcBytes, vacc2x0123, vacc2x4567, nr, flags, biasRowPtr + 8, biasColPtr);
  storeRow(cPtr + 3 * ldcBytes, vacc3x0123, vacc3x4567, nr, flags, biasRowPtr + 12, biasColPtr);
  storeRow(cPtr + 4 * ldcBytes, vacc4x0123, vacc4x4567, nr, flags, biasRowPtr + 16, biasColPtr);
}

/**
 * gemm4x8 over a compacted panel (Note [zero-skipping A panels], gemm/skip.ts): `count` steps of
 * Apanel[step][4][4], step s multiplying B row listPtr[s] (bPanelPtr + p·ldbBytes).
 */
function gemm4x8Skip(
  listPtr: usize, aPackPtr: usize, bPanelPtr: usize, ldbBytes: usize, cPtr: usize, ldcBytes: usize, mr: i32, nr: i32,
  flags: i32, biasRowPtr: usize, biasColPtr: usize,
): void {
  let vacc0x0123 = f32x4.splat(0); let vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0); let vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0); let vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0); let vacc3x4567 = f32x4.splat(0);
  let aPtr = aPackPtr;
  let pPtr = listPtr + 4;
  const aEndPtr = aPackPtr + <usize>load<i32>(listPtr) * (MR << 4);
  while (aPtr < aEndPtr) {
    const bPtr = bPanelPtr + <usize>load<i32>(pPtr) * ldbBytes;
    const vb0123 = v128.load(bPtr);
    const vb4567 = v128.load(bPtr, 16);
    const va0 = v128.load(aPtr);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.load(aPtr, 16);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.load(aPtr, 32);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.load(aPtr, 48);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    aPtr += MR << 4;
    pPtr += 4;
  }
  storeRow(cPtr, vacc0x0123, vacc0x4567, nr, flags, biasRowPtr, biasColPtr);
  if (mr > 1) storeRow(cPtr + 1 * ldcBytes, vacc1x0123, vacc1x4567, nr, flags, biasRowPtr + 4, biasColPtr);
  if (mr > 2) storeRow(cPtr + 2 * ldcBytes, vacc2x0123, vacc2x4567, nr, flags, biasRowPtr + 8, biasColPtr);
  if (mr > 3) storeRow(cPtr + 3 * ldcBytes, vacc3x0123, vacc3x4567, nr, flags, biasRowPtr + 12, biasColPtr);
}

/** gemm5x8 over a compacted 5-row panel, as gemm4x8Skip. */
function gemm5x8Skip(
  listPtr: usize, aPackPtr: usize, bPanelPtr: usize, ldbBytes: usize, cPtr: usize, ldcBytes: usize, nr: i32,
  flags: i32, biasRowPtr: usize, biasColPtr: usize,
): void {
  let vacc0x0123 = f32x4.splat(0); let vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0); let vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0); let vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0); let vacc3x4567 = f32x4.splat(0);
  let vacc4x0123 = f32x4.splat(0); let vacc4x4567 = f32x4.splat(0);
  let aPtr = aPackPtr;
  let pPtr = listPtr + 4;
  const aEndPtr = aPackPtr + <usize>load<i32>(listPtr) * GEMM_WIDE_STEP_BYTES;
  while (aPtr < aEndPtr) {
    const bPtr = bPanelPtr + <usize>load<i32>(pPtr) * ldbBytes;
    const vb0123 = v128.load(bPtr);
    const vb4567 = v128.load(bPtr, 16);
    const va0123 = v128.load(aPtr);
    const va4 = v128.load(aPtr, 16);
    const va0 = v128.shuffle<f32>(va0123, va0123, 0, 0, 0, 0);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.shuffle<f32>(va0123, va0123, 1, 1, 1, 1);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.shuffle<f32>(va0123, va0123, 2, 2, 2, 2);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.shuffle<f32>(va0123, va0123, 3, 3, 3, 3);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    vacc4x0123 = madd(va4, vb0123, vacc4x0123);
    vacc4x4567 = madd(va4, vb4567, vacc4x4567);
    aPtr += GEMM_WIDE_STEP_BYTES;
    pPtr += 4;
  }
  storeRow(cPtr, vacc0x0123, vacc0x4567, nr, flags, biasRowPtr, biasColPtr);
  storeRow(cPtr + 1 * ldcBytes, vacc1x0123, vacc1x4567, nr, flags, biasRowPtr + 4, biasColPtr);
  storeRow(cPtr + 2 * ldcBytes, vacc2x0123, vacc2x4567, nr, flags, biasRowPtr + 8, biasColPtr);
  storeRow(cPtr + 3 * ldcBytes, vacc3x0123, vacc3x4567, nr, flags, biasRowPtr + 12, biasColPtr);
  storeRow(cPtr + 4 * ldcBytes, vacc4x0123, vacc4x4567, nr, flags, biasRowPtr + 16, biasColPtr);
}

/**
 * gemmPackedB over panels packed by packASkip (Note [zero-skipping A panels]): C rows
 * [rowBegin, rowEnd) of one item, B packed by packB.
 */
function gemmPackedSkip(
  packAPtr: usize, packBPtr: usize, cPtr: usize, biasPtr: usize, n: i32, k: i32, flags: i32, rowBegin: i32, rowEnd: i32,
): void {
  const ldcBytes = <usize>n << 2;
  const ldbBytes = <usize>(NR << 2);
  const panelStepBytes = <usize>k * (NR << 2);
  const listBytes = (<usize>k + 1) << 2;
  let listPtr = skipListsPtr(packAPtr, rowEnd - rowBegin, k);
  let aPanelPtr = packAPtr;
  if (ASC_FEATURE_RELAXED_SIMD) {
    const wideEnd = rowBegin + gemmWideRows(rowEnd - rowBegin);
    for (let i0 = rowBegin; i0 < wideEnd; i0 += GEMM_MR_WIDE) {
      let bPanelPtr = packBPtr;
      // A panel without a zero step is laid out as packA's: the dense tile runs it without the list.
      const dense = load<i32>(listPtr) == k;
      for (let j0 = 0; j0 < n; j0 += NR) {
        const c0Ptr = cPtr + (<usize>i0 * ldcBytes) + (<usize>j0 << 2);
        if (dense) {
          gemm5x8(k, aPanelPtr, bPanelPtr, ldbBytes, c0Ptr, ldcBytes, min(NR, n - j0), flags, biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2));
        } else {
          gemm5x8Skip(listPtr, aPanelPtr, bPanelPtr, ldbBytes, c0Ptr, ldcBytes, min(NR, n - j0), flags, biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2));
        }
        bPanelPtr += panelStepBytes;
      }
      aPanelPtr += <usize>k * GEMM_WIDE_STEP_BYTES;
      listPtr += listBytes;
    }
    rowBegin = wideEnd;
  }
  for (let i0 = rowBegin; i0 < rowEnd; i0 += MR) {
    const mr = min(MR, rowEnd - i0);
    let bPanelPtr = packBPtr;
    const dense = load<i32>(listPtr) == k;
    for (let j0 = 0; j0 < n; j0 += NR) {
      const c0Ptr = cPtr + (<usize>i0 * ldcBytes) + (<usize>j0 << 2);
      if (dense) {
        gemm4x8(k, aPanelPtr, bPanelPtr, ldbBytes, c0Ptr, ldcBytes, mr, min(NR, n - j0), flags, biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2));
      } else {
        gemm4x8Skip(listPtr, aPanelPtr, bPanelPtr, ldbBytes, c0Ptr, ldcBytes, mr, min(NR, n - j0), flags, biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2));
      }
      bPanelPtr += panelStepBytes;
    }
    aPanelPtr += <usize>k * (MR << 4);
    listPtr += listBytes;
  }
}

/**
 * C rows [rowBegin, rowEnd) = packed A panels · B (one batch item). cPtr is C[0, 0] of this item;
 * biasPtr as in `gemm`. B is either packed panels (ldbBytes = NR·4, panelStepBytes = k·NR·4) or
 * op(B) read in place from a row-major [k, n] matrix (ldbBytes = n·4, panelStepBytes = NR·4).
 * NOTE: in place, the last partial panel reads up to 28 bytes past the end of each B row; the
 * extra lanes are never stored, and the allocator's guard zone keeps the reads in bounds.
 */
export function gemmPacked(
  packAPtr: usize, bPtr: usize, ldbBytes: usize, panelStepBytes: usize, cPtr: usize, biasPtr: usize,
  n: i32, k: i32, flags: i32, rowBegin: i32, rowEnd: i32,
): void {
  const ldcBytes = <usize>n << 2;
  const panelABytes = <usize>k * (MR << 4);
  // The A panel (k·MR·16 bytes) stays in L1 while the B panels stream from L2.
  let aPanelPtr = packAPtr;
  if (ASC_FEATURE_RELAXED_SIMD) {
    // The leading 5-row panels (Note [5-row tiles], gemm/tiles.ts), laid out by packA.
    const wideEnd = rowBegin + gemmWideRows(rowEnd - rowBegin);
    for (let i0 = rowBegin; i0 < wideEnd; i0 += GEMM_MR_WIDE) {
      let bPanelPtr = bPtr;
      for (let j0 = 0; j0 < n; j0 += NR) {
        gemm5x8(
          k, aPanelPtr, bPanelPtr, ldbBytes, cPtr + (<usize>i0 * ldcBytes) + (<usize>j0 << 2), ldcBytes, min(NR, n - j0),
          flags, biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2),
        );
        bPanelPtr += panelStepBytes;
      }
      aPanelPtr += <usize>k * GEMM_WIDE_STEP_BYTES;
    }
    rowBegin = wideEnd;
  }
  for (let i0 = rowBegin; i0 < rowEnd; i0 += MR) {
    const mr = min(MR, rowEnd - i0);
    let bPanelPtr = bPtr;
    for (let j0 = 0; j0 < n; j0 += NR) {
      const nr = min(NR, n - j0);
      gemm4x8(
        k, aPanelPtr, bPanelPtr, ldbBytes, cPtr + (<usize>i0 * ldcBytes) + (<usize>j0 << 2), ldcBytes, mr, nr, flags,
        biasPtr + (<usize>i0 << 2), biasPtr + (<usize>j0 << 2),
      );
      bPanelPtr += panelStepBytes;
    }
    aPanelPtr += panelABytes;
  }
}

/** gemmPacked with B = op(B) row-major [k, n] in memory, read without packing. */
export function gemmDirectB(
  packAPtr: usize, bPtr: usize, cPtr: usize, biasPtr: usize, n: i32, k: i32, flags: i32, rowBegin: i32, rowEnd: i32,
): void {
  gemmPacked(packAPtr, bPtr, <usize>n << 2, NR << 2, cPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
}

/** gemmPacked with B packed by packB. */
export function gemmPackedB(
  packAPtr: usize, packBPtr: usize, cPtr: usize, biasPtr: usize, n: i32, k: i32, flags: i32, rowBegin: i32, rowEnd: i32,
): void {
  gemmPacked(packAPtr, packBPtr, NR << 2, <usize>k * (NR << 2), cPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
}

/**
 * Up to this many rows of C, a row-major B is read in place: each B panel meets at most 8 A panels,
 * too few to repay packing it (gemm 16x676x144, the conv forward shape: 46 vs 31 GFLOP/s in one
 * run). With more rows the packed panels tend to win (512³: 30 vs 25; 100x300x512: 33 vs 27), as
 * the strided rows of an unpacked B can conflict in L1. Interleaved A/B in one process on a loaded
 * 2-core machine: repeat runs differ by up to 30 %, so treat these as tendencies.
 */
const DIRECT_B_MAX_ROWS = 32;

/**
 * Batched GEMM over rows [rowBegin, rowEnd) of every C[b] (a thread's share; the whole range
 * [0, m) is the single-threaded default). Strides in elements; strideA/strideB 0 broadcast the
 * operand (packed once); strideC 0 with GEMM_ACCUMULATE sums the batch into one C.
 * A is always packed; B when transposed or when C has more than DIRECT_B_MAX_ROWS rows.
 * packAPtr needs gemmPackABytes(rowEnd - rowBegin, k) bytes (gemmSkipPackABytes with
 * GEMM_SKIP_ZEROS), packBPtr gemmPackBBytes(n, k).
 * biasPtr is bias[m] (GEMM_BIAS_ROW) or bias[n] (GEMM_BIAS_COL), else ignored.
 */
export function gemm(
  aPtr: usize, bPtr: usize, cPtr: usize, biasPtr: usize,
  batch: i32, m: i32, n: i32, k: i32, transA: bool, transB: bool,
  strideA: i32, strideB: i32, strideC: i32, flags: i32,
  packAPtr: usize, packBPtr: usize, rowBegin: i32, rowEnd: i32,
): void {
  if (rowEnd <= rowBegin || n <= 0) return;
  const packedB = transB || rowEnd - rowBegin > DIRECT_B_MAX_ROWS;
  if ((flags & GEMM_SKIP_ZEROS) != 0 && batch == 1 && packedB) {
    // B first: skipping zero steps of A is exact only when every B value is finite.
    packB(bPtr, packBPtr, n, k, transB);
    if (allFinite(packBPtr, ((n + NR - 1) / NR) * NR * k)) {
      packASkip(aPtr, packAPtr, m, k, transA, rowBegin, rowEnd);
      gemmPackedSkip(packAPtr, packBPtr, cPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
    } else {
      packA(aPtr, packAPtr, m, k, transA, rowBegin, rowEnd);
      gemmPackedB(packAPtr, packBPtr, cPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
    }
    return;
  }
  for (let b = 0; b < batch; b++) {
    const bItemPtr = bPtr + <usize>b * (<usize>strideB << 2);
    const cItemPtr = cPtr + <usize>b * (<usize>strideC << 2);
    if (b == 0 || strideA != 0) packA(aPtr + <usize>b * (<usize>strideA << 2), packAPtr, m, k, transA, rowBegin, rowEnd);
    if (packedB) {
      if (b == 0 || strideB != 0) packB(bItemPtr, packBPtr, n, k, transB);
      gemmPackedB(packAPtr, packBPtr, cItemPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
    } else {
      gemmDirectB(packAPtr, bItemPtr, cItemPtr, biasPtr, n, k, flags, rowBegin, rowEnd);
    }
  }
}
