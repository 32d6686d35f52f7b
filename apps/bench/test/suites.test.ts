import { describe, expect, it } from 'vitest';
import { SUITES, SUITE_NAMES, isSuiteName } from '../src/suites.js';

describe('SUITES registry', () => {
  it('holds the suites the README documents, in run order', () => {
    expect(SUITE_NAMES.slice(0, 5)).toEqual(['kernels', 'threads', 'e2e', 'pytorch', 'peers']);
  });

  it('every suite has a one-line description and a run function', () => {
    for (const name of SUITE_NAMES) {
      const s = SUITES[name];
      expect(typeof s.run, name).toBe('function');
      expect(s.describe.length, name).toBeGreaterThan(10);
      expect(s.describe, name).not.toContain('\n');
    }
  });

  it('suite names are lower-case words, usable in a comma list', () => {
    for (const name of SUITE_NAMES) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('isSuiteName knows the registry and nothing inherited from Object', () => {
    expect(isSuiteName('e2e')).toBe(true);
    expect(isSuiteName('toString')).toBe(false);
    expect(isSuiteName('constructor')).toBe(false);
  });
});

describe('winograd suite table', () => {
  it('names the scratch peak in MiB and whether it is within the 64 MiB bar', async () => {
    const { winogradTable, SCRATCH_BAR_BYTES } = await import('../src/winograd.js');
    const row = { name: 'x=[1,64,224,224] w=[64,64,3,3] p=1', pass: 'forward' as const, ms: 37.8, gflops: 48.9 };
    const under = winogradTable({ build: 'relaxed', rounds: 3, rows: [row], largeScratchPeak: 2.66 * 2 ** 20, scratchBarMet: true });
    expect(under).toContain('37.800');
    expect(under).toContain('scratch peak 2.66 MiB: within the 64 MiB bar');
    const over = winogradTable({ build: 'relaxed', rounds: 3, rows: [row], largeScratchPeak: SCRATCH_BAR_BYTES + 1, scratchBarMet: false });
    expect(over).toContain('64.00 MiB: OVER the 64 MiB bar');
  });
});

describe('fusion suite table', () => {
  it('gives unfused and fused ms, the time saved and the speed-up', async () => {
    const { fusionTable } = await import('../src/fusion.js');
    const t = fusionTable([{ name: 'conv2 forward + relu', threads: 1, unfusedMs: 6, fusedMs: 4.8 }]);
    expect(t.split('\n').find((l) => l.startsWith('conv2'))!.trim().split(/\s{2,}/)).toEqual(['conv2 forward + relu', '1', '6.000', '4.800', '1.200', '1.25×']);
    expect(t).not.toContain('median');
  });
  it('adds the median turns of the train step rows and the median ratio of their rounds', async () => {
    const { fusionTable } = await import('../src/fusion.js');
    const t = fusionTable([{ name: 'CNN train step', threads: 2, unfusedMs: 20, fusedMs: 16, unfusedMedianMs: 22, fusedMedianMs: 20, medianRatio: 1.12, unfusedCpuMs: 30, fusedCpuMs: 27.5 }]);
    const lines = t.split('\n').filter((l) => l.startsWith('CNN train step')).map((l) => l.trim().split(/\s{2,}/));
    expect(lines).toEqual([['CNN train step', '2', '20.000', '16.000', '4.000', '1.25×'], ['CNN train step', '2', '22.000', '20.000', '1.12×', '30.0 / 27.5']]);
  });
});
