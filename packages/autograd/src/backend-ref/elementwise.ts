import type { Shape } from '../backend.js';
import { broadcastStrides, sizeOf } from '../shape.js';
import type { FloatArray } from './storage.js';

/** Applies f elementwise. */
export function mapUnary(x: FloatArray, out: FloatArray, f: (v: number) => number): void {
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
}

/**
 * Visits every index of outShape, passing the flat offsets of each operand read with broadcast
 * strides. Simple and slow on purpose: this is the spec.
 */
export function forEachBroadcast(shapes: readonly Shape[], outShape: Shape, visit: (outIndex: number, offsets: number[]) => void): void {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const strides = shapes.map((s) => broadcastStrides(s, outShape));
  const idx = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(shapes.length).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < shapes.length; k++) offsets[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < shapes.length; k++) offsets[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function binaryBroadcast(a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape, f: (x: number, y: number) => number): void {
  forEachBroadcast([aShape, bShape], outShape, (i, o) => {
    out[i] = f(a[o[0]!]!, b[o[1]!]!);
  });
}

export const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * The error function, in float64, in two plain pieces (within 10 float64 ulps of the exact value
 * over [−7, 7], checked against 120-bit mpmath):
 * - |x| < 3: 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6). Every
 *   term has the sign of x, so the sum does not cancel; it stops when a term no longer counts
 *   (at most ~40 terms).
 * - 3 ≤ |x| < 6: 1 − erfc(|x|), erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …))))
 *   (A&S 7.1.14), 30 levels from the bottom (converged to an ulp at a = 3). The series would lose
 *   digits here, where erf is 1 − tiny.
 * - |x| ≥ 6: erfc(6) < 2.2e-17 is below half an ulp of 1, so ±1 (and ±1 at ±∞, NaN at NaN).
 * NOTE: packages/kernels-wasm/assembly/elementwise.ts (`erf64`) is the same code in
 * AssemblyScript; change both together.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (!(a < 6)) return Number.isNaN(x) ? x : Math.sign(x);
  if (a < 3) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > Math.abs(sum) * 1e-17; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  let f = a;
  for (let k = 30; k >= 1; k--) f = a + k / 2 / f;
  const r = 1 - (INV_SQRT_PI * Math.exp(-a * a)) / f;
  return x < 0 ? -r : r;
}
