import { describe, expect, it } from 'vitest';
import { type MemoryRow, measureMemory, memoryTable } from '../src/memory.js';

describe('memory suite', () => {
  it('case-study CNN, 1 thread: the linear memory holds the tensor and scratch peaks, and steps 2–3 do not grow it', async () => {
    const r = await measureMemory('cnn', 1, 3);
    expect(r).toMatchObject({ model: 'cnn', batch: 128, threads: 1, steps: 3 });
    // Parameters alone are 2 · 4 · 23 466 bytes with their gradients; activations of batch 128 are MiB.
    expect(r.tensorPeak).toBeGreaterThan(2 ** 20);
    expect(r.scratchPeak).toBeGreaterThan(0);
    expect(r.memoryPeak).toBeGreaterThanOrEqual(r.tensorPeak + r.scratchPeak);
    expect(r.memoryPeak).toBe(r.memoryAfterFirstStep);
  });

  it('the table gives MiB and says whether later steps grew the memory', () => {
    const row: MemoryRow = { model: 'cnn', batch: 128, threads: 2, steps: 5, memoryAfterFirstStep: 64 * 2 ** 20, memoryPeak: 64 * 2 ** 20, tensorPeak: 30 * 2 ** 20, scratchPeak: 2.5 * 2 ** 20, build: 'kernels-relaxed.wasm' };
    const line = (t: string) => t.split('\n').find((l) => l.startsWith('cnn batch 128'))!.trim().split(/\s{2,}/);
    expect(line(memoryTable([row]))).toEqual(['cnn batch 128', '2', '64.00', '30.00', '2.50', '32.50', 'flat']);
    expect(line(memoryTable([{ ...row, memoryPeak: 80 * 2 ** 20 }])).at(-1)).toBe('grew from 64.00');
  });
});
