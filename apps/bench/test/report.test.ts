import { describe, expect, it } from 'vitest';
import type { E2eResult } from '../src/e2e.js';
import type { KernelResult } from '../src/kernels.js';
import { cpuModelFromCpuinfo, type MachineInfo } from '../src/machine.js';
import { convTotalsTable, e2eTable, summaryTables } from '../src/report.js';
import { SCHEMA_VERSION, resultsJson } from '../src/results-json.js';
import { CONV_LAYERS } from '../src/shapes.js';
import { threadsTable } from '../src/threads.js';

function kernel(name: string, backend: string, ms: number): KernelResult {
  return { suite: 'conv', name, backend, ms, minMs: ms, rme: 0, samples: 5, flops: null, gflops: null, peakFraction: null };
}

function e2e(model: 'cnn' | 'fnn', threads: number, epochSeconds: number | null, inference: number | null, framework = 'tapegrad', backend = 'wasm'): E2eResult {
  return {
    framework, backend, model, threads, epochSeconds, trainImagesTimed: 60_000, extrapolated: false,
    trainImagesPerSecond: epochSeconds && 60_000 / epochSeconds, msPerStep: epochSeconds && (1000 * epochSeconds * 128) / 60_000,
    inferenceImagesPerSecond: inference, inferenceImagesTimed: 10_000,
  };
}

const row = (table: string, first: string): string[] => {
  const line = table.split('\n').find((l) => l.startsWith(`${first} `));
  if (line === undefined) throw new Error(`no row "${first}" in\n${table}`);
  return line.trim().split(/\s{2,}/);
};

describe('convTotalsTable', () => {
  const [conv1, conv2] = CONV_LAYERS.map((l) => l.name) as [string, string];
  const results = [
    kernel(`${conv1} forward`, 'wasm', 1), kernel(`${conv1} forward`, 'ref-float32', 7), kernel(`${conv1} backward-input`, 'wasm', 100), kernel(`${conv1} backward-weight`, 'wasm', 2),
    kernel(`${conv2} forward`, 'wasm', 4), kernel(`${conv2} backward-input`, 'wasm', 5), kernel(`${conv2} backward-weight`, 'wasm', 6),
  ];

  it('conv1 adds forward and backward-weight only (its input needs no gradient)', () => {
    expect(row(convTotalsTable(results), conv1)).toEqual([conv1, 'wasm', 'forward + backward-weight', '3.000', expect.any(String)]);
  });

  it('conv2 adds all three passes', () => {
    expect(row(convTotalsTable(results), conv2).slice(0, 4)).toEqual([conv2, 'wasm', 'forward + backward-input + backward-weight', '15.000']);
  });

  it('one row per backend that has every pass (the ref backend here has only conv1 forward)', () => {
    const table = convTotalsTable([...results, kernel(`${CONV_LAYERS[0]!.name} backward-weight`, 'ref-float32', 8)]);
    expect(table.split('\n').filter((l) => l.includes('ref-float32')).map((l) => l.trim().split(/\s{2,}/)[3])).toEqual(['15.000']);
  });

  it('a layer with a pass missing has no row', () => {
    expect(convTotalsTable(results.slice(1))).not.toContain(`${conv1}  `);
  });
});

describe('e2eTable', () => {
  it('shows epoch seconds and ratios ours ÷ tfjs', () => {
    const table = e2eTable([e2e('cnn', 1, 10, 20_000), e2e('cnn', 2, 6, null)], [e2e('cnn', 1, 40, 10_000, 'tfjs 4.22', 'wasm')]);
    expect(row(table, 'cnn')).toEqual(['cnn', '10.00', '21.3', '6.00 (2 thr)', 'skipped', '40.00', '—', '0.25×']);
    const inference = table.slice(table.indexOf('Inference'));
    expect(row(inference, 'cnn')).toEqual(['cnn', '20000', '—', '10000', '—', '2.00×']);
  });

  it('a failed run shows an error, not a figure', () => {
    const failed = { ...e2e('fnn', 1, null, null), error: 'training failed: boom' };
    const table = e2eTable([failed], []);
    expect(row(table, 'fnn')[1]).toBe('error (see below)');
    expect(table).toContain('! tapegrad wasm fnn: training failed: boom');
  });
});

describe('threadsTable', () => {
  it('prints the speed-up ms1 ÷ msN', () => {
    const table = threadsTable({ threads: 2, rounds: 3, rows: [{ name: 'gemm 256x256x256', flops: 2 * 256 ** 3, ms1: 1, msN: 0.5, gflops1: 33.55, gflopsN: 67.1, speedup: 2 }] });
    expect(row(table, 'gemm 256x256x256')).toEqual(['gemm 256x256x256', '1.000', '33.5', '0.500', '67.1', '×2.00']);
  });
});

describe('summaryTables', () => {
  it('is empty when no comparing suite ran', () => {
    expect(summaryTables({})).toBe('');
  });
});

describe('cpuModelFromCpuinfo', () => {
  it('takes the first model name', () => {
    const text = 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\n\nprocessor\t: 1\nmodel name\t: other\n';
    expect(cpuModelFromCpuinfo(text)).toBe('Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz');
  });

  it('gives null without a model name line', () => {
    expect(cpuModelFromCpuinfo('processor\t: 0\nCPU implementer\t: 0x41\n')).toBeNull();
  });
});

describe('resultsJson', () => {
  const machine: MachineInfo = {
    cpu: 'Test CPU', cores: 2, loadAverage: [1, 2, 3], memoryGiB: 8, node: 'v20', v8: '11', platform: 'linux-x64', commit: null, dirty: null,
  };
  const run = { quick: true, only: null, suites: ['e2e' as const], started: new Date(0), finished: new Date(1000), machine, loadAverageEnd: [4, 5, 6] as [number, number, number] };

  it('records schema, machine with load, and keeps schema 1 keys where they were', () => {
    const ours = [e2e('cnn', 1, 10, 1)];
    const json = resultsJson(run, { e2e: ours });
    expect(json['schema']).toBe(SCHEMA_VERSION);
    expect(json['machine']).toEqual(machine);
    expect(json['loadAverageEnd']).toEqual([4, 5, 6]);
    expect(json['e2e']).toEqual({ tapegrad: ours, peers: [] });
    expect(json['kernels']).toEqual([]);
    expect(json['suites']).toEqual(['e2e']);
  });

  it('puts other suites under their own name', () => {
    const threads = { threads: 2, rounds: 1, rows: [] };
    expect(resultsJson(run, { threads })['threads']).toEqual(threads);
  });
});
