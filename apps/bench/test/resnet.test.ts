import { createRefBackend, manualSeed, randn, setBackend } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { resnetBars } from '../src/bars.js';
import { GLIBC_TUNABLES, pytorchEnv } from '../src/pytorch.js';
import { allBars } from '../src/report.js';
import { BenchResnet, type ResnetResult, type ResnetRun, median, resnetTable } from '../src/resnet.js';
import { resultsJson } from '../src/results-json.js';

const run = (framework: string, threads: number, msPerStep: number | null): ResnetRun => ({ framework, threads, msPerStep, stepMs: msPerStep === null ? [] : [msPerStep], warmupSteps: 5, params: 96_298 });

function result(ours: Array<[number, number | null]>, theirs: Array<[number, number | null]>): ResnetResult {
  return {
    batch: 64,
    tapegrad: ours.map(([t, ms]) => run('tapegrad', t, ms)),
    pytorch: { ran: theirs.length > 0, config: null, runs: theirs.map(([t, ms]) => run('PyTorch 1.13.0', t, ms)) },
  };
}

describe('BenchResnet', () => {
  it('has the parameter count of pytorch_bench.py resnet() (96 298, from /usr/bin/python3 torch 1.13) and maps [2,3,32,32] to [2,10]', () => {
    setBackend(createRefBackend());
    manualSeed(0);
    const m = new BenchResnet();
    expect(m.parameters().reduce((t, p) => t + p.size, 0)).toBe(96_298);
    // Parameters in PyTorch's order of shapes: stem conv, its BN, then the blocks, the fc.
    expect(m.parameters()[0]!.shape).toEqual([32, 3, 3, 3]);
    const y = m.forward(randn([2, 3, 32, 32]));
    expect(y.shape).toEqual([2, 10]);
    expect([...y.toArray()]).toAllSatisfy(Number.isFinite);
  });
});

describe('resnet bar', () => {
  it('compares tapegrad on the most threads with PyTorch on 2', () => {
    const [bar] = resnetBars(result([[1, 400], [2, 240]], [[1, 450], [2, 300]]));
    expect(bar).toMatchObject({ name: 'ResNet train step, all cores', limit: 1, ours: 240, theirs: 300, ratio: 0.8, pass: true });
    const [miss] = resnetBars(result([[1, 400], [2, 301]], [[2, 300]]));
    expect(miss!.pass).toBe(false);
  });

  it('is not run without PyTorch, and sits in the JSON bars', () => {
    const r = result([[2, 240]], []);
    expect(resnetBars(r)[0]!.pass).toBeNull();
    expect(allBars({ resnet: r }).map((b) => b.name)).toEqual(['ResNet train step, all cores']);
    const machine = { cpu: 'x', cores: 2, node: 'v20', platform: 'linux', arch: 'x64', loadAverage: [0, 0, 0], commit: null, dirty: false } as never;
    const json = resultsJson({ quick: true, only: ['resnet'], suites: ['resnet'], started: new Date(0), finished: new Date(0), machine, loadAverageEnd: [0, 0, 0] }, { resnet: r });
    expect(json['resnet']).toEqual(r);
    expect((json['bars'] as Array<{ name: string }>).map((b) => b.name)).toEqual(['ResNet train step, all cores']);
  });

  it('the table gives ratios to PyTorch 1 and 2 threads, and says when PyTorch did not run', () => {
    const t = resnetTable(result([[2, 240]], [[1, 480], [2, 300]]));
    expect(t.split('\n').find((l) => l.startsWith('tapegrad 2 thr'))!.trim().split(/\s{2,}/)).toEqual(['tapegrad 2 thr', '240.0', '480.0', '300.0', '0.50', '0.80']);
    const absent = { ...result([[2, 240]], []), pytorch: { ran: false, note: 'PyTorch was not run: no torch', config: null, runs: [] } };
    expect(resnetTable(absent)).toContain('PyTorch was not run: no torch');
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('PyTorch runs its convs on OpenMP, OpenBLAS on one thread', () => {
    const env = pytorchEnv({ python: '/usr/bin/python3', torch: '1.13.1', glibcTunables: GLIBC_TUNABLES, openblasDir: null, openblasSource: null }, 'resnet', 2);
    expect(env).toMatchObject({ OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' });
  });
});
