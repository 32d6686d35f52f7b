/**
 * Tensor methods (`x.add(y).relu().sum()`), installed onto `Tensor.prototype` from the ops side.
 *
 * Note [tensor methods]: tensor.ts imports no op (the ops import tensor.ts, so the other direction
 * would be an import cycle). This module imports both, assigns one method per op, and declares
 * them on the `Tensor` interface by declaration merging. Each method is its free function with the
 * tensor as first argument (`x.sum(1, {keepdim: true})` is `sum(x, 1, {keepdim: true})`), so the
 * ops stay the one source of behaviour, errors and gradients (tinygrad mixes its ops into Tensor
 * the same way). index.ts imports this module, so importing the package installs the methods; the
 * package's `sideEffects` list names it so that bundlers keep it.
 */
import { Tensor } from './tensor.js';
import {
  abs, add, argmax, argmin, avgPool2d, batchNorm, broadcastTo, clamp, clone, concat, conv1d, conv2d, crossEntropy, div, dropout, equal, exp, flatten, greater,
  linear, log, logSoftmax, matmul, max, maxPool2d, mean, mseLoss, mul, neg, pad, permute, pow, relu, reshape, sigmoid, sign, slice, softmax,
  sqrt, squeeze, sub, sum, tanh, transpose, unsqueeze, min, norm, gather, leakyRelu, gelu, elu, softplus,
  adaptiveAvgPool2d, bceWithLogits, dropout2d, layerNorm, nllLoss,
} from './ops/index.js';
import { reshapeAs } from './ops/reshape.js';
import { concatAs } from './ops/concat.js';
import { fail } from './check.js';

/** The method form of an op: its parameters after the first (the tensor itself). */
export type TensorMethod<F> = F extends (x: Tensor, ...rest: infer R) => infer T ? (...rest: R) => T : never;

/** Ops whose method is the op applied to `this` (same name, same arguments after the tensor). */
const OP_METHODS = {
  // arithmetic (numbers allowed wherever a tensor is)
  add, sub, mul, div, pow, neg,
  // elementwise
  exp, log, sqrt, abs, sign, relu, sigmoid, tanh, clamp, greater, equal, leakyRelu, gelu, elu, softplus,
  // reductions
  sum, mean, max, min, argmax, argmin, norm,
  // layout
  reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, pad, slice, gather,
  // linear algebra, convolution, pooling
  matmul, linear, conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d,
  // softmax, losses, normalisation, regularisation
  softmax, logSoftmax, crossEntropy, nllLoss, bceWithLogits, mseLoss, batchNorm, layerNorm, dropout, dropout2d,
  // copies
  clone,
} as const;

type OpMethods = { [K in keyof typeof OP_METHODS]: TensorMethod<(typeof OP_METHODS)[K]> };

/** Methods with no free function of the same name. */
interface ExtraMethods {
  /** `reshape` under PyTorch's other name (every tensor here is contiguous, so a view always exists). */
  view(shape: readonly number[]): Tensor;
  /** Concatenates this tensor and `others` along `dim` (`torch.cat([this, ...others], dim)`). */
  cat(others: readonly Tensor[], dim?: number): Tensor;
  /**
   * Sets `requiresGrad` in place and returns this tensor, as `Tensor.requires_grad_` does. Only a
   * leaf can stop requiring grad (an op's result is on the tape).
   */
  requiresGrad_(flag?: boolean): this;
}

declare module './tensor.js' {
  // Declaration merging: these members are installed on Tensor.prototype below.
  interface Tensor extends OpMethods, ExtraMethods {}
}

const EXTRA_METHODS: { [K in keyof ExtraMethods]: (this: Tensor, ...args: Parameters<ExtraMethods[K]>) => ReturnType<ExtraMethods[K]> } = {
  view(shape) {
    return reshapeAs('view', this, shape);
  },
  cat(others, dim = 0) {
    if (!Array.isArray(others as unknown)) fail('cat', 'others', 'an array of Tensors', others);
    return concatAs('cat', [this, ...others], dim);
  },
  requiresGrad_(flag = true) {
    if (typeof flag !== 'boolean') throw new Error(`requiresGrad_: flag must be a boolean, got ${JSON.stringify(flag)}`);
    if (!flag && this.gradFn) {
      throw new Error(`requiresGrad_: tensor ${this.toString()} is the result of ${this.gradFn.op}, not a leaf; only a leaf can stop requiring grad (use detach())`);
    }
    this.requiresGrad = flag;
    return this;
  },
};

/** Every method this module installs on Tensor.prototype, in declaration order. */
export const TENSOR_METHOD_NAMES: readonly string[] = [...Object.keys(OP_METHODS), ...Object.keys(EXTRA_METHODS)];

for (const [name, fn] of Object.entries(OP_METHODS)) {
  const op = fn as (x: Tensor, ...rest: unknown[]) => unknown;
  Object.defineProperty(Tensor.prototype, name, {
    value: { [name](this: Tensor, ...rest: unknown[]) { return op(this, ...rest); } }[name],
    writable: true,
    configurable: true,
  });
}
for (const [name, fn] of Object.entries(EXTRA_METHODS)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
