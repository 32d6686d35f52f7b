import type { Conv2dGeometry, Storage } from '@tapegrad/autograd';
import { expect } from 'vitest';
import type { WasmBackend, WasmStorage } from '../src/index.js';

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

/** Geometry of a square-kernel conv (stride s, padding p, dilation 1); oh/ow from the usual formula. */
export function convGeometry(n: number, c: number, h: number, w: number, o: number, k: number, s = 1, p = 0): Conv2dGeometry {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  return { n, c, h, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, oh, ow, o };
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

/**
 * Runs `call` so that its freshly allocated output lands on a block that was just filled with NaN:
 * the allocator's free lists are LIFO, so freeing a NaN block of the output's size class right
 * before the call hands that block to the kernel. An element the kernel fails to write stays NaN.
 */
export function withNanOutput<R>(
  backend: WasmBackend, size: number, call: () => R, output: (result: R) => Storage = (r) => r as Storage,
): R {
  const bait = backend.fill(size, Number.NaN) as WasmStorage;
  const ptr = bait.ptr;
  backend.free(bait);
  const result = call();
  expect((output(result) as WasmStorage).ptr, 'output did not reuse the NaN-filled block').toBe(ptr);
  return result;
}
