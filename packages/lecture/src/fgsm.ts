import { crossEntropy, grad, tensor, tidy } from '@tapegrad/autograd';
import { FASHION_MNIST_CLASSES, type Module } from '@tapegrad/nn';
import { IMAGE_SHAPE, PIXELS, predict, softmaxRow } from './predict.js';

/** The ε values of the sweep; 0 is the clean accuracy. Pixels are in [0, 1]. */
export const DEFAULT_EPSILONS: readonly number[] = [0, 0.01, 0.02, 0.05, 0.1, 0.2];

/**
 * sign(∇ₓ J(θ, x, y)) per pixel for cross-entropy J, in batches, in eval mode. `grad(loss, [x])`
 * sweeps only the path to the input, so no weight gradient is computed and no `.grad` of the
 * model is touched (its parameters keep requiring grad).
 */
export function gradientSign(model: Module, images: Float32Array, labels: Int32Array, batchSize = 250): Float32Array {
  const wasTraining = model.training;
  model.eval();
  const signs = new Float32Array(images.length);
  try {
    for (let start = 0; start < labels.length; start += batchSize) {
      const n = Math.min(batchSize, labels.length - start);
      tidy(() => {
        const x = tensor(images.subarray(start * PIXELS, (start + n) * PIXELS), [n, ...IMAGE_SHAPE], { requiresGrad: true });
        // 'sum' so each image's gradient is its own loss's gradient, whatever the batch size.
        const [gx] = grad(crossEntropy(model.forward(x), labels.subarray(start, start + n), { reduction: 'sum' }), [x]);
        const g = gx!.toFloat32Array();
        for (let i = 0; i < g.length; i++) signs[start * PIXELS + i] = Math.sign(g[i]!);
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return signs;
}

/**
 * x_adv = clamp(x + ε·sign(∇ₓJ), 0, 1) (Goodfellow et al. 2014), elementwise. Where no clamp
 * applies the perturbation is exactly ±ε up to float32 rounding; 0 where the gradient is 0.
 */
export function fgsmImages(images: Float32Array, signs: Float32Array, epsilon: number): Float32Array {
  if (images.length !== signs.length) throw new RangeError(`fgsmImages: ${images.length} pixels but ${signs.length} gradient signs`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = Math.min(1, Math.max(0, images[i]! + epsilon * signs[i]!));
  return out;
}

export interface FgsmExample {
  image: number;
  label: string;
  epsilon: number;
  clean: { predicted: string; confidence: number };
  adversarial: { predicted: string; confidence: number };
}

export interface FgsmResult {
  count: number;
  epsilons: number[];
  series: { name: string; accuracy: number[] }[];
  /** For the first model: images it got right that FGSM flips, at the smallest ε that does. */
  examples: FgsmExample[];
}

/**
 * Accuracy of each model on its own FGSM images at each ε (a white-box attack per model), and
 * examples for the first model.
 * @example fgsmSweep([{ name: 'cnn', model: cnn }], images, labels)
 */
export function fgsmSweep(
  models: readonly { name: string; model: Module }[],
  images: Float32Array,
  labels: Int32Array,
  opts: { epsilons?: readonly number[]; examples?: number; log?: (s: string) => void } = {},
): FgsmResult & { exampleImages: { original: Float32Array; adversarial: Float32Array }[] } {
  const epsilons = [...(opts.epsilons ?? DEFAULT_EPSILONS)];
  const log = opts.log ?? (() => {});
  const series: FgsmResult['series'] = [];
  let examples: FgsmExample[] = [];
  let exampleImages: { original: Float32Array; adversarial: Float32Array }[] = [];
  models.forEach(({ name, model }, k) => {
    const signs = gradientSign(model, images, labels);
    const runs = epsilons.map((eps) => ({ eps, ...predict(model, fgsmImages(images, signs, eps), labels) }));
    series.push({ name, accuracy: runs.map((r) => r.accuracy) });
    log(`fgsm ${name}: ${runs.map((r) => `ε=${r.eps} ${r.accuracy.toFixed(3)}`).join(', ')}`);
    if (k !== 0) return;
    // ε = 0 leaves every pixel of [0, 1] unchanged, so its run is the clean run.
    const clean = runs.find((r) => r.eps === 0) ?? predict(model, images, labels);
    const want = opts.examples ?? 4;
    const picked: { i: number; run: (typeof runs)[number] }[] = [];
    for (let i = 0; i < labels.length && picked.length < want; i++) {
      if (clean.predictions[i] !== labels[i]) continue;
      const run = runs.find((r) => r.eps > 0 && r.predictions[i] !== labels[i]);
      if (run) picked.push({ i, run });
    }
    // An untrained or very robust model may flip nothing: show the largest ε anyway.
    const largest = runs.reduce((a, b) => (b.eps > a.eps ? b : a));
    for (let i = 0; picked.length < Math.min(want, labels.length); i++) if (!picked.some((p) => p.i === i)) picked.push({ i, run: largest });
    const describe = (logits: Float32Array, i: number) => {
      const p = softmaxRow(logits, i * 10);
      const c = p.indexOf(Math.max(...p));
      return { predicted: FASHION_MNIST_CLASSES[c]!, confidence: p[c]! };
    };
    examples = picked.map(({ i, run }) => ({
      image: i,
      label: FASHION_MNIST_CLASSES[labels[i]!]!,
      epsilon: run.eps,
      clean: describe(clean.logits, i),
      adversarial: describe(run.logits, i),
    }));
    exampleImages = picked.map(({ i, run }) => {
      const original = images.slice(i * PIXELS, (i + 1) * PIXELS);
      return { original, adversarial: fgsmImages(original, signs.subarray(i * PIXELS, (i + 1) * PIXELS), run.eps) };
    });
  });
  return { count: labels.length, epsilons, series, examples, exampleImages };
}
