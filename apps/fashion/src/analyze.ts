import { basename, dirname, join, resolve } from 'node:path';
import { getBackend } from '@tapegrad/autograd';
import type { Module } from '@tapegrad/nn';
import { loadFashionMnist, writeFileAtomic } from '@tapegrad/nn/node';
import {
  classicFilters, type ClassicFiltersResult, confusionAnalysis, type ConfusionResult, type Conv1dExample, conv1dExample, type FgsmResult, fgsmSweep,
  type FirstLayerFilters, firstImages, firstLayerFilters, type ParameterCounts, parameterCounts, type RotationResult, rotationSweep, type TopPatches,
  topActivatingPatches,
} from '@tapegrad/lecture';
import type { TopLevelSpec } from 'vega-lite';
import { classicFiltersFigure, confusionFigure, fgsmExamplesFigure, firstLayerFiltersFigure, rotationExampleFigure, topPatchesFigure } from './analyze/images.js';
import { loadModel } from './analyze/load-model.js';
import { checkInt, TEST_IMAGES } from './options.js';
import { checkOutDir, createOutDir } from './out-dir.js';
import { specToPng } from './render/vega.js';

export interface AnalyzeOptions {
  /** CNN weights (`<runs>/cnn/model.safetensors`). */
  weights: string;
  /** FNN weights: adds its confusion matrix and its rotation / FGSM curves. */
  fnnWeights?: string;
  /** Weights of a CNN trained with rotation augmentation: adds its rotation curve. */
  rotationWeights?: string;
  /** Output directory for the PNGs and analysis.json (created). */
  out: string;
  dataDir?: string;
  /**
   * Test images for the rotation, FGSM and top-patch analyses (default 2000). When given, it also
   * caps the confusion matrices, which otherwise use the whole test set (10 000).
   */
  limit?: number;
  /** Rotation angles in degrees (default 0..180 every 15). */
  angles?: readonly number[];
  /** FGSM step sizes (default 0, 0.01, 0.02, 0.05, 0.1, 0.2). */
  epsilons?: readonly number[];
  log?: (s: string) => void;
}

/** Everything `analysis.json` holds; PNG names in `files` are relative to the output directory. */
export interface AnalysisResult {
  version: 1;
  createdAt: string;
  backend: string;
  /** Wall-clock seconds of the whole run and of each analysis. */
  seconds: number;
  timings: Record<string, number>;
  inputs: { weights: string; fnnWeights: string | null; rotationWeights: string | null; limit: number; confusionImages: number };
  models: { cnn: string; fnn: string | null; rotation: string | null };
  confusion: { cnn: ConfusionResult; fnn: ConfusionResult | null };
  firstLayerFilters: FirstLayerFilters;
  topPatches: TopPatches;
  rotation: RotationResult;
  fgsm: FgsmResult;
  parameters: ParameterCounts;
  classicFilters: ClassicFiltersResult;
  conv1d: Conv1dExample;
  files: Record<'confusionCnn' | 'confusionFnn' | 'firstLayerFilters' | 'topPatches' | 'rotationExample' | 'fgsmExamples' | 'classicFilters', string | null>;
}

export const DEFAULT_LIMIT = 2000;

/** A run's display name: the directory holding its weights (`runs/cnn-rot/model.safetensors` -> cnn-rot). */
function runName(path: string, fallback: string): string {
  const dir = basename(dirname(resolve(path)));
  return dir && dir !== '.' && dir !== '/' ? dir : fallback;
}

/**
 * Loads the trained models and the test set, runs every analysis of the lecture (confusion
 * matrices, learned filters, top-activating patches, rotation, FGSM, parameter arithmetic, classic
 * filters, the 1D convolution example), writes PNGs and analysis.json into `out`.
 * Runs on the active backend (`setBackend`).
 * @throws DataError naming the file when a weights file holds the wrong model or cannot be read,
 *   or when the test set is missing.
 * @example await runAnalyze({ weights: 'runs/cnn/model.safetensors', fnnWeights: 'runs/fnn/model.safetensors', out: 'runs/analysis' })
 */
