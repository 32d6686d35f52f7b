import type { Conv2dGeometry } from '@tapegrad/autograd';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, sizeClass, type WasmBackend } from '../src/index.js';
import { randomArray } from './helpers.js';

describe('memory', () => {
  let backend: WasmBackend;
  beforeAll(async () => { backend = await createWasmBackend(); });

  it('size classes are 64-byte aligned quarter steps between powers of two', () => {
    expect([1, 64, 65, 100, 128, 129, 1000, 4096, 4097].map(sizeClass)).toEqual([64, 64, 128, 128, 128, 192, 1024, 4096, 5120]);
    for (const bytes of [3, 777, 12345, 1 << 20, 3 * (1 << 20) + 5]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c % 64).toBe(0);
      expect(c).toBeLessThanOrEqual(Math.max(64, bytes * 1.25 + 64));
    }
  });

  it('repeated alloc/free steps of the same sizes keep bytesInUse and memory.buffer.byteLength flat', () => {
    const sizes = [10, 1000, 123_457, 4_000_000, 7, 65_536];
    const step = () => {
      const live = sizes.map((n) => backend.alloc(n));
      const inUse = backend.bytesInUse();
      for (const s of live.reverse()) backend.free(s);
      return inUse;
    };
    const base = backend.bytesInUse();
    const firstInUse = step();
    const memoryAfterFirst = backend.memoryBytes();
    for (let i = 0; i < 20; i++) expect(step()).toBe(firstInUse);
    expect(backend.bytesInUse()).toBe(base);
    expect(backend.memoryBytes()).toBe(memoryAfterFirst);
  });

  it('a conv training step (forward, both backwards, sgd) keeps live bytes and memory flat', () => {
    const g: Conv2dGeometry = { n: 8, c: 16, h: 26, w: 26, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: 24, ow: 24, o: 16 };
    const x = backend.fromArray(randomArray(g.n * g.c * g.h * g.w, 1));
    const w = backend.fromArray(randomArray(g.o * g.c * 9, 2));
    const bias = backend.fromArray(randomArray(g.o, 3));
    const trainStep = () => {
      const y = backend.conv2d(x, w, bias, g);
      const dy = backend.relu(y);
      const dx = backend.conv2dBackwardInput(dy, w, g);
      const dw = backend.conv2dBackwardWeight(dy, x, g);
      const db = backend.sum(dy, [g.n, g.o, g.oh * g.ow], [0, 2]);
      backend.sgdStep(w, dw, null, { lr: 1e-6, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true });
      backend.sgdStep(bias, db, null, { lr: 1e-6, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true });
      for (const s of [y, dy, dx, dw, db]) backend.free(s);
    };
    trainStep();
    const inUse = backend.bytesInUse();
    const memory = backend.memoryBytes();
    for (let i = 0; i < 5; i++) {
      trainStep();
      expect(backend.bytesInUse()).toBe(inUse);
      expect(backend.memoryBytes()).toBe(memory);
    }
  });

  it('bytesInUsePeak is the high-water mark of bytesInUse, restarted by resetBytesInUsePeak', () => {
    backend.resetBytesInUsePeak();
    const base = backend.bytesInUse();
    expect(backend.bytesInUsePeak()).toBe(base);
    const a = backend.alloc(1000);
    const b = backend.alloc(3000);
    backend.free(a);
    const c = backend.alloc(500);
    expect(backend.bytesInUsePeak()).toBe(base + 4 * 4000);
    backend.free(b);
    backend.free(c);
    expect(backend.bytesInUse()).toBe(base);
    expect(backend.bytesInUsePeak()).toBe(base + 4 * 4000);
    backend.resetBytesInUsePeak();
    expect(backend.bytesInUsePeak()).toBe(base);
  });

  it('views follow memory.grow: data written before a grow reads back after it', () => {
    const small = backend.fromArray([1, 2, 3]);
    const before = backend.memoryBytes();
    const big = backend.alloc(before / 4 + 1000); // cannot fit: forces memory.grow
    expect(backend.memoryBytes()).toBeGreaterThan(before);
    expect(Array.from(backend.read(small))).toEqual([1, 2, 3]);
    backend.free(big);
    backend.free(small);
  });

  it('freed storages are rejected instead of silently corrupting the free lists', () => {
    const s = backend.alloc(5);
    backend.free(s);
    expect(() => backend.free(s)).toThrow(/freed/);
    expect(() => backend.read(s)).toThrow(/freed/);
  });
});

describe('unshared build (browsers without cross-origin isolation)', () => {
  it('build/kernels-single.wasm runs over an unshared memory: gemm 5x3x4 and growth', async () => {
    const backend = await createWasmBackend({ sharedMemory: false });
    expect(backend.memory.buffer).toBeInstanceOf(ArrayBuffer);
    const a = backend.fromArray(randomArray(20, 1));
    const b = backend.fromArray(randomArray(12, 2));
    const c = backend.gemm(a, b, { batch: 1, m: 5, n: 3, k: 4, transA: false, transB: false, strideA: 0, strideB: 0 });
    const av = backend.read(a);
    const bv = backend.read(b);
    const cv = backend.read(c);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let p = 0; p < 4; p++) s += av[i * 4 + p]! * bv[p * 3 + j]!;
      expect(cv[i * 3 + j]).toBeCloseTo(s, 5);
    }
    const big = backend.alloc(backend.memoryBytes() / 4 + 1);
    expect(Array.from(backend.read(a))).toEqual(Array.from(av));
    backend.free(big);
  });
});
