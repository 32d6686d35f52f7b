import { join } from 'node:path';
import { type Callback, type EpochLogs, EarlyStopping, EXPORT_OPSETS, evaluate, fit, type OnnxModel } from '@tapegrad/nn';
import { loadCheckpoint, loadFashionMnist, removeStaleTempFiles, saveCheckpoint, saveOnnx, saveSafetensors, writeFileAtomic } from '@tapegrad/nn/node';
import { type ModelKind, type RecipeName, setupTraining, type TrainSettings } from '@tapegrad/lecture';
import { type BackendName, useBackend } from './backend.js';
import { CliError } from './errors.js';
import { EpochProgress } from './progress.js';
import { Interrupted, type StopReason } from './interrupt.js';
import type { TrainPlan } from './options.js';
import { checkOutDir, checkRunName, createOutDir, removeEmptyDirs } from './out-dir.js';
import { openRuns, updateSummary } from './run-dir.js';
import { formatSummaryTable, type SummaryRow } from './summary.js';
import { checkModelAgainstOnnx, loadOnnxClassifier } from './onnx.js';

/** A checked train command (planTrain in options.ts) and where to print. */
export interface TrainOptions extends TrainPlan {
  log?: (line: string) => void;
  /** Where the progress bars go (default stderr; the worker passes a relay to the main thread). */
  progressStream?: NodeJS.WriteStream;
  /** Asked after every batch and epoch: a reason stops training (Note [interrupting training]). */
  stopRequested?: () => StopReason | null;
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
  /** 'onnx' for a fine-tuned ONNX graph that is none of the case-study networks. */
  model: ModelKind | 'onnx';
  /** train --init: the ONNX file the run started from. */
  init?: string;
  recipe: RecipeName;
  backend: string;
  settings: TrainSettings;
  epochs: EpochMetrics[];
}

const SHAPE = [1, 28, 28] as const;

/** The opset a fine-tuned model is written in: the file's own when export writes it, else the nearest one. */
const exportOpset = (opset: number): number => Math.min(Math.max(opset, EXPORT_OPSETS[0]), EXPORT_OPSETS[EXPORT_OPSETS.length - 1]!);

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
    // The file to fine-tune is read (and checked) before the data.
    const init = opts.init !== undefined ? loadInit(opts.init, opts.models[0]) : undefined;
    const train = loadFashionMnist({ dir: opts.dataDir, split: 'train', limit: opts.trainLimit });
    const test = loadFashionMnist({ dir: opts.dataDir, split: 'test', limit: opts.testLimit });
    log(`Fashion-MNIST: ${train.count} training and ${test.count} test images; backend ${backend.name}; recipe ${opts.recipe}`);
    if (init) {
      log(`${opts.names[0]}: fine-tuning ${opts.init} (${init.kind === 'onnx' ? 'an ONNX graph' : `the case-study ${init.kind}`}, opset ${init.model.opset})`);
      results.push(trainOne(init.kind, opts.names[0]!, runs[0]!.dir, settings, train, test, opts, backend.name, log, init.model));
    } else {
      opts.models.forEach((model, i) => {
        results.push(trainOne(model, opts.names[i]!, runs[i]!.dir, settings, train, test, opts, backend.name, log));
      });
    }
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
  log(`Wrote ${results.map((r) => join(opts.out, r.name)).join(', ')} (model.safetensors, ${opts.init ? 'model.onnx, ' : ''}metrics.json, checkpoint.safetensors) and ${summaryPath}`);
  return results;
}

/** The ONNX model of `train --init`, checked to be a Fashion-MNIST classifier (and the --model given, if any). */
function loadInit(path: string, model: ModelKind | undefined): { model: OnnxModel; kind: ModelKind | 'onnx' } {
  const r = loadOnnxClassifier(path, '--init');
  try {
    checkModelAgainstOnnx(model, r.kind, path);
  } catch (e) {
    r.model.dispose();
    throw e;
  }
  return { model: r.model, kind: r.kind === null ? 'onnx' : r.kind === 'fnn' ? 'fnn' : 'cnn' };
}

function trainOne(
  kind: ModelKind | 'onnx', name: string, dir: string, s: TrainSettings,
  train: { images: Float32Array; labels: Int32Array; count: number },
  test: { images: Float32Array; labels: Int32Array; count: number },
  opts: TrainOptions, backendName: string, log: (s: string) => void, init?: OnnxModel,
): RunMetrics {
  const ckptPath = join(dir, 'checkpoint.safetensors');
  // The lecture package builds the run (augmentations, seed, model, optimizer, schedule, loader,
  // early stopping's validation split) in the same order as the playground page, so seeds line up.
  // With --init the imported graph is the model; setupTraining's kind then only names the run.
  const { model, optimizer, scheduler, loader, validation, lossFn } = setupTraining(kind === 'onnx' ? 'cnn' : kind, s, train, init);

  let startEpoch = 0;
  let history: EpochLogs[] = [];
  const identity = { model: kind, name, settings: s, trainCount: train.count, testCount: test.count, ...(opts.init ? { init: opts.init } : {}) };
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
  callbacks.push(new EpochProgress(name, s.epochs, opts.progress !== false, opts.progressStream));
  callbacks.push(checkpoint);
  if (opts.stopRequested) callbacks.push(stopWhenAsked(opts.stopRequested, name, ckptPath, opts.resume && startEpoch > 0 ? startEpoch : null));
  const crashAfter = Number(process.env.TAPEGRAD_CRASH_AFTER_BATCHES ?? 0);
  if (crashAfter > 0) callbacks.push(crashAfterBatches(crashAfter));
  log(`${name}: ${kind} with ${model.parameterCount().toLocaleString('en-US')} parameters, ${s.epochs} epochs, batch ${s.batchSize}, lr ${s.lr}`);
  const epochs = fit(model, optimizer, { trainLoader: loader, epochs: s.epochs, validation, callbacks, scheduler, startEpoch, history, lossFn });

  const final = evaluate(model, test.images, test.labels, SHAPE);
  saveSafetensors(model, join(dir, 'model.safetensors'), { model: kind, recipe: opts.recipe });
  // A fine-tuned graph is saved as ONNX too: its safetensors keys are the file's initializer
  // names, which only a case-study network can be rebuilt from.
  if (init) saveOnnx(model, join(dir, 'model.onnx'), { inputShape: [1, ...SHAPE], opset: exportOpset(init.opset) });
  const metrics: RunMetrics = {
    name, model: kind, recipe: opts.recipe, ...(opts.init ? { init: opts.init } : {}), testAccuracy: final.accuracy, parameters: model.parameterCount(),
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
 * Stops training when asked (Note [interrupting training] in interrupt.ts): after the batch in
 * progress, or after the epoch's checkpoint when the request came during its evaluation.
 */
function stopWhenAsked(asked: () => StopReason | null, run: string, checkpoint: string, resumedAt: number | null): Callback {
  let saved = resumedAt;
  return {
    onBatchEnd(logs) {
      const reason = asked();
      if (reason) throw new Interrupted(reason, run, logs.epoch + 1, checkpoint, saved);
    },
    onEpochEnd(logs) {
      saved = logs.epoch; // the checkpoint callback, before this one, has written it
      const reason = asked();
      if (reason) throw new Interrupted(reason, run, logs.epoch, checkpoint, saved);
    },
  };
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
