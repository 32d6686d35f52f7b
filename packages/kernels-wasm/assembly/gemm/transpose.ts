// dst[cols, rows] = src[rows, cols]ᵀ for contiguous f32 matrices: the last step of a GEMM computed
// as Cᵀ = op(B)ᵀ·op(A)ᵀ (src/gemm.ts). 4x4 blocks through f32x4 shuffles, scalar edges.
// Pointers are byte addresses; dims in ELEMENTS.

/** Transposes src [rows, cols] into dst [cols, rows]. */
export function gemmTranspose(srcPtr: usize, dstPtr: usize, rows: i32, cols: i32): void {
  const srcRowBytes = <usize>cols << 2;
  const dstRowBytes = <usize>rows << 2;
  const rowEnd = rows & ~3;
  const colEnd = cols & ~3;
  for (let i = 0; i < rowEnd; i += 4) {
    const s0Ptr = srcPtr + <usize>i * srcRowBytes;
    for (let j = 0; j < colEnd; j += 4) {
      const sPtr = s0Ptr + (<usize>j << 2);
      const vr0 = v128.load(sPtr);
      const vr1 = v128.load(sPtr + srcRowBytes);
      const vr2 = v128.load(sPtr + 2 * srcRowBytes);
      const vr3 = v128.load(sPtr + 3 * srcRowBytes);
      const vt0 = v128.shuffle<f32>(vr0, vr1, 0, 4, 1, 5);
      const vt1 = v128.shuffle<f32>(vr0, vr1, 2, 6, 3, 7);
      const vt2 = v128.shuffle<f32>(vr2, vr3, 0, 4, 1, 5);
      const vt3 = v128.shuffle<f32>(vr2, vr3, 2, 6, 3, 7);
      const dPtr = dstPtr + <usize>j * dstRowBytes + (<usize>i << 2);
      v128.store(dPtr, v128.shuffle<f32>(vt0, vt2, 0, 1, 4, 5));
      v128.store(dPtr + dstRowBytes, v128.shuffle<f32>(vt0, vt2, 2, 3, 6, 7));
      v128.store(dPtr + 2 * dstRowBytes, v128.shuffle<f32>(vt1, vt3, 0, 1, 4, 5));
      v128.store(dPtr + 3 * dstRowBytes, v128.shuffle<f32>(vt1, vt3, 2, 3, 6, 7));
    }
    for (let j = colEnd; j < cols; j++) {
      for (let r = 0; r < 4; r++) {
        store<f32>(dstPtr + <usize>j * dstRowBytes + (<usize>(i + r) << 2), load<f32>(s0Ptr + <usize>r * srcRowBytes + (<usize>j << 2)));
      }
    }
  }
  for (let i = rowEnd; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(dstPtr + <usize>j * dstRowBytes + (<usize>i << 2), load<f32>(srcPtr + <usize>i * srcRowBytes + (<usize>j << 2)));
    }
  }
}
