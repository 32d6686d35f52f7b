// Packing for the GEMM of ../gemm.ts: op(A) into pre-broadcast MR-row panels, op(B) into NR-column
// panels. Both read either storage order, so a transposed operand is never materialised.
// Pointers are byte addresses; dims in ELEMENTS.
import { GEMM_MR as MR, GEMM_NR as NR, GEMM_MR_WIDE, GEMM_WIDE_STEP_BYTES, gemmWideRows } from './tiles';

/**
 * Bytes of pack scratch `gemm` needs for A (rows rowBegin..rowEnd) and for B. The relaxed build's
 * 5-row panels (Note [5-row tiles], tiles.ts) take 32 bytes per p instead of 80, so the size
 * of MR-row panels is always enough.
 */
export function gemmPackABytes(rows: i32, k: i32): i32 {
  return ((rows + MR - 1) / MR) * MR * k * 16;
}
export function gemmPackBBytes(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k * 4;
}

/**
 * Packs rows [rowBegin, rowEnd) of op(A) (op(A) is [m, k]) into MR-row panels [k][MR][4]: every
 * value is stored pre-broadcast to four lanes, so the microkernel loads it with a plain v128.load.
 * NOTE: V8 lowers v128.load32_splat to a load plus a shuffle on the FP ports that the mul/add need;
 * pre-splatting in the O(m·k) pack took the 4x8 tile from ~37 to ~46 GFLOP/s (256³, bench/quick.mjs).
 */
export function packA(aPtr: usize, packPtr: usize, m: i32, k: i32, transA: bool, rowBegin: i32, rowEnd: i32): void {
  let outPtr = packPtr;
  if (ASC_FEATURE_RELAXED_SIMD) {
    const wideRows = gemmWideRows(rowEnd - rowBegin);
    packAWide(aPtr, packPtr, m, k, transA, rowBegin, rowBegin + wideRows);
    outPtr += <usize>(wideRows / GEMM_MR_WIDE) * <usize>k * GEMM_WIDE_STEP_BYTES;
    rowBegin += wideRows;
  }
  const pStepBytes = <usize>(MR << 4);
  const vzero = f32x4.splat(0);
  for (let i0 = rowBegin; i0 < rowEnd; i0 += MR) {
    const rows = min(MR, rowEnd - i0);
    for (let r = 0; r < MR; r++) {
      let dstPtr = outPtr + (<usize>r << 4);
      if (r < rows) {
        // transA: A stored [k, m], walk down a column; else A stored [m, k], walk along a row.
        let srcPtr = aPtr + (transA ? <usize>(i0 + r) << 2 : (<usize>(i0 + r) * <usize>k) << 2);
        const srcStep: usize = transA ? <usize>m << 2 : 4;
        for (let p = 0; p < k; p++) {
          v128.store(dstPtr, v128.load32_splat(srcPtr));
          srcPtr += srcStep;
          dstPtr += pStepBytes;
        }
      } else {
        for (let p = 0; p < k; p++) {
          v128.store(dstPtr, vzero);
          dstPtr += pStepBytes;
        }
      }
    }
    outPtr += <usize>k * pStepBytes;
  }
}

/**
 * Packs rows [rowBegin, rowEnd) (a multiple of 5 rows) of op(A) into the 5-row panels of the relaxed
 * build's gemm5x8, [k][8]: rows 0-3 as four lanes, row 4 pre-broadcast (Note [5-row tiles]).
 */
function packAWide(aPtr: usize, packPtr: usize, m: i32, k: i32, transA: bool, rowBegin: i32, rowEnd: i32): void {
  let outPtr = packPtr;
  const pStepBytes = <usize>GEMM_WIDE_STEP_BYTES;
  const srcStep: usize = transA ? <usize>m << 2 : 4;
  for (let i0 = rowBegin; i0 < rowEnd; i0 += GEMM_MR_WIDE) {
    // Rows 0-3: transA stores them contiguously for each p; else 4x4 transposes of four p at a time.
    if (transA) {
      let srcPtr = aPtr + (<usize>i0 << 2);
      let dstPtr = outPtr;
      for (let p = 0; p < k; p++) {
        v128.store(dstPtr, v128.load(srcPtr));
        srcPtr += srcStep;
        dstPtr += pStepBytes;
      }
    } else {
      const rowBytes = <usize>k << 2;
      const a0Ptr = aPtr + <usize>i0 * rowBytes;
      const pEnd = k & ~3;
      for (let p = 0; p < pEnd; p += 4) transpose4x4(a0Ptr + (<usize>p << 2), rowBytes, outPtr + <usize>p * pStepBytes);
      for (let p = pEnd; p < k; p++) {
        for (let r = 0; r < 4; r++) {
          store<f32>(outPtr + <usize>p * pStepBytes + (<usize>r << 2), load<f32>(a0Ptr + <usize>r * rowBytes + (<usize>p << 2)));
        }
      }
    }
    let dstPtr = outPtr + 16;
    let srcPtr = aPtr + (transA ? <usize>(i0 + 4) << 2 : (<usize>(i0 + 4) * <usize>k) << 2);
    for (let p = 0; p < k; p++) {
      v128.store(dstPtr, v128.load32_splat(srcPtr));
      srcPtr += srcStep;
      dstPtr += pStepBytes;
    }
    outPtr += <usize>k * pStepBytes;
  }
}

