import { crossEntropy, noGrad, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { checkArrayLike, checkInt, checkObject, checkOptions, fail } from '../check.js';
import { DataLoader, type TupleBatch } from '../data/data-loader.js';
import { type AnyDataset, type FieldSpec, sampleFields } from '../data/dataset.js';
import { argmaxRows } from '../metrics/argmax-rows.js';
import { checkModule, type Module } from '../module.js';

export interface EvaluateResult {
  loss: number;
  /** Fraction of argmax predictions equal to the label; NaN when the targets are not class indices. */
  accuracy: number;
  /** Predicted class per example (empty when the targets are not class indices). */
  predictions: Int32Array;
  /** The model's outputs [count, ...], row-major: softmax-free scores [count, classes] for a classifier. */
  logits: Float32Array;
}

/**
 * A loss of a batch: the model's output and the batch's targets (the last field of the samples:
 * an `Int32Array` for an integer field such as class labels, a `Tensor` `[size, ...]` for a float
 * field), reduced to the mean over the batch as PyTorch's losses do by default. `crossEntropy`,
 * `mseLoss`, `bceWithLogits`, `nllLoss` (after `logSoftmax`) fit, or a function of your own.
 */
// Declared through a method so that its parameters are bivariant: `mseLoss` (target: Tensor) and
// `crossEntropy` (targets: Tensor | ArrayLike<number>) are both accepted without a cast.
export type LossFunction = { loss(output: Tensor, target: Tensor | Int32Array): Tensor }['loss'];

export interface EvaluateDatasetOptions {
  /** Examples per forward pass (default 500). */
  batchSize?: number;
  /** The loss (default: crossEntropy, which needs integer class targets). */
  loss?: LossFunction;
}

/**
 * Runs a model over a dataset (or over images [count, C, H, W] and their labels) in eval mode
 * without recording a tape, in batches; returns the mean loss, and for class targets accuracy and
 * predictions, with the outputs. The module's training flag is restored afterwards.
 *
 * With a dataset, the samples' last field is the target and the others are the model's inputs
 * (`model.forward(...inputs)`); the loss is `loss` (default: crossEntropy, summed per batch, so
 * the numbers equal the image-array form's), a batch mean weighted by the batch size.
 * @example
 * const { accuracy } = evaluate(model, testSet);               // an ImageFolder, ArrayDataset, TensorDataset …
 * const { loss } = evaluate(regressor, new TensorDataset(x, y), { loss: mseLoss });
 * const r = evaluate(model, images, labels, [1, 28, 28]);      // arrays of images [N, 1, 28, 28] and labels [N]
 */
export function evaluate(model: Module, dataset: AnyDataset, opts?: EvaluateDatasetOptions): EvaluateResult;
export function evaluate(model: Module, images: Float32Array, labels: ArrayLike<number>, shape: readonly [number, number, number], opts?: { batchSize?: number }): EvaluateResult;
export function evaluate(
  model: Module,
  data: Float32Array | AnyDataset,
  a?: ArrayLike<number> | EvaluateDatasetOptions,
  shape?: readonly [number, number, number],
  opts: { batchSize?: number } = {},
): EvaluateResult {
  checkModule('evaluate', 'model', model);
  if (data instanceof Float32Array) {
    if (shape === undefined) throw new Error('evaluate: with an image array, pass its labels and shape: evaluate(model, images, labels, [C, H, W])');
    checkArrayLike('evaluate', 'labels', a);
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) fail('evaluate', 'shape', '[C, H, W] positive integers', shape);
    checkEvaluateOptions(opts, ['batchSize']);
    return evaluateArrays(model, data, a as ArrayLike<number>, shape, opts);
  }
  if (data === null || typeof data !== 'object' || typeof (data as { get?: unknown }).get !== 'function') {
    fail('evaluate', 'dataset', 'a dataset or a Float32Array of images', data);
  }
  if (a !== undefined) checkEvaluateOptions(a, ['batchSize', 'loss']);
  return evaluateDataset(model, data, (a ?? {}) as EvaluateDatasetOptions);
}

