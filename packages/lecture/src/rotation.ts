import { FASHION_MNIST_CLASSES, type Module, rotate } from '@tapegrad/nn';
import { IMAGE_SHAPE, PIXELS, predict } from './predict.js';

/** 0° to 180° every 15°: the lecture's "CNNs can fail when the input is rotated". */
export const DEFAULT_ANGLES: readonly number[] = Array.from({ length: 13 }, (_, i) => i * 15);

export interface RotationResult {
  angles: number[];
  count: number;
  /** Accuracy per angle, one series per model (e.g. cnn, fnn, cnn-rot). */
  series: { name: string; accuracy: number[] }[];
  /** One test image at every angle with the first model's prediction. */
  example: { image: number; label: string; predictions: string[] };
}

/** Every image of `[count, 1, 28, 28]` rotated by `degrees` (bilinear, zero fill). */
export function rotateAll(images: Float32Array, degrees: number): Float32Array {
  const out = new Float32Array(images.length);
  for (let off = 0; off < images.length; off += PIXELS) out.set(rotate(images.subarray(off, off + PIXELS), IMAGE_SHAPE, degrees), off);
  return out;
}

/**
 * Accuracy of each model on the test images rotated by each angle. Images are rotated once per
 * angle and shared by the models.
 * @example rotationSweep([{ name: 'cnn', model: cnn }], images, labels, [0, 90, 180])
 */
export function rotationSweep(
  models: readonly { name: string; model: Module }[],
  images: Float32Array,
  labels: Int32Array,
  angles: readonly number[] = DEFAULT_ANGLES,
  log: (s: string) => void = () => {},
): RotationResult {
  if (models.length === 0) throw new RangeError('rotationSweep: no models');
  const series = models.map((m) => ({ name: m.name, accuracy: [] as number[] }));
  const examplePredictions: string[] = [];
  for (const angle of angles) {
    const rotated = rotateAll(images, angle);
    models.forEach((m, k) => {
      const { accuracy, predictions } = predict(m.model, rotated, labels);
      series[k]!.accuracy.push(accuracy);
      if (k === 0) examplePredictions.push(FASHION_MNIST_CLASSES[predictions[0]!]!);
    });
    log(`rotation ${angle}°: ${series.map((s) => `${s.name} ${s.accuracy.at(-1)!.toFixed(3)}`).join(', ')}`);
  }
  return { angles: [...angles], count: labels.length, series, example: { image: 0, label: FASHION_MNIST_CLASSES[labels[0]!]!, predictions: examplePredictions } };
}