/**
 * Reads a 4x4 block (4 rows rowBytes apart, 4 floats each) and writes its transpose as four
 * 4-float groups 32 bytes apart (one p entry of an NR = 8 panel each, or of a 5-row A panel).
 */
// @ts-ignore: decorator
@inline function transpose4x4(srcPtr: usize, rowBytes: usize, dstPtr: usize): void {
  const vr0 = v128.load(srcPtr);
  const vr1 = v128.load(srcPtr + rowBytes);
  const vr2 = v128.load(srcPtr + 2 * rowBytes);
  const vr3 = v128.load(srcPtr + 3 * rowBytes);
  const vt0 = v128.shuffle<f32>(vr0, vr1, 0, 4, 1, 5);
  const vt1 = v128.shuffle<f32>(vr0, vr1, 2, 6, 3, 7);
  const vt2 = v128.shuffle<f32>(vr2, vr3, 0, 4, 1, 5);
  const vt3 = v128.shuffle<f32>(vr2, vr3, 2, 6, 3, 7);
  v128.store(dstPtr, v128.shuffle<f32>(vt0, vt2, 0, 1, 4, 5));
  v128.store(dstPtr, v128.shuffle<f32>(vt0, vt2, 2, 3, 6, 7), 32);
  v128.store(dstPtr, v128.shuffle<f32>(vt1, vt3, 0, 1, 4, 5), 64);
  v128.store(dstPtr, v128.shuffle<f32>(vt1, vt3, 2, 3, 6, 7), 96);
}

/** Packs op(B) (op(B) is [k, n]) into NR-column panels [k][NR]. */
export function packB(bPtr: usize, packPtr: usize, n: i32, k: i32, transB: bool): void {
  let outPtr = packPtr;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const cols = min(NR, n - j0);
    if (!transB) {
      // B stored [k, n]: the NR values of one p are contiguous.
      let srcPtr = bPtr + (<usize>j0 << 2);
      const ldbBytes = <usize>n << 2;
      if (cols == NR) {
        for (let p = 0; p < k; p++) {
          v128.store(outPtr, v128.load(srcPtr));
          v128.store(outPtr, v128.load(srcPtr, 16), 16);
          srcPtr += ldbBytes;
          outPtr += NR << 2;
        }
      } else {
        for (let p = 0; p < k; p++) {
          for (let c = 0; c < NR; c++) {
            store<f32>(outPtr + (<usize>c << 2), c < cols ? load<f32>(srcPtr + (<usize>c << 2)) : 0);
          }
          srcPtr += ldbBytes;
          outPtr += NR << 2;
        }
      }
    } else {
      // B stored [n, k]: gather one value from each of NR rows.
      const rowBytes = <usize>k << 2;
      const b0Ptr = bPtr + <usize>j0 * rowBytes;
      if (cols == NR) {
        // Full panel: 4x4 SIMD transposes of rows 0-3 and 4-7, four values of p at a time.
        const pEnd = k & ~3;
        for (let p = 0; p < pEnd; p += 4) {
          const srcPtr = b0Ptr + (<usize>p << 2);
          const dstPtr = outPtr + (<usize>p << 5);
          transpose4x4(srcPtr, rowBytes, dstPtr);
          transpose4x4(srcPtr + 4 * rowBytes, rowBytes, dstPtr + 16);
        }
        for (let p = pEnd; p < k; p++) {
          for (let c = 0; c < NR; c++) {
            store<f32>(outPtr + (<usize>p << 5) + (<usize>c << 2), load<f32>(b0Ptr + <usize>c * rowBytes + (<usize>p << 2)));
          }
        }
        outPtr += <usize>k * (NR << 2);
        continue;
      }
      for (let c = 0; c < NR; c++) {
        let dstPtr = outPtr + (<usize>c << 2);
        if (c < cols) {
          let srcPtr = b0Ptr + <usize>c * rowBytes;
          for (let p = 0; p < k; p++) {
            store<f32>(dstPtr, load<f32>(srcPtr));
            srcPtr += 4;
            dstPtr += NR << 2;
          }
        } else {
          for (let p = 0; p < k; p++) {
            store<f32>(dstPtr, 0);
            dstPtr += NR << 2;
          }
        }
      }
      outPtr += <usize>k * (NR << 2);
    }
  }
}
