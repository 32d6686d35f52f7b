import { evaluate, type Module } from '@tapegrad/nn';

/** Shape of one Fashion-MNIST image. */
export const IMAGE_SHAPE = [1, 28, 28] as const;
export const PIXELS = 28 * 28;
export const NUM_CLASSES = 10;

/** Predictions and accuracy of a classifier on `[count, 1, 28, 28]` images. */
export function predict(model: Module, images: Float32Array, labels: ArrayLike<number>): { predictions: Int32Array; accuracy: number; logits: Float32Array } {
  const { predictions, accuracy, logits } = evaluate(model, images, labels, IMAGE_SHAPE, { batchSize: 250 });
  return { predictions, accuracy, logits };
}

/** Softmax of one row of logits (stable: shifted by the row max). */
export function softmaxRow(logits: ArrayLike<number>, offset = 0, classes = NUM_CLASSES): number[] {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) m = Math.max(m, logits[offset + c]!);
  const e = Array.from({ length: classes }, (_, c) => Math.exp(logits[offset + c]! - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The first `count` images and labels (views, no copy). */
export function firstImages(images: Float32Array, labels: Int32Array, count: number): { images: Float32Array; labels: Int32Array } {
  const n = Math.min(count, labels.length);
  return { images: images.subarray(0, n * PIXELS), labels: labels.subarray(0, n) };
}
