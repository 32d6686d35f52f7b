// The analyses' pictures for the static report, drawn with render/png.ts. The computations they
// draw live in @tapegrad/lecture, shared with the playground page.
import {
  CLASSIC_FILTERS, type ConfusionResult, type FgsmExample, type FirstLayerFilters, IMAGE_SHAPE, PIXELS, type RotationResult, type TopPatches,
} from '@tapegrad/lecture';
import { FASHION_MNIST_CLASSES, rotate } from '@tapegrad/nn';
import { divergingImage, grayImage, heatmap, imageGrid, type RgbImage, upscale } from '../render/png.js';

/**
 * Original, then each filter's output. Sharpen stays an image (clamped to [0, 1]); the edge
 * filters are signed, so they are drawn red (+) / blue (-) around white 0.
 */
export function classicFiltersImage(original: Float32Array, outputs: readonly Float32Array[], scale = 4): RgbImage {
  const tiles = [upscale(grayImage(original, 28, 28), scale)];
  CLASSIC_FILTERS.forEach((f, k) => tiles.push(upscale(f.name === 'sharpen' ? grayImage(outputs[k]!, 28, 28) : divergingImage(outputs[k]!, 28, 28), scale)));
  return imageGrid(tiles, { captions: ['ORIGINAL', ...CLASSIC_FILTERS.map((f) => f.name.toUpperCase())], gap: 4 });
}

/** The lecture's picture: rows = true class, columns = predicted class, colour = row fraction. */
export function confusionImage(result: ConfusionResult, title: string): RgbImage {
  const names = FASHION_MNIST_CLASSES.map((c) => c.toUpperCase());
  return heatmap(result.matrix, {
    rowLabels: names,
    columnLabels: names,
    rowTitle: 'TRUE',
    columnTitle: 'PREDICTED',
    title: `${title}  ACCURACY ${(100 * result.accuracy).toFixed(1)}%  (${result.count} TEST IMAGES)`,
  });
}

/** Rows of original / perturbation (red +ε, blue -ε) / adversarial, captioned class and confidence. */
export function fgsmExamplesImage(examples: readonly FgsmExample[], pictures: readonly { original: Float32Array; adversarial: Float32Array }[], scale = 4): RgbImage {
  const tiles: RgbImage[] = [];
  const captions: string[] = [];
  const pct = (p: number) => `${Math.round(100 * p)}%`;
  examples.forEach((e, k) => {
    const { original, adversarial } = pictures[k]!;
    const delta = adversarial.map((v, i) => v - original[i]!);
    tiles.push(upscale(grayImage(original, 28, 28), scale), upscale(divergingImage(delta, 28, 28, { limit: e.epsilon || 1 }), scale), upscale(grayImage(adversarial, 28, 28), scale));
    captions.push(`${e.clean.predicted} ${pct(e.clean.confidence)}`, `EPS ${e.epsilon} X SIGN`, `${e.adversarial.predicted} ${pct(e.adversarial.confidence)}`);
  });
  return imageGrid(tiles, { columns: 3, gap: 4, captions, title: 'FGSM: ORIGINAL + EPS X SIGN(GRAD) = ADVERSARIAL' });
}

/** The filters as a grid of upscaled kernels, red positive, blue negative, one shared scale. */
export function firstLayerFiltersImage(f: FirstLayerFilters, scale = 16): RgbImage {
  const [, , kh, kw] = f.shape as [number, number, number, number];
  const tiles = f.filters.map((k) => upscale(divergingImage(k, kh, kw, { limit: f.limit }), scale));
  return imageGrid(tiles, { columns: 8, gap: 4, captions: f.filters.map((_, i) => String(i)), title: 'CONV1 FILTERS (RED +, BLUE -)' });
}

/** The example image at every angle, captioned with the model's prediction. */
export function rotationExampleImage(r: RotationResult, images: Float32Array, modelName: string): RgbImage {
  const img = images.subarray(r.example.image * PIXELS, (r.example.image + 1) * PIXELS);
  const tiles = r.angles.map((a) => upscale(grayImage(rotate(img, IMAGE_SHAPE, a), 28, 28), 3));
  return imageGrid(tiles, {
    captions: r.angles.map((a, i) => `${a}: ${r.example.predictions[i]!}`),
    title: `${modelName.toUpperCase()} PREDICTIONS AS TEST IMAGE ${r.example.image} (${r.example.label.toUpperCase()}) ROTATES`,
    gap: 3,
    columns: Math.ceil(tiles.length / 2),
  });
}

/** One row per unit, its top patches left to right (upscaled so 5x5 pixels are visible). */
export function topPatchesImage(t: TopPatches, scale = 8): RgbImage {
  const columns = Math.max(...t.units.map((u) => u.hits.length));
  const tiles: RgbImage[] = [];
  for (const u of t.units) {
    for (let k = 0; k < columns; k++) {
      const h = u.hits[k];
      tiles.push(upscale(grayImage(h ? h.pixels : new Array(t.size * t.size).fill(0), t.size, t.size), scale));
    }
  }
  return imageGrid(tiles, {
    columns,
    gap: 3,
    rowLabels: t.units.map((u) => `UNIT ${u.unit}`),
    title: `CONV2 UNITS: TOP ${columns} ${t.size}X${t.size} INPUT PATCHES`,
  });
}
