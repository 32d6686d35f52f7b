import { join } from 'node:path';
import { type Callback, type EpochLogs, EarlyStopping, evaluate, fit } from '@tapegrad/nn';
import { loadCheckpoint, loadFashionMnist, removeStaleTempFiles, saveCheckpoint, saveSafetensors, writeFileAtomic } from '@tapegrad/nn/node';
import { type ModelKind, type RecipeName, setupTraining, type TrainSettings } from '@tapegrad/lecture';
import { type BackendName, useBackend } from './backend.js';
import { CliError } from './errors.js';
import { EpochProgress } from './progress.js';
import type { TrainPlan } from './options.js';
import { checkOutDir, checkRunName, createOutDir, removeEmptyDirs } from './out-dir.js';
import { openRuns, updateSummary } from './run-dir.js';
import { formatSummaryTable, type SummaryRow } from './summary.js';

/** A checked train command (planTrain in options.ts) and where to print. */
export interface TrainOptions extends TrainPlan {
  log?: (line: string) => void;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
}

/** What `DIR/<run>/metrics.json` holds: the run's summary row and its epochs. */
export interface RunMetrics extends SummaryRow {
  model: ModelKind;
  recipe: RecipeName;
  backend: string;
  settings: TrainSettings;
  epochs: EpochMetrics[];
}

const SHAPE = [1, 28, 28] as const;

function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/** Trains each requested model, writes weights, checkpoints and metrics, and prints the lecture's table. */
export async function runTrain(opts: TrainOptions): Promise<RunMetrics[]> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const settings = opts.settings;
  // The output location is checked, and the run directories locked (Note [run directory
  // ownership] in run-dir.ts), before the data is read.
  const outCheck = checkOutDir(opts.out);
  for (const note of opts.notes) log(note);
  createOutDir(outCheck);
  const runs = openRuns(opts.names.map((n) => checkRunName(n, opts.outAbs)), { resume: opts.resume, overwrite: opts.overwrite });
  let rows: SummaryRow[];
  const results: RunMetrics[] = [];
  try {
    for (const r of [opts.outAbs, ...runs.map((x) => x.dir)]) for (const p of removeStaleTempFiles(r)) log(`removed ${p}, left by a write that was interrupted`);
    const backend = await useBackend(opts.backend, opts.threads);
    const train = loadFashionMnist({ dir: opts.dataDir, split: 'train', limit: opts.trainLimit });
    const test = loadFashionMnist({ dir: opts.dataDir, split: 'test', limit: opts.testLimit });
    log(`Fashion-MNIST: ${train.count} training and ${test.count} test images; backend ${backend.name}; recipe ${opts.recipe}`);
    opts.models.forEach((model, i) => {
      results.push(trainOne(model, opts.names[i]!, runs[i]!.dir, settings, train, test, opts, backend.name, log));
    });
    const fresh: SummaryRow[] = results.map((r) => ({ name: r.name, model: r.model, recipe: r.recipe, testAccuracy: r.testAccuracy, parameters: r.parameters, trainSeconds: r.trainSeconds }));
    rows = updateSummary(opts.out, fresh, log);
  } finally {
    for (const r of runs) r.release();
    // Directories made for a run that failed before writing anything (e.g. no data) go again.
    if (results.length === 0) removeEmptyDirs(outCheck.missing);
  }
  const summaryPath = join(opts.out, 'summary.json');
  log('');
  log(formatSummaryTable(rows));
  log('');
  log(`Wrote ${results.map((r) => join(opts.out, r.name)).join(', ')} (model.safetensors, metrics.json, checkpoint.safetensors) and ${summaryPath}`);
  return results;
}

