/**
 * @tapegrad/nn: modules, layers, losses, optimizers, data, augmentation, metrics and weights I/O.
 * Browser-safe; file and dataset helpers that need Node live in `@tapegrad/nn/node`.
 */
export { Module, type StateValue, type StateDtype, type BufferOptions, type ForwardHook, type ForwardPreHook, type RemovableHandle } from './module.js';
export { Parameter, isParameter } from './parameter.js';
export { fusionEnabled, setFusion, withFusion } from './fusion.js';
export { summary } from './summary.js';
export {
  uniform, fanIn, defaultInit, calculateGain, calculateFanInAndFanOut, kaimingUniform_, kaimingNormal_, xavierUniform_, xavierNormal_, zeros_, ones_, constant_,
  type Nonlinearity, type KaimingOptions,
} from './init.js';
export * from './layers/index.js';
export * from './optim/index.js';
export { crossEntropy, mseLoss, l1Penalty, l2Penalty } from './losses.js';
export * from './data/index.js';
export * from './transforms/index.js';
export * from './metrics/index.js';
export * from './io/index.js';
export { DataError, namingFile } from './errors.js';
export * from './train/index.js';
export { Rng, mixSeed, type RngState } from './random.js';
export * from './onnx/index.js';
