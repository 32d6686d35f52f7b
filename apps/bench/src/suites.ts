/**
 * The benchmark suites, by name, in the order a run takes them. Registering a suite is one entry
 * here: `--only`, `--help` and the JSON file (its results under the suite's name) follow.
 */
import { runE2eSuite } from './e2e.js';
import { runKernelsSuite } from './kernels.js';
import { runPeersSuite } from './peers/index.js';
import { defineSuite } from './suite.js';
import { runThreadsSuite } from './threads.js';

export const SUITES = {
  kernels: defineSuite({
    describe: 'one-core f32x4 peaks; GEMM, conv (3 passes, Winograd and im2col), max-pool, Adam on the case-study shapes, wasm and reference backends',
    run: runKernelsSuite,
  }),
  threads: defineSuite({
    describe: 'the case-study GEMMs and convs on 1 thread against all cores, alternating turns',
    run: runThreadsSuite,
  }),
  e2e: defineSuite({
    describe: 'case-study CNN and FNN: seconds per training epoch and inference images/s, 1 thread and all cores',
    run: runE2eSuite,
  }),
  peers: defineSuite({
    describe: 'TensorFlow.js 4.22 cpu and wasm: the same kernels and the same training and inference (--skip-peers leaves it out)',
    run: runPeersSuite,
  }),
};

export type SuiteName = keyof typeof SUITES;
/** What each suite's run returns, for the suites that ran. */
export type SuiteResults = { [K in SuiteName]?: Awaited<ReturnType<(typeof SUITES)[K]['run']>> };

export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

export function isSuiteName(name: string): name is SuiteName {
  return Object.hasOwn(SUITES, name);
}
