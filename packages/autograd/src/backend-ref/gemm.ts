import type { GemmParams } from '../backend.js';
import type { FloatArray } from './storage.js';

/** The spec of `Backend.gemm`: a plain triple loop, accumulated in float64. */
export function gemmInto(a: FloatArray, b: FloatArray, out: FloatArray, p: GemmParams, bias: FloatArray | null): void {
  const { batch, m, n, k, transA, transB, strideA, strideB } = p;
  // Element (i, l) of op(A) is a[aOff + i·ars + l·acs]; element (l, j) of op(B) is b[bOff + l·brs + j·bcs].
  const [ars, acs] = transA ? [1, m] : [k, 1];
  const [brs, bcs] = transB ? [1, k] : [n, 1];
  for (let bi = 0; bi < batch; bi++) {
    const aOff = bi * strideA;
    const bOff = bi * strideB;
    const cOff = bi * m * n;
    for (let i = 0; i < m; i++) {
      const aRow = aOff + i * ars;
      for (let j = 0; j < n; j++) {
        const bCol = bOff + j * bcs;
        let acc = 0;
        for (let l = 0; l < k; l++) acc += a[aRow + l * acs]! * b[bCol + l * brs]!;
        if (bias) acc += bias[j]!;
        if (p.relu && acc < 0) acc = 0;
        out[cOff + i * n + j] = acc;
      }
    }
  }
}