function evaluateArrays(model: Module, images: Float32Array, labels: ArrayLike<number>, shape: readonly [number, number, number], opts: { batchSize?: number }): EvaluateResult {
  const count = labels.length;
  const per = shape[0] * shape[1] * shape[2];
  if (images.length !== count * per) throw new Error(`evaluate: ${images.length} image values do not match ${count} labels of shape [${shape.join(',')}]`);
  const batchSize = opts.batchSize ?? 500;
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let classes = 0;
  let logits = new Float32Array(0);
  const predictions = new Int32Array(count);
  try {
    noGrad(() => {
      for (let start = 0; start < count; start += batchSize) {
        const size = Math.min(batchSize, count - start);
        const yLabels = Array.from({ length: size }, (_, i) => labels[start + i]!);
        const [out, loss] = tidy(() => {
          const x = tensor(images.subarray(start * per, (start + size) * per), [size, ...shape]);
          const y: Tensor = model.forward(x);
          return [y.toFloat32Array(), crossEntropy(y, yLabels, { reduction: 'sum' }).item()] as const;
        });
        if (start === 0) {
          classes = out.length / size;
          logits = new Float32Array(count * classes);
        }
        logits.set(out, start * classes);
        lossSum += loss;
        predictions.set(argmaxRows(out, size, classes), start);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  let correct = 0;
  for (let i = 0; i < count; i++) if (predictions[i] === labels[i]) correct++;
  return { loss: lossSum / count, accuracy: correct / count, predictions, logits };
}

/**
 * The inputs and target of a batch as `fit` and `evaluate` pass them: every field but the last
 * becomes a tensor `[size, ...shape]` (the model's inputs), the last is the target: the batch's
 * Int32Array for an integer field, a tensor for a float one. Call inside a `tidy`.
 */
export function batchInputs(batch: TupleBatch, fields: readonly FieldSpec[]): { inputs: Tensor[]; target: Tensor | Int32Array } {
  const last = fields.length - 1;
  const inputs = batch.fields.slice(0, last).map((v, k) => tensor(v, batch.shapes[k]!));
  const t = batch.fields[last]!;
  const target = fields[last]!.dtype === 'int32' ? (t as Int32Array) : tensor(t, batch.shapes[last]!);
  return { inputs, target };
}

/** Throws unless the samples have inputs and a target; says whether the target is class indices. */
export function checkSupervised(op: string, fields: readonly FieldSpec[]): { classTargets: boolean } {
  if (fields.length < 2) {
    throw new RangeError(`${op}: the samples have ${fields.length} field; training and evaluation need inputs and a target (e.g. new TensorDataset(x, y))`);
  }
  const target = fields[fields.length - 1]!;
  return { classTargets: target.dtype === 'int32' && target.shape.length === 0 };
}

/** The error for the default loss (crossEntropy) on targets that are not class indices. */
export function defaultLossError(op: string, fields: readonly FieldSpec[]): Error {
  const t = fields[fields.length - 1]!;
  return new TypeError(
    `${op}: the targets (the samples' last field) are ${t.dtype} [${t.shape.join(', ')}], but the default loss, crossEntropy, needs integer class indices (an Int32Array field); pass a loss, e.g. { loss: mseLoss } or { loss: bceWithLogits }`,
  );
}

function evaluateDataset(model: Module, dataset: AnyDataset, opts: EvaluateDatasetOptions): EvaluateResult {
  const fields = sampleFields(dataset);
  const { classTargets } = checkSupervised('evaluate', fields);
  if (!opts.loss && !classTargets) throw defaultLossError('evaluate', fields);
  const batchSize = opts.batchSize ?? 500;
  const loader = new DataLoader(dataset, { batchSize });
  const count = dataset.length;
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let per = 0;
  let logits = new Float32Array(0);
  const predictions = new Int32Array(classTargets ? count : 0);
  let correct = 0;
  let classification = classTargets;
  try {
    noGrad(() => {
      for (const batch of loader) {
        const { size } = batch;
        const start = batch.index * batchSize;
        const [out, loss, outShape] = tidy(() => {
          const { inputs, target } = batchInputs(batch, fields);
          const y: Tensor = model.forward(...inputs);
          // The default's per-batch sum is the image-array form's, bit for bit.
          const l = opts.loss ? opts.loss(y, target).item() * size : crossEntropy(y, target, { reduction: 'sum' }).item();
          return [y.toFloat32Array(), l, y.shape] as const;
        });
        if (start === 0) {
          per = out.length / size;
          logits = new Float32Array(count * per);
          classification &&= outShape.length === 2;
        }
        logits.set(out, start * per);
        lossSum += loss;
        if (classification) {
          const labels = batch.fields[fields.length - 1] as Int32Array;
          const pred = argmaxRows(out, size, per);
          predictions.set(pred, start);
          for (let i = 0; i < size; i++) if (pred[i] === labels[i]) correct++;
        }
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return {
    loss: lossSum / count,
    accuracy: classification ? correct / count : NaN,
    predictions: classification ? predictions : new Int32Array(0),
    logits,
  };
}

function checkEvaluateOptions(opts: unknown, known: string[]): void {
  const o = checkObject('evaluate', 'opts', opts, `an object {${known.join(', ')}}`);
  checkOptions('evaluate', o, known);
  if (o.batchSize !== undefined) checkInt('evaluate', 'batchSize', o.batchSize, 1);
  if (o.loss !== undefined && typeof o.loss !== 'function') fail('evaluate', 'loss', 'a function (output, target) => Tensor', o.loss);
}
