// The analyses' figures for the static report, as vega-lite specs (render/image-grid.ts,
// render/heatmap.ts; analyze.ts renders them to PNG with render/vega.ts). The computations they
// draw live in @tapegrad/lecture, shared with the playground page.
import {
  CLASSIC_FILTERS, type ConfusionResult, type FgsmExample, type FirstLayerFilters, IMAGE_SHAPE, PIXELS, type RotationResult, type TopPatches,
} from '@tapegrad/lecture';
import { FASHION_MNIST_CLASSES, rotate } from '@tapegrad/nn';
import type { TopLevelSpec } from 'vega-lite';
import { heatmapSpec } from '../render/heatmap.js';
import { imageGridSpec, type Tile } from '../render/image-grid.js';

const sentence = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/**
 * Original, then each filter's output. Sharpen stays an image (clamped to [0, 1]); the edge
 * filters are signed, so they are drawn red (+) / blue (-) around white 0.
 */
export function classicFiltersFigure(original: Float32Array, outputs: readonly Float32Array[], scale = 4): TopLevelSpec {
  const tiles: Tile[] = [{ values: original, height: 28, width: 28, caption: 'Original' }];
  CLASSIC_FILTERS.forEach((f, k) => tiles.push({ values: outputs[k]!, height: 28, width: 28, color: f.name === 'sharpen' ? 'gray' : 'signed', caption: sentence(f.name) }));
  return imageGridSpec(tiles, { scale });
}

/**
 * The lecture's picture: rows = true class, columns = predicted class, colour = share of the row,
 * number = count.
 */
export function confusionFigure(result: ConfusionResult, modelName: string): TopLevelSpec {
  return heatmapSpec(result.matrix, {
    rowLabels: FASHION_MNIST_CLASSES,
    columnLabels: FASHION_MNIST_CLASSES,
    rowTitle: 'True class',
    columnTitle: 'Predicted class',
    title: `Confusion matrix of ${modelName}: accuracy ${(100 * result.accuracy).toFixed(1)}% on ${result.count.toLocaleString('en-US')} test images`,
  });
}

/** Rows of original / perturbation (red +ε, blue -ε) / adversarial, captioned class and confidence. */
export function fgsmExamplesFigure(examples: readonly FgsmExample[], pictures: readonly { original: Float32Array; adversarial: Float32Array }[], scale = 4): TopLevelSpec {
  const tiles: Tile[] = [];
  const pct = (p: number) => `${Math.round(100 * p)}%`;
  examples.forEach((e, k) => {
    const { original, adversarial } = pictures[k]!;
    const delta = adversarial.map((v, i) => v - original[i]!);
    tiles.push(
      { values: original, height: 28, width: 28, caption: `${e.clean.predicted} ${pct(e.clean.confidence)}` },
      { values: delta, height: 28, width: 28, color: 'signed', limit: e.epsilon || 1, caption: `ε = ${e.epsilon} × sign` },
      { values: adversarial, height: 28, width: 28, caption: `${e.adversarial.predicted} ${pct(e.adversarial.confidence)}` },
    );
  });
  return imageGridSpec(tiles, { columns: 3, scale, title: 'FGSM: original + ε·sign(∇ₓJ) = adversarial' });
}

/** The filters as a grid of kernels, red positive, blue negative, one shared scale. */
export function firstLayerFiltersFigure(f: FirstLayerFilters, scale = 16): TopLevelSpec {
  const [, , kh, kw] = f.shape as [number, number, number, number];
  const tiles = f.filters.map((k, i): Tile => ({ values: k, height: kh, width: kw, color: 'signed', limit: f.limit, caption: String(i) }));
  return imageGridSpec(tiles, { columns: 8, scale, title: 'Conv1 filters (red positive, blue negative)' });
}

/** The example image at every angle, captioned with the model's prediction. */
export function rotationExampleFigure(r: RotationResult, images: Float32Array, modelName: string): TopLevelSpec {
  const img = images.subarray(r.example.image * PIXELS, (r.example.image + 1) * PIXELS);
  const tiles = r.angles.map((a, i): Tile => ({ values: rotate(img, IMAGE_SHAPE, a), height: 28, width: 28, caption: `${a}°: ${r.example.predictions[i]!}` }));
  return imageGridSpec(tiles, {
    scale: 3,
    title: `Predictions of ${modelName} as test image ${r.example.image} (${r.example.label}) rotates`,
    columns: Math.ceil(tiles.length / 2),
  });
}

/** One row per unit, its top patches left to right (8 screen pixels per input pixel). */
export function topPatchesFigure(t: TopPatches, scale = 8): TopLevelSpec {
  const columns = Math.max(...t.units.map((u) => u.hits.length));
  const tiles: Tile[] = [];
  for (const u of t.units) {
    for (let k = 0; k < columns; k++) {
      const h = u.hits[k];
      tiles.push({ values: h ? h.pixels : new Array<number>(t.size * t.size).fill(0), height: t.size, width: t.size });
    }
  }
  return imageGridSpec(tiles, {
    columns,
    scale,
    rowLabels: t.units.map((u) => `Unit ${u.unit}`),
    title: `Conv2 units: top ${columns} ${t.size}×${t.size} input patches`,
  });
}
