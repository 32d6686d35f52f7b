import { applyFilter, EDGE_DETECT, SHARPEN, SOBEL_X, SOBEL_Y } from '@tapegrad/nn';
import { FASHION_MNIST_CLASSES } from '@tapegrad/nn/node';
import type { TopLevelSpec } from 'vega-lite';
import { imageGridSpec, type Tile } from '../render/image-grid.js';
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

/**
 * Original, then each filter's output. Sharpen stays an image (clamped to [0, 1]); the edge
 * filters are signed, so they are drawn red (+) / blue (-) around white 0.
 */
export function classicFiltersFigure(original: Float32Array, outputs: readonly Float32Array[], scale = 4): TopLevelSpec {
  const sentence = (s: string) => s[0]!.toUpperCase() + s.slice(1);
  const tiles: Tile[] = [{ values: original, height: 28, width: 28, caption: 'Original' }];
  CLASSIC_FILTERS.forEach((f, k) => tiles.push({ values: outputs[k]!, height: 28, width: 28, color: f.name === 'sharpen' ? 'gray' : 'signed', caption: sentence(f.name) }));
  return imageGridSpec(tiles, { scale });
}
