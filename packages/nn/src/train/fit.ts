import { crossEntropy, noGrad, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { checkFunction, checkInt, checkObject, checkOptions, fail } from '../check.js';
import { DataLoader } from '../data/data-loader.js';
import { type AnyDataset, type Dataset, isTupleDataset, sampleFields } from '../data/dataset.js';
import { checkModule, type Module } from '../module.js';
import { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr-scheduler.js';
import { ReduceLROnPlateau } from '../optim/reduce-lr-on-plateau.js';
import { argmaxRowsAccuracy } from './batch-accuracy.js';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';
import { batchInputs, checkSupervised, defaultLossError, evaluate, type LossFunction } from './evaluate.js';

/** Thrown when training cannot go on (a non-finite loss); the message says where and why. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

export interface FitOptions {
  /**
   * Batches of any dataset: each sample's last field is the target, the others are the model's
   * inputs (`model.forward(...inputs)`); a labelled-image dataset is (image, label).
   */
  trainLoader: DataLoader<AnyDataset>;
  epochs: number;
  /**
   * Evaluated after every epoch with the same loss (valLoss, and valAccuracy for class targets, in
   * the logs): a dataset with the training samples' fields, or images (of the training dataset's
   * `[C, H, W]`) and labels as arrays.
   */
  validation?: AnyDataset | { images: Float32Array; labels: ArrayLike<number> };
  /**
   * Loss of a batch, (output, target) → the batch mean. Default: crossEntropy, for integer class
   * targets; pass e.g. `mseLoss` or `bceWithLogits` for float targets.
   */
  loss?: LossFunction;
  /** The former name of `loss` (logits and Int32Array labels); give one of the two. */
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
 * the callbacks. Any model, on any dataset whose samples are tensors of any shape: the last field
 * of a sample is the target, the others the inputs. A non-finite loss stops training with a
 * TrainingError naming the epoch and batch. Accuracies (per batch, per epoch) are of argmax
 * predictions against integer class targets with outputs [N, classes]; NaN for other targets.
 * @example
 * const history = fit(model, new Adam(model.parameters()), { trainLoader, epochs: 10, validation: test });
 * fit(regressor, opt, { trainLoader: new DataLoader(new TensorDataset(x, y), { batchSize: 32 }), epochs: 50, loss: mseLoss });
 */
export function fit(model: Module, optimizer: Optimizer<{ lr: number }>, opts: FitOptions): EpochLogs[] {
  checkFitArgs(model, optimizer, opts);
  const callbacks = opts.callbacks ?? [];
  const now = opts.now ?? (() => performance.now() / 1000);
  if (opts.loss && opts.lossFn) throw new Error('fit: give either loss or lossFn (its former name), not both');
  const fields = sampleFields(opts.trainLoader.dataset);
  const { classTargets } = checkSupervised('fit', fields);
  const userLoss = (opts.loss ?? opts.lossFn) as LossFunction | undefined;
  if (!userLoss && !classTargets) throw defaultLossError('fit', fields);
  const lossFn: LossFunction = userLoss ?? ((logits, labels) => crossEntropy(logits, labels));
  const validation = opts.validation;
  if (validation !== undefined && typeof (validation as { get?: unknown }).get !== 'function' && isTupleDataset(opts.trainLoader.dataset)) {
    throw new TypeError('fit: validation as { images, labels } arrays needs a labelled-image training dataset; pass a dataset with the training samples\' fields instead');
  }
  const ctx: TrainContext = { model, optimizer, epochs: opts.epochs, history: [...(opts.history ?? [])] };
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
      const [loss, hits] = tidy(() => {
        const { inputs, target } = batchInputs(batch, fields);
        const output = model.forward(...inputs);
        const l = lossFn(output, target);
        const value = l.item();
        if (!Number.isFinite(value)) {
          throw new TrainingError(`fit: the loss became ${value} at epoch ${epoch + 1}, batch ${batch.index + 1} of ${batches}; training stopped (try a lower learning rate, or check the inputs for NaN)`);
        }
        l.backward();
        optimizer.step();
        optimizer.zeroGrad();
        const classified = classTargets && output.ndim === 2;
        return [value, classified ? noGrad(() => argmaxRowsAccuracy(output, target as Int32Array)) : NaN] as const;
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
    if (validation) {
      const r = typeof (validation as { get?: unknown }).get === 'function'
        ? evaluate(model, validation as AnyDataset, { loss: userLoss })
        : evaluate(model, (validation as { images: Float32Array }).images, (validation as { labels: ArrayLike<number> }).labels, (opts.trainLoader.dataset as Dataset).shape);
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

const FIT_OPTIONS = ['trainLoader', 'epochs', 'validation', 'loss', 'lossFn', 'callbacks', 'scheduler', 'startEpoch', 'history', 'now'];

function checkFitArgs(model: unknown, optimizer: unknown, opts: FitOptions): void {
  checkModule('fit', 'model', model);
  if (!(optimizer instanceof Optimizer)) fail('fit', 'optimizer', 'an Optimizer', optimizer);
  checkObject('fit', 'opts', opts, 'an object {trainLoader, epochs, ...}');
  checkOptions('fit', opts, FIT_OPTIONS);
  if (!(opts.trainLoader instanceof DataLoader)) fail('fit', 'trainLoader', 'a DataLoader', opts.trainLoader);
  checkInt('fit', 'epochs', opts.epochs, 0);
  if (opts.startEpoch !== undefined) checkInt('fit', 'startEpoch', opts.startEpoch, 0);
  if (opts.callbacks !== undefined && !Array.isArray(opts.callbacks)) fail('fit', 'callbacks', 'an array of callbacks', opts.callbacks);
  if (opts.history !== undefined && !Array.isArray(opts.history)) fail('fit', 'history', 'an array of epoch logs', opts.history);
  if (opts.loss !== undefined) checkFunction('fit', 'loss', opts.loss);
  if (opts.lossFn !== undefined) checkFunction('fit', 'lossFn', opts.lossFn);
  if (opts.now !== undefined) checkFunction('fit', 'now', opts.now);
  const s = opts.scheduler as { step?: unknown } | undefined;
  if (s !== undefined && (typeof s !== 'object' || s === null || typeof s.step !== 'function')) fail('fit', 'scheduler', 'an LRScheduler or a ReduceLROnPlateau', s);
  const v = opts.validation as { get?: unknown; images?: unknown; labels?: unknown } | undefined;
  if (v !== undefined && (typeof v !== 'object' || v === null || (typeof v.get !== 'function' && !(v.images instanceof Float32Array && v.labels !== undefined)))) {
    fail('fit', 'validation', 'a dataset or {images: Float32Array, labels}', v);
  }
}
