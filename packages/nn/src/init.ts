import { defaultGenerator, type Generator, Tensor, tensor } from '@tapegrad/autograd';
import { checkBool, checkNumber, checkOptions, checkShape, describeValue, fail } from './check.js';

/**
 * Uniform(−bound, bound) samples as a new tensor. PyTorch's default for Linear and Conv weights is
 * kaiming_uniform(a = √5), which works out to bound = 1/√fan_in, and the same bound for biases.
 */
export function uniform(shape: readonly number[], bound: number, generator: Generator = defaultGenerator): Tensor {
  checkShape('uniform', 'shape', shape);
  checkNumber('uniform', 'bound', bound);
  checkGenerator('uniform', generator);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (generator.nextFloat() * 2 - 1) * bound;
  return tensor(data, shape);
}

/** fan_in of a weight [out, in, ...kernel]: in · Π kernel. */
export function fanIn(shape: readonly number[]): number {
  checkShape('fanIn', 'shape', shape);
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** PyTorch's default initialisation of a Linear/Conv weight and bias (bound 1/√fan_in for both). */
export function defaultInit(weightShape: readonly number[], bias: boolean, generator?: Generator): { weight: Tensor; bias: Tensor | null } {
  if (checkShape('defaultInit', 'weightShape', weightShape, 1).length < 2) fail('defaultInit', 'weightShape', 'a weight shape [out, in, ...kernel] of positive integers', weightShape);
  checkBool('defaultInit', 'bias', bias);
  if (generator !== undefined) checkGenerator('defaultInit', generator);
  const bound = 1 / Math.sqrt(fanIn(weightShape));
  const weight = uniform(weightShape, bound, generator);
  return { weight, bias: bias ? uniform([weightShape[0]!], bound, generator) : null };
}

/** Nonlinearities `calculateGain` knows, with torch.nn.init's names. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
const LINEAR_LIKE = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'];

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear, conv and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope `param`, default
 * 0.01), 3/4 for selu.
 * @example calculateGain('leaky_relu', 0.2) // 1.3867504905630728
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_LIKE.includes(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leaky_relu') {
    const slope = param === undefined ? 0.01 : checkNumber('calculateGain', 'param', param);
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  throw new RangeError(`calculateGain: unsupported nonlinearity ${describeValue(nonlinearity)} (supported: ${[...LINEAR_LIKE, 'tanh', 'relu', 'leaky_relu', 'selu'].join(', ')})`);
}

/**
 * fan_in and fan_out of a weight of at least 2 dims [out, in, ...kernel] (torch's
 * _calculate_fan_in_and_fan_out): fan_in = in · Π kernel, fan_out = out · Π kernel.
 * @example calculateFanInAndFanOut(new Conv2d(3, 16, 5).weight) // { fanIn: 75, fanOut: 400 }
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  return fansOf('calculateFanInAndFanOut', t);
}

function fansOf(fn: string, t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = t instanceof Tensor ? t.shape : t;
  if (!(t instanceof Tensor)) checkShape(fn, 't', t);
  if (shape.length < 2) throw new RangeError(`${fn}: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape [${shape.join(', ')}]`);
  const rf = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * rf, fanOut: shape[0]! * rf };
}

export interface KaimingOptions {
  /** Negative slope of the leaky ReLU after this layer (default 0). */
  a?: number;
  /** 'fan_in' (default) keeps the forward variance, 'fan_out' the backward's. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu', as torch. */
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/**
 * Fills `t` in place with U(−b, b), b = gain · √(3 / fan) (He et al.; torch.nn.init.kaiming_uniform_).
 * @example kaimingUniform_(conv.weight, { nonlinearity: 'relu' })
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform_', opts, KAIMING_OPTIONS);
  const std = kaimingStd('kaimingUniform_', t, opts);
  const g = opts.generator ?? defaultGenerator;
  const bound = Math.sqrt(3) * std;
  return fillWith(t, () => g.uniform(-bound, bound));
}

/** Fills `t` in place with N(0, std²), std = gain / √fan (torch.nn.init.kaiming_normal_). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal_', opts, KAIMING_OPTIONS);
  const std = kaimingStd('kaimingNormal_', t, opts);
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, () => g.normal(0, std));
}

/** Fills `t` in place with U(−a, a), a = gain · √(6 / (fan_in + fan_out)) (Glorot; torch.nn.init.xavier_uniform_). */
export function xavierUniform_(t: Tensor, opts: { gain?: number; generator?: Generator } = {}): Tensor {
  checkOptions('xavierUniform_', opts, XAVIER_OPTIONS);
  const std = xavierStd('xavierUniform_', t, opts.gain, opts.generator);
  const g = opts.generator ?? defaultGenerator;
  const a = Math.sqrt(3) * std;
  return fillWith(t, () => g.uniform(-a, a));
}

/** Fills `t` in place with N(0, std²), std = gain · √(2 / (fan_in + fan_out)) (torch.nn.init.xavier_normal_). */
export function xavierNormal_(t: Tensor, opts: { gain?: number; generator?: Generator } = {}): Tensor {
  checkOptions('xavierNormal_', opts, XAVIER_OPTIONS);
  const std = xavierStd('xavierNormal_', t, opts.gain, opts.generator);
  const g = opts.generator ?? defaultGenerator;
  return fillWith(t, () => g.normal(0, std));
}

/** Fills `t` with zeros in place. */
export function zeros_(t: Tensor): Tensor {
  return fillWith(checkT('zeros_', t), () => 0);
}

/** Fills `t` with ones in place. */
export function ones_(t: Tensor): Tensor {
  return fillWith(checkT('ones_', t), () => 1);
}

/** Fills `t` with `value` in place. */
export function constant_(t: Tensor, value: number): Tensor {
  checkNumber('constant_', 'value', value, (v) => !Number.isNaN(v), 'a number');
  return fillWith(checkT('constant_', t), () => value);
}

const KAIMING_OPTIONS = ['a', 'mode', 'nonlinearity', 'generator'];
const XAVIER_OPTIONS = ['gain', 'generator'];
const NONLINEARITIES: readonly string[] = [...LINEAR_LIKE, 'tanh', 'relu', 'leaky_relu', 'selu'];

/** A generator is anything with the Generator's draws (a Generator, or a test double). */
function checkGenerator(fn: string, g: unknown): void {
  const o = g as Partial<Generator> | null;
  if (typeof o !== 'object' || o === null || typeof o.nextFloat !== 'function' || typeof o.normal !== 'function' || typeof o.uniform !== 'function') fail(fn, 'generator', 'a Generator', g);
}

function checkT(fn: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) fail(fn, 't', 'a Tensor', t);
  return t as Tensor;
}

