import { crossEntropy, noGrad, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import type { DataLoader } from '../data/data-loader.js';
import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr-scheduler.js';
import { ReduceLROnPlateau } from '../optim/reduce-lr-on-plateau.js';
import { argmaxRowsAccuracy } from './batch-accuracy.js';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';
import { evaluate } from './evaluate.js';

/** Thrown when training cannot go on (a non-finite loss); the message says where and why. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

export interface FitOptions {
  trainLoader: DataLoader;
  epochs: number;
  /** Evaluated after every epoch (valLoss, valAccuracy in the logs). */
  validation?: { images: Float32Array; labels: ArrayLike<number> };
  /** Loss of a batch (default: mean cross-entropy). */
  lossFn?: (logits: Tensor, labels: Int32Array) => Tensor;
  callbacks?: Callback[];
  /** Stepped once per epoch; a ReduceLROnPlateau with the validation loss (the training loss without validation). */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** Epochs already done (resume): training runs epochs startEpoch+1 … epochs. */
  startEpoch?: number;
  /** Logs of the epochs already done (resume). */
  history?: EpochLogs[];
  /** Monotonic clock in seconds (tests inject one). */
  now?: () => number;
}

/**
 * The training loop: for each epoch, for each batch, forward, loss, backward, optimizer step,
 * zeroGrad, with every intermediate freed by `tidy`; then optional validation, the scheduler and
 * the callbacks. A non-finite loss stops training with a TrainingError naming the epoch and batch.
 * @example
 * const history = fit(model, new Adam(model.parameters()), { trainLoader, epochs: 10, validation: test });
 */
export function fit(model: Module, optimizer: Optimizer<{ lr: number }>, opts: FitOptions): EpochLogs[] {
  const callbacks = opts.callbacks ?? [];
  const now = opts.now ?? (() => performance.now() / 1000);
  const lossFn = opts.lossFn ?? ((logits: Tensor, labels: Int32Array) => crossEntropy(logits, labels));
  const ctx: TrainContext = { model, optimizer, epochs: opts.epochs, history: [...(opts.history ?? [])] };
  const shape = opts.trainLoader.dataset.shape;
  for (const cb of callbacks) cb.onTrainBegin?.(ctx);
  for (let epoch = opts.startEpoch ?? 0; epoch < opts.epochs; epoch++) {
    for (const cb of callbacks) cb.onEpochBegin?.(epoch, ctx);
    model.train();
    const t0 = now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const batches = opts.trainLoader.length;
    for (const batch of opts.trainLoader) {
      const { size } = batch;
      const labels = batch.labels.subarray(0, size);
      const [loss, hits] = tidy(() => {
        const x = tensor(batch.images.subarray(0, size * shape[0] * shape[1] * shape[2]), [size, ...shape]);
        const logits = model.forward(x);
        const l = lossFn(logits, labels);
        const value = l.item();
        if (!Number.isFinite(value)) {
          throw new TrainingError(`fit: the loss became ${value} at epoch ${epoch + 1}, batch ${batch.index + 1} of ${batches}; training stopped (try a lower learning rate, or check the inputs for NaN)`);
        }
        l.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return [value, noGrad(() => argmaxRowsAccuracy(logits, labels))] as const;
      });
      lossSum += loss * size;
      correct += hits;
      seen += size;
      for (const cb of callbacks) cb.onBatchEnd?.({ epoch, batch: batch.index, batches, loss, accuracy: hits / size, size }, ctx);
    }
    const seconds = now() - t0;
    const logs: EpochLogs = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      seconds,
      imagesPerSecond: seen / seconds,
      lr: optimizer.paramGroups[0]!.lr,
    };
    if (opts.validation) {
      const r = evaluate(model, opts.validation.images, opts.validation.labels, shape);
      logs.valLoss = r.loss;
      logs.valAccuracy = r.accuracy;
    }
    if (opts.scheduler instanceof ReduceLROnPlateau) opts.scheduler.step(logs.valLoss ?? logs.trainLoss);
    else opts.scheduler?.step();
    ctx.history.push(logs);
    let stop = false;
    for (const cb of callbacks) if (cb.onEpochEnd?.(logs, ctx) === 'stop') stop = true;
    if (stop) break;
  }
  for (const cb of callbacks) cb.onTrainEnd?.(ctx);
  return ctx.history;
}