export async function runAnalyze(opts: AnalyzeOptions): Promise<AnalysisResult> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const limit = opts.limit ?? DEFAULT_LIMIT;
  checkInt('--limit', limit, 1, TEST_IMAGES);
  const outCheck = checkOutDir(opts.out);

  // Load everything first, so a wrong weights file fails before minutes of work.
  const cnn = loadModel(opts.weights, 'cnn', 'weights');
  const fnn = opts.fnnWeights ? loadModel(opts.fnnWeights, 'fnn', 'fnnWeights') : null;
  const rot = opts.rotationWeights ? loadModel(opts.rotationWeights, 'cnn', 'rotationWeights') : null;
  const names = { cnn: runName(opts.weights, 'cnn'), fnn: opts.fnnWeights ? runName(opts.fnnWeights, 'fnn') : null, rotation: opts.rotationWeights ? runName(opts.rotationWeights, 'cnn-rot') : null };
  if (rot && names.rotation === names.cnn) names.rotation = `${names.rotation} (rotation)`;
  const test = loadFashionMnist({ split: 'test', dir: opts.dataDir });
  const confusionSet = firstImages(test.images, test.labels, opts.limit ?? test.count);
  const subset = firstImages(test.images, test.labels, limit);
  log(`analyze: ${names.cnn}${fnn ? `, ${names.fnn}` : ''}${rot ? `, ${names.rotation}` : ''} on ${getBackend().name}; ${subset.labels.length} test images (${confusionSet.labels.length} for confusion matrices)`);

  createOutDir(outCheck);
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const s = performance.now();
    const r = fn();
    timings[name] = (performance.now() - s) / 1000;
    log(`analyze: ${name} ${timings[name]!.toFixed(1)} s`);
    return r;
  };
  // Each figure is a vega-lite spec rendered to PNG (vega's SVG, then resvg with DejaVu Sans).
  const png = async (file: string, spec: TopLevelSpec): Promise<string> => {
    writeFileAtomic(join(opts.out, file), await specToPng(spec));
    return file;
  };

  const withFnn = (cnnEntry: { name: string; model: Module }) => [cnnEntry, ...(fnn ? [{ name: names.fnn!, model: fnn as Module }] : [])];

  const confusion = timed('confusion', () => ({
    cnn: confusionAnalysis(cnn, confusionSet.images, confusionSet.labels),
    fnn: fnn ? confusionAnalysis(fnn, confusionSet.images, confusionSet.labels) : null,
  }));
  const filters = timed('firstLayerFilters', () => firstLayerFilters(cnn));
  const patches = timed('topPatches', () => topActivatingPatches(cnn, subset.images, subset.labels));
  const rotation = timed('rotation', () =>
    rotationSweep([...withFnn({ name: names.cnn, model: cnn }), ...(rot ? [{ name: names.rotation!, model: rot as Module }] : [])], subset.images, subset.labels, opts.angles, log),
  );
  const { exampleImages, ...fgsm } = timed('fgsm', () => fgsmSweep(withFnn({ name: names.cnn, model: cnn }), subset.images, subset.labels, { epsilons: opts.epsilons, log }));
  const parameters = parameterCounts(withFnn({ name: names.cnn, model: cnn }));
  const classic = classicFilters(test.images, test.labels, 0);
  const conv1d = conv1dExample();

  const files: AnalysisResult['files'] = {
    confusionCnn: await png('confusion-cnn.png', confusionFigure(confusion.cnn, names.cnn)),
    confusionFnn: confusion.fnn ? await png('confusion-fnn.png', confusionFigure(confusion.fnn, names.fnn!)) : null,
    firstLayerFilters: await png('conv1-filters.png', firstLayerFiltersFigure(filters)),
    topPatches: await png('conv2-top-patches.png', topPatchesFigure(patches)),
    rotationExample: await png('rotation-example.png', rotationExampleFigure(rotation, subset.images, names.cnn)),
    fgsmExamples: await png('fgsm-examples.png', fgsmExamplesFigure(fgsm.examples, exampleImages)),
    classicFilters: await png('classic-filters.png', classicFiltersFigure(classic.original, classic.outputs)),
  };

  for (const m of [cnn, fnn, rot]) m?.dispose();
  const result: AnalysisResult = {
    version: 1,
    createdAt: new Date().toISOString(),
    backend: getBackend().name,
    seconds: (performance.now() - t0) / 1000,
    timings,
    inputs: { weights: opts.weights, fnnWeights: opts.fnnWeights ?? null, rotationWeights: opts.rotationWeights ?? null, limit: subset.labels.length, confusionImages: confusionSet.labels.length },
    models: names,
    confusion,
    firstLayerFilters: filters,
    topPatches: patches,
    rotation,
    fgsm,
    parameters,
    classicFilters: classic.result,
    conv1d,
    files,
  };
  writeFileAtomic(join(opts.out, 'analysis.json'), new TextEncoder().encode(`${JSON.stringify(result, null, 2)}\n`));
  log(`analyze: wrote ${Object.values(files).filter(Boolean).length} PNGs and analysis.json to ${opts.out} in ${result.seconds.toFixed(1)} s`);
  return result;
}