function kaimingStd(fn: string, t: Tensor, opts: KaimingOptions): number {
  checkT(fn, t);
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') fail(fn, 'mode', "'fan_in' or 'fan_out'", mode);
  const a = checkNumber(fn, 'a', opts.a ?? 0);
  const nonlinearity = opts.nonlinearity ?? 'leaky_relu';
  if (!NONLINEARITIES.includes(nonlinearity)) fail(fn, 'nonlinearity', `one of ${NONLINEARITIES.join(', ')}`, nonlinearity);
  if (opts.generator !== undefined) checkGenerator(fn, opts.generator);
  const { fanIn: fi, fanOut: fo } = fansOf(fn, t);
  const fan = mode === 'fan_in' ? fi : fo;
  if (fan === 0) throw new RangeError(`${fn}: cannot initialise a tensor with zero elements (shape [${t.shape.join(', ')}])`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

function xavierStd(fn: string, t: Tensor, gain = 1, generator?: Generator): number {
  checkT(fn, t);
  checkNumber(fn, 'gain', gain);
  if (generator !== undefined) checkGenerator(fn, generator);
  const { fanIn: fi, fanOut: fo } = fansOf(fn, t);
  return gain * Math.sqrt(2 / (fi + fo));
}

/** Overwrites t's storage (no tape: initialisation is not differentiable). */
function fillWith(t: Tensor, sample: () => number): Tensor {
  const data = new Float64Array(t.size);
  for (let i = 0; i < data.length; i++) data[i] = sample();
  const be = t.backend;
  const src = be.fromArray(data);
  try {
    be.copyInPlace(t.storage, src);
  } finally {
    be.free(src);
  }
  return t;
}
