import { crossEntropy, noGrad, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { argmaxRows } from '../metrics/argmax-rows.js';
import type { Module } from '../module.js';

export interface EvaluateResult {
  loss: number;
  accuracy: number;
  /** Predicted class per example. */
  predictions: Int32Array;
  /** Softmax-free scores [count, classes], row-major. */
  logits: Float32Array;
}

/**
 * Runs a classifier over images [count, C, H, W] in eval mode without recording a tape, in
 * batches; returns mean cross-entropy, accuracy, predictions and logits. The module's training
 * flag is restored afterwards.
 */
export function evaluate(model: Module, images: Float32Array, labels: ArrayLike<number>, shape: readonly [number, number, number], opts: { batchSize?: number } = {}): EvaluateResult {
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