function trainOne(
  kind: ModelKind, name: string, dir: string, s: TrainSettings,
  train: { images: Float32Array; labels: Int32Array; count: number },
  test: { images: Float32Array; labels: Int32Array; count: number },
  opts: TrainOptions, backendName: string, log: (s: string) => void,
): RunMetrics {
  const ckptPath = join(dir, 'checkpoint.safetensors');
  // The lecture package builds the run (augmentations, seed, model, optimizer, schedule, loader,
  // early stopping's validation split) in the same order as the playground page, so seeds line up.
  const { model, optimizer, scheduler, loader, validation, lossFn } = setupTraining(kind, s, train);

  let startEpoch = 0;
  let history: EpochLogs[] = [];
  const identity = { model: kind, name, settings: s, trainCount: train.count, testCount: test.count };
  if (opts.resume) {
    // The library checks the checkpoint field by field (epoch within this run, the optimizer's
    // groups and steps, the loader's position) and restores nothing when one is wrong.
    const info = loadCheckpoint(ckptPath, model, optimizer, { epochs: s.epochs, loader });
    if (info) {
      const saved = JSON.stringify(info.extra?.identity);
      if (saved !== JSON.stringify(identity)) {
        throw new CliError(`${ckptPath}: the checkpoint was written by a different run (${saved}); remove it or drop --resume`);
      }
      startEpoch = info.epoch;
      history = info.history ?? [];
      scheduler?.loadState({ lastEpoch: info.epoch });
      log(`${name}: resuming from ${ckptPath} after epoch ${info.epoch}`);
    } else log(`${name}: no checkpoint at ${ckptPath}; starting from scratch`);
  }

  const testAccuracies = new Map<number, number>((history as Array<EpochLogs & { testAccuracy?: number }>).map((h) => [h.epoch, h.testAccuracy ?? NaN]));
  const testEval: Callback = {
    onEpochEnd(logs) {
      const r = evaluate(model, test.images, test.labels, SHAPE);
      (logs as EpochLogs & { testAccuracy?: number }).testAccuracy = r.accuracy;
      testAccuracies.set(logs.epoch, r.accuracy);
    },
  };
  const checkpoint: Callback = {
    onEpochEnd(logs, ctx) {
      saveCheckpoint(ckptPath, model, optimizer, { epoch: logs.epoch, loader: loader.state(), history: ctx.history, extra: { identity } });
    },
  };
  const callbacks: Callback[] = [testEval];
  if (s.earlyStopping > 0) callbacks.push(new EarlyStopping({ monitor: 'valAccuracy', patience: s.earlyStopping, restoreBestWeights: true }));
  callbacks.push(new EpochProgress(name, s.epochs, opts.progress !== false));
  callbacks.push(checkpoint);
  const crashAfter = Number(process.env.TAPEGRAD_CRASH_AFTER_BATCHES ?? 0);
  if (crashAfter > 0) callbacks.push(crashAfterBatches(crashAfter));
  log(`${name}: ${kind} with ${model.parameterCount().toLocaleString('en-US')} parameters, ${s.epochs} epochs, batch ${s.batchSize}, lr ${s.lr}`);
  const epochs = fit(model, optimizer, { trainLoader: loader, epochs: s.epochs, validation, callbacks, scheduler, startEpoch, history, lossFn });

  const final = evaluate(model, test.images, test.labels, SHAPE);
  saveSafetensors(model, join(dir, 'model.safetensors'), { model: kind, recipe: opts.recipe });
  const metrics: RunMetrics = {
    name, model: kind, recipe: opts.recipe, testAccuracy: final.accuracy, parameters: model.parameterCount(),
    trainSeconds: epochs.reduce((a, e) => a + e.seconds, 0), backend: backendName, settings: s,
    epochs: epochs.map((e) => ({
      epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, testAccuracy: testAccuracies.get(e.epoch) ?? NaN,
      ...(e.valAccuracy !== undefined ? { valAccuracy: e.valAccuracy } : {}), seconds: e.seconds, imagesPerSecond: e.imagesPerSecond,
    })),
  };
  writeJson(join(dir, 'metrics.json'), metrics);
  model.dispose();
  optimizer.dispose();
  return metrics;
}

/**
 * Fault injection for the resume test: SIGKILLs the process after `n` training batches, as a
 * power cut would (no cleanup, no flushing). Enabled only by TAPEGRAD_CRASH_AFTER_BATCHES.
 */
function crashAfterBatches(n: number): Callback {
  let seen = 0;
  return {
    onBatchEnd() {
      if (++seen >= n) process.kill(process.pid, 'SIGKILL');
    },
  };
}
