import { defaultGenerator, type Generator, type Tensor, tensor } from '@tapegrad/autograd';

/**
 * Uniform(−bound, bound) samples as a new tensor. PyTorch's default for Linear and Conv weights is
 * kaiming_uniform(a = √5), which works out to bound = 1/√fan_in, and the same bound for biases.
 */
export function uniform(shape: readonly number[], bound: number, generator: Generator = defaultGenerator): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (generator.nextFloat() * 2 - 1) * bound;
  return tensor(data, shape);
}

/** fan_in of a weight [out, in, ...kernel]: in · Π kernel. */
export function fanIn(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** PyTorch's default initialisation of a Linear/Conv weight and bias (bound 1/√fan_in for both). */
export function defaultInit(weightShape: readonly number[], bias: boolean, generator?: Generator): { weight: Tensor; bias: Tensor | null } {
  const bound = 1 / Math.sqrt(fanIn(weightShape));
  const weight = uniform(weightShape, bound, generator);
  return { weight, bias: bias ? uniform([weightShape[0]!], bound, generator) : null };
}
