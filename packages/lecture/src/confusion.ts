import { confusionMatrix, FASHION_MNIST_CLASSES, largestClassGap, type Module, perClassAccuracy } from '@tapegrad/nn';
import { NUM_CLASSES, predict } from './predict.js';

export interface ConfusionResult {
  /** Test images evaluated. */
  count: number;
  accuracy: number;
  /** `matrix[true][predicted]` counts; row c sums to the number of test images of class c. */
  matrix: number[][];
  /** Recall per class, in FASHION_MNIST_CLASSES order. */
  perClassAccuracy: number[];
  /** Best and worst class (the lecture's "largest gap"), with names. */
  gap: { best: string; worst: string; bestAccuracy: number; worstAccuracy: number; gap: number };
  /** The most frequent confusion off the diagonal. */
  topConfusion: { trueClass: string; predictedClass: string; count: number };
}

/** Confusion matrix, per-class accuracy and the largest class gap of a classifier. */
export function confusionAnalysis(model: Module, images: Float32Array, labels: Int32Array): ConfusionResult {
  const { predictions, accuracy } = predict(model, images, labels);
  const matrix = confusionMatrix(predictions, labels, NUM_CLASSES);
  const perClass = perClassAccuracy(matrix);
  const g = largestClassGap(perClass);
  let top = { t: 0, p: 1, n: -1 };
  matrix.forEach((row, t) => row.forEach((n, p) => { if (t !== p && n > top.n) top = { t, p, n }; }));
  return {
    count: labels.length,
    accuracy,
    matrix,
    perClassAccuracy: perClass,
    gap: { best: FASHION_MNIST_CLASSES[g.best]!, worst: FASHION_MNIST_CLASSES[g.worst]!, bestAccuracy: g.bestAccuracy, worstAccuracy: g.worstAccuracy, gap: g.gap },
    topConfusion: { trueClass: FASHION_MNIST_CLASSES[top.t]!, predictedClass: FASHION_MNIST_CLASSES[top.p]!, count: top.n },
  };
}
