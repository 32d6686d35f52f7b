// The register tile of the GEMM (gemm.ts) and the panel widths of its packing (gemm-pack.ts).
export const GEMM_MR: i32 = 4;
export const GEMM_NR: i32 = 8;
