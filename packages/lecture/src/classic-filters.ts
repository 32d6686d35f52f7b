import { applyFilter, EDGE_DETECT, FASHION_MNIST_CLASSES, SHARPEN, SOBEL_X, SOBEL_Y } from '@tapegrad/nn';
import { PIXELS } from './predict.js';

/** The lecture's hand-made kernels ("Examples of convolutions"), from @tapegrad/nn. */
export const CLASSIC_FILTERS: readonly { name: string; kernel: readonly number[] }[] = [
  { name: 'sharpen', kernel: SHARPEN },
  { name: 'edge detect', kernel: EDGE_DETECT },
  { name: 'sobel x', kernel: SOBEL_X },
  { name: 'sobel y', kernel: SOBEL_Y },
];

export interface ClassicFiltersResult {
  image: number;
  label: string;
  filters: { name: string; kernel: number[]; min: number; max: number }[];
}

/** Applies each classic 3x3 kernel to one test image; returns the outputs and their ranges. */
export function classicFilters(images: Float32Array, labels: Int32Array, index = 0): { result: ClassicFiltersResult; outputs: Float32Array[]; original: Float32Array } {
  const original = images.slice(index * PIXELS, (index + 1) * PIXELS);
  const outputs = CLASSIC_FILTERS.map((f) => applyFilter(original, 28, 28, f.kernel));
  return {
    original,
    outputs,
    result: {
      image: index,
      label: FASHION_MNIST_CLASSES[labels[index]!]!,
      filters: CLASSIC_FILTERS.map((f, k) => ({ name: f.name, kernel: [...f.kernel], min: Math.min(...outputs[k]!), max: Math.max(...outputs[k]!) })),
    },
  };
}
