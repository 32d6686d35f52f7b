/**
 * The benchmark suites, by name, in the order a run takes them. Registering a suite is one entry
 * here: `--only`, `--help` and the JSON file (its results under the suite's name) follow.
 */
import { runE2eSuite } from './e2e.js';
import { runFusionSuite } from './fusion.js';
import { runKernelsSuite } from './kernels.js';
import { runMemorySuite } from './memory.js';
import { runOnnxSuite } from './onnx.js';
import { runPeersSuite } from './peers/index.js';
import { mergePytorchRounds, runPytorchSuite } from './pytorch.js';
import { mergeResnetSuite, runResnetSuite } from './resnet.js';
import { mergeE2eRounds } from './rounds.js';
import { defineSuite } from './suite.js';
import { runThreadsSuite } from './threads.js';
import { runWinogradSuite } from './winograd.js';

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
    merge: mergeE2eRounds,
  }),
  pytorch: defineSuite({
    describe: 'PyTorch (/usr/bin/python3 with torch) on the case-study CNN and FNN, 1 and 2 threads, its best config (glibc tunables, OpenBLAS)',
    run: runPytorchSuite,
    merge: mergePytorchRounds,
  }),
  peers: defineSuite({
    describe: 'TensorFlow.js 4.22 cpu and wasm: the same kernels and the same training and inference (--skip-peers leaves it out)',
    run: runPeersSuite,
  }),
  resnet: defineSuite({
    describe: 'a small ResNet-style CNN on 32×32×3, batch 64: ms per train step, tapegrad 1 thread and all cores against PyTorch 1 and 2 threads in this run',
    run: runResnetSuite,
    merge: mergeResnetSuite,
  }),
  memory: defineSuite({
    describe: 'peak WASM memory of a training step (linear memory, tensors and kernel scratch high-water marks), case-study CNN and resnet, 1 thread and all cores',
    run: runMemorySuite,
  }),
  fusion: defineSuite({
    describe: 'fused kernels (conv + ReLU epilogue, ReLU backward + bias sum) against the unfused ones on the case-study convs, alternating turns',
    run: runFusionSuite,
  }),
  onnx: defineSuite({
    describe: 'ONNX export and import time of the case-study CNN (bar: < 100 ms each) and its train step imported vs built by hand (same run), WASM 1 thread',
    run: runOnnxSuite,
  }),
  winograd: defineSuite({
    describe: 'Winograd conv on one thread beyond the case study (up to 224×224×64): 3 passes timed, scratch peak against the 64 MiB bar',
    run: runWinogradSuite,
  }),
};

export type SuiteName = keyof typeof SUITES;
/** What each suite's run returns, for the suites that ran. */
export type SuiteResults = { [K in SuiteName]?: Awaited<ReturnType<(typeof SUITES)[K]['run']>> };

export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

export function isSuiteName(name: string): name is SuiteName {
  return Object.hasOwn(SUITES, name);
}
