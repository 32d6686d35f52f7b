/**
 * @tapegrad/autograd: tensors, reverse-mode tape differentiation, the typed Backend interface and
 * the pure-TypeScript reference backend.
 */
export type * from './backend.js';
export { createRefBackend, type RefBackendOptions } from './backend-ref/index.js';
export { Tensor } from './tensor.js';
// Installs the Tensor methods (x.add(y), x.relu(), …): see Note [tensor methods].
import './tensor-methods.js';
export { TENSOR_METHOD_NAMES, type TensorMethod } from './tensor-methods.js';
export { grad, type GradOptions } from './grad.js';
export type { BackwardOptions } from './tape.js';
export { setBackend, getBackend, withBackend, noGrad, isGradEnabled, tidy, keep, memory } from './engine.js';
export { tensor, scalar, full, zeros, ones, randn, rand, arange, type CreateOptions, type RandomOptions } from './creation.js';
export { Generator, manualSeed, defaultGenerator, mixSeed, type GeneratorState } from './random.js';
export { sizeOf, shapesEqual, broadcastShapes, broadcastStrides, stridesOf, formatShape } from './shape.js';
export * from './ops/index.js';

export { observeOps, asParts, composite, type ObservedOp, type OpObserver } from './op-observer.js';
