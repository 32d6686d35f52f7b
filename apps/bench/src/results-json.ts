/**
 * The JSON file of a run. Schema 2 (schema 1 had no load average, no suite list and quoted
 * PyTorch figures from elsewhere): the keys of schema 1's suites stay where they were (`peak`,
 * `wasmBuild`, `kernels`, `peerKernels`, `e2e.tapegrad`, `e2e.peers`); every other suite's result
 * sits under its name.
 */
import type { MachineInfo } from './machine.js';
import type { SuiteName, SuiteResults } from './suites.js';

export const SCHEMA_VERSION = 2;

export interface RunInfo {
  quick: boolean;
  only: SuiteName[] | null;
  suites: SuiteName[];
  started: Date;
  finished: Date;
  machine: MachineInfo;
  /** Load average when the run finished (machine.loadAverage is at the start). */
  loadAverageEnd: [number, number, number];
}

export function resultsJson(run: RunInfo, results: SuiteResults): Record<string, unknown> {
  const { kernels, e2e, peers, ...others } = results;
  return {
    schema: SCHEMA_VERSION,
    quick: run.quick,
    only: run.only,
    suites: run.suites,
    started: run.started.toISOString(),
    finished: run.finished.toISOString(),
    machine: run.machine,
    loadAverageEnd: run.loadAverageEnd,
    wasmBuild: kernels?.wasmBuild ?? null,
    peak: kernels?.peak ?? [],
    kernels: kernels?.kernels ?? [],
    peerKernels: peers?.kernels ?? [],
    e2e: { tapegrad: e2e ?? [], peers: peers?.e2e ?? [] },
    ...others,
  };
}
