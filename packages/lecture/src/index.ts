/**
 * @tapegrad/lecture: what the lecture's Fashion-MNIST case study is made of, shared by the CLI
 * (apps/fashion) and the page (apps/playground). Browser-safe: it depends on @tapegrad/autograd
 * and @tapegrad/nn only, never on Node.
 */
export { FashionCnn, FashionFnn, buildModel, MODEL_KINDS, type ModelKind, type ModelOptions } from './models.js';
export { DEFAULT_RECIPE, IMPROVED_RECIPE, OPTIMIZER_NAMES, recipe, type OptimizerName, type RecipeName, type TrainSettings } from './recipes.js';
export { gather, optimizerName, setupTraining, type TrainingSetup } from './training.js';
export { MODEL_DESCRIPTIONS, modelFromSafetensors, modelKindOf, modelToSafetensors } from './weights.js';
export { featureMaps, type FeatureMap } from './feature-maps.js';
export { parseAugmentations, AUGMENTATIONS } from './parse-augmentations.js';
export { IMAGE_SHAPE, PIXELS, NUM_CLASSES, predict, softmaxRow, firstImages } from './predict.js';
export { confusionAnalysis, type ConfusionResult } from './confusion.js';
export { DEFAULT_ANGLES, rotateAll, rotationSweep, type RotationResult } from './rotation.js';
export { DEFAULT_EPSILONS, gradientSign, fgsmImages, fgsmSweep, type FgsmExample, type FgsmResult } from './fgsm.js';
export { topActivatingPatches, type PatchHit, type TopPatches } from './top-patches.js';
export { firstLayerFilters, type FirstLayerFilters } from './first-layer-filters.js';
export { CLASSIC_FILTERS, classicFilters, type ClassicFiltersResult } from './classic-filters.js';
export { LECTURE_SIGNAL, LECTURE_FILTER, conv1dExample, type Conv1dExample } from './conv1d-example.js';
export { parameterCounts, type ParameterCounts } from './parameter-counts.js';
