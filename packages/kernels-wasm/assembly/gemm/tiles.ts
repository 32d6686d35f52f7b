// The register tile of the GEMM (../gemm.ts) and the panel widths of its packing (pack.ts).
export const GEMM_MR: i32 = 4;
export const GEMM_NR: i32 = 8;

// Note [5-row tiles]: the relaxed build (Note [relaxed madd], madd.ts) also has a 5x8 tile: with a
// fused multiply-add the 8 accumulators of 4x8 barely cover FMA latency x throughput (2 per cycle
// x 4 cycles), and 10 do better. TurboFan schedules every load of a loop iteration before its
// arithmetic, so a tile's loads are all live at once next to its accumulators, in 15 allocatable
// xmm registers: 5x8 or 6x8 from pre-broadcast A (10 + 5 + 2 = 17, 12 + 6 + 2 = 20) spill (6x8
// measured 25 vs 47 GFLOP/s). gemm5x8 therefore reads rows 0-3 of A as one vector of lanes,
// broadcast by a shuffle each (scheduled next to its use), and row 4 pre-broadcast:
// 10 + 2 + 2 + 1 temporary = 15. A share of rows is split into as many 5-row panels as leave a
// multiple of 4 rows for 4x8 (256 = 48·5 + 4·4; 16 = 4·4), so no tile computes padding rows
// (12 rows and up are always covered exactly; fewer than 12 may end in a partial 4-row tile).
// The plain build has no 5-row panels and is unchanged.
export const GEMM_MR_WIDE: i32 = 5;
/** Bytes per p of a 5-row A panel: [a0 a1 a2 a3 | a4 a4 a4 a4]. */
export const GEMM_WIDE_STEP_BYTES: i32 = 32;

/** Leading rows of a share of `rows` rows that go into 5-row panels (0 in the plain build). */
// @ts-ignore: decorator
@inline export function gemmWideRows(rows: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  // panels ≡ rows (mod 4), so that rows − 5·panels is a multiple of 4; as many as fit.
  let panels = rows & 3;
  if (panels * GEMM_MR_WIDE > rows) return 0;
  panels += ((rows / GEMM_MR_WIDE - panels) >> 2) << 2;
  return panels * GEMM_MR_WIDE;
}
