import type { Storage } from '@tapegrad/autograd';
import { expect } from 'vitest';
import type { WasmBackend } from '../src/index.js';

/** Deterministic uniform values in [-1, 1) (xorshift32), so failures reproduce. */
export function randomArray(size: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** A storage of `size` elements pre-filled with NaN, so an element a kernel fails to write shows. */
export function nanStorage(backend: WasmBackend, size: number): Storage {
  return backend.fill(size, Number.NaN);
}

/**
 * Asserts |actual − expected| <= atol + rtol·|expected| element-wise, reporting the first bad index.
 * Callers derive rtol from float32 epsilon and the accumulation length.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = rtol): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) throw new Error(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** float32 machine epsilon. */
export const EPS32 = 2 ** -23;
