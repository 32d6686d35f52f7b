/**
 * End to end on our WASM backend: seconds per training epoch (60 000 images, batch 128, Adam, the
 * same loop as `fit` in apps/fashion) and inference images/s on the 10 000 test images.
 * Run once with one thread (the deterministic path) and once with every core (the WASM worker
 * pool: convolutions split by images, large GEMMs by rows).
 */
import { manualSeed, setBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, evaluate, fit } from '@tapegrad/nn';
import { BATCH_SIZE, EPOCH_IMAGES, QUICK_IMAGES, benchData } from './data.js';
import { type ModelKind, buildModel } from './models.js';
import type { SuiteOptions } from './suite.js';

export interface E2eResult {
  framework: string;
  backend: string;
  model: ModelKind;
  threads: number;
  /** The kernels build our runs used (kernels-relaxed.wasm by default where supported); absent for peers. */
  build?: string;
  /** Seconds per 60 000-image epoch; null with `error` or `note` when there is no figure. */
  epochSeconds: number | null;
  /** Images actually trained on in the timed run (the rest is extrapolated). */
  trainImagesTimed: number;
  extrapolated: boolean;
  trainImagesPerSecond: number | null;
  /** Milliseconds per training step of 128 images (forward, backward, Adam). */
  msPerStep: number | null;
  inferenceImagesPerSecond: number | null;
  inferenceImagesTimed: number;
  /**
   * Our runs on several threads: kernel calls of the timed epoch split across the worker pool, and
   * worker shares of them the main thread ran itself (Note [share stealing] in kernels-wasm).
   */
  pool?: { splitCalls: number; stolenShares: number };
  /**
   * With alternating rounds (Note [alternating rounds], rounds.ts): every round's epoch and
   * inference figure; epochSeconds is the shortest, inferenceImagesPerSecond the highest.
   */
  rounds?: { epochSeconds: (number | null)[]; inferenceImagesPerSecond: (number | null)[] };
  note?: string;
  error?: string;
}

/** Copies of the first `count` examples (the loader reads them in order, no shuffling). */
function subset(images: Float32Array, labels: Int32Array, count: number): ArrayDataset {
  const n = Math.min(count, labels.length);
  return new ArrayDataset(images.subarray(0, n * 784), labels.subarray(0, n), [1, 28, 28]);
}

const WARMUP_BATCHES = 24;

export async function runE2e(kind: ModelKind, quick: boolean, log: (line: string) => void, threads = 1): Promise<E2eResult> {
  const backend = await createWasmBackend({ threads });
  setBackend(backend);
  manualSeed(0);
  const { train, test } = benchData();
  const model = buildModel(kind);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  // Warm-up: the JIT (the tape, the ops and the loader are JS, and V8 optimises a function called
  // once per step only after hundreds of steps), the allocator's free lists and the kernels'
  // scratch. A full run warms up on one whole shuffled epoch and times the second, as the PyTorch
  // peer does (src/pytorch.ts). With a fifth of an epoch (before 2026-12-06) the FNN's 2-thread
  // epoch was timed while V8 was still optimising the per-step JS: 20–60 TurboFan compiles per
  // 300 steps until step ~2 400 (node --trace-opt), each taking 10–20 ms on a compiler thread that
  // shares the 2 cores with the spinning worker, which then starts its shares late (the main
  // thread steals them: 130 of 600 in steps 0–300, under 10 after step 2 100). --quick warms up
  // on WARMUP_BATCHES, as its PyTorch run. With only 4 warm-up batches the --quick FNN figure came
  // out 2.5× the full epoch's (3.6 vs 1.4 s); with 24 it is 1.6–2.0 vs 1.5 s. The FNN's timed
  // --quick run lasts only ~0.2 s, so it stays the noisiest figure.
  const warmupLoader = quick
    ? new DataLoader(subset(train.images, train.labels, WARMUP_BATCHES * BATCH_SIZE), { batchSize: BATCH_SIZE })
    : new DataLoader(subset(train.images, train.labels, EPOCH_IMAGES), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 });
  fit(model, optimizer, { trainLoader: warmupLoader, epochs: 1 });
  const count = quick ? QUICK_IMAGES : EPOCH_IMAGES;
  const loader = new DataLoader(subset(train.images, train.labels, count), { batchSize: BATCH_SIZE, shuffle: true, seed: 1 });
  const [calls0, stolen0] = [backend.parallelCalls, backend.stolenShares];
  const [logs] = fit(model, optimizer, { trainLoader: loader, epochs: 1 });
  const pool = threads > 1 ? { splitCalls: backend.parallelCalls - calls0, stolenShares: backend.stolenShares - stolen0 } : undefined;
  const seconds = logs!.seconds;
  const epochSeconds = (seconds * EPOCH_IMAGES) / count;
  log(`  tapegrad wasm ${kind} (${threads} thr): ${quick ? `${count} images in ${seconds.toFixed(2)} s → ` : ''}${epochSeconds.toFixed(2)} s/epoch${quick ? ' (extrapolated)' : ''}, loss ${logs!.trainLoss.toFixed(3)}` +
    (pool ? `; ${pool.splitCalls} split calls, ${pool.stolenShares} worker shares run by the main thread` : ''));
  evaluate(model, test.images.subarray(0, 500 * 784), test.labels.subarray(0, 500), [1, 28, 28]); // warm-up
  const t0 = performance.now();
  const r = evaluate(model, test.images, test.labels, [1, 28, 28], { batchSize: 500 });
  const inferSeconds = (performance.now() - t0) / 1000;
  log(`  tapegrad wasm ${kind} (${threads} thr): inference ${(test.count / inferSeconds).toFixed(0)} images/s (accuracy ${(100 * r.accuracy).toFixed(1)}%)`);
  model.dispose();
  optimizer.dispose();
  await backend.dispose();
  return {
    framework: 'tapegrad', backend: 'wasm', model: kind, threads, build: backend.build,
    epochSeconds, trainImagesTimed: count, extrapolated: count !== EPOCH_IMAGES, trainImagesPerSecond: count / seconds,
    msPerStep: (1000 * seconds * BATCH_SIZE) / count,
    inferenceImagesPerSecond: test.count / inferSeconds, inferenceImagesTimed: test.count, ...(pool ? { pool } : {}),
  };
}

/** The `e2e` suite: the CNN and the FNN on one thread, then on every core (when there are several). */
export async function runE2eSuite(o: SuiteOptions): Promise<E2eResult[]> {
  o.log(`end to end, tapegrad wasm, 1 thread${o.cores > 1 ? ` and ${o.cores}` : ''}${o.quick ? ` (--quick: ${QUICK_IMAGES} training images, extrapolated per epoch)` : ''} …`);
  const out: E2eResult[] = [];
  for (const kind of ['cnn', 'fnn'] as const) {
    out.push(await runE2e(kind, o.quick, o.log, 1));
    if (o.cores > 1) out.push(await runE2e(kind, o.quick, o.log, o.cores));
  }
  return out;
}
