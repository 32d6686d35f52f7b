import { conv1d, conv2d, conv2dRelu, conv2dReluMaxPool, relu, type Tensor } from '@tapegrad/autograd';
import { checkBool, checkInputShape, checkInt, checkOptions, fail } from '../check.js';
import { fusible } from '../fusion.js';
import { defaultInit } from '../init.js';
import { keepClassName, Module } from '../module.js';
import { pyBool, pyTuple } from '../module-repr.js';
import { MaxPool2d } from './pool.js';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** Channels are split into `groups` independent convolutions (depthwise: groups = in = out). */
  groups?: number;
  bias?: boolean;
}

const CONV_OPTIONS = ['stride', 'padding', 'dilation', 'groups', 'bias'] as const;

function pair(fn: string, arg: string, v: Pair, min: number): [number, number] {
  const r: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : fail(fn, arg, 'an integer or a pair of integers', v);
  if (!r.every((x) => Number.isInteger(x) && x >= min)) fail(fn, arg, `an integer ≥ ${min} or a pair of them`, v);
  return r;
}

/** Checks channels and groups as torch's _ConvNd does; returns groups. */
function checkGroups(fn: string, inChannels: number, outChannels: number, groups: unknown): number {
  checkInt(fn, 'inChannels', inChannels, 1);
  checkInt(fn, 'outChannels', outChannels, 1);
  const g = checkInt(fn, 'groups', groups, 1);
  if (inChannels % g !== 0) throw new RangeError(`${fn}: inChannels (${inChannels}) must be divisible by groups (${g})`);
  if (outChannels % g !== 0) throw new RangeError(`${fn}: outChannels (${outChannels}) must be divisible by groups (${g})`);
  return g;
}

/**
 * 2-D convolution with weight [out, in/groups, kh, kw] and bias [out], initialised as
 * torch.nn.Conv2d (bound 1/√fan_in with fan_in = in/groups · kh · kw).
 * @example new Conv2d(1, 16, 3).forward(x) // [N, 1, 28, 28] -> [N, 16, 26, 26]
 * @example new Conv2d(16, 16, 3, { groups: 16, padding: 1 }) // depthwise
 */
export class Conv2d extends Module {
  static {
    keepClassName(this, 'Conv2d');
  }
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, readonly opts: Conv2dOptions = {}) {
    super();
    checkOptions('Conv2d', opts, CONV_OPTIONS);
    this.groups = checkGroups('Conv2d', inChannels, outChannels, opts.groups ?? 1);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', opts.stride ?? 1, 1);
    this.padding = pair('Conv2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = pair('Conv2d', 'dilation', opts.dilation ?? 1, 1);
    const { weight, bias } = defaultInit([outChannels, inChannels / this.groups, ...this.kernelSize], checkBool('Conv2d', 'bias', opts.bias ?? true));
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias ? this.registerParameter('bias', bias) : null;
  }

  forward(x: Tensor): Tensor {
    this.checkForwardInput(x);
    return conv2d(x, this.weight, this.bias, convOpts(this));
  }

  private checkForwardInput(x: Tensor): void {
    const c = this.inChannels;
    checkInputShape('Conv2d', x, (s) => s.length === 4 && s[1] === c, () => `[N, ${c}, H, W] (inChannels ${c}${this.groups > 1 ? `, groups ${this.groups}` : ''})`);
  }

  /**
   * relu(this.forward(x)), in one fused op (conv2dRelu) unless fusion is off or something would
   * miss the pre-ReLU output: a hook or replaced forward on this layer, or a subclass's own
   * forward (Note [layer fusion], fusion.ts). Values and gradients are those of the unfused pair.
   * @example h = this.conv1.forwardRelu(x) // [N, 1, 28, 28] -> [N, 16, 26, 26], ≥ 0
   */
  forwardRelu(x: Tensor): Tensor {
    if (!this.canFuse()) return relu(this.forward(x));
    this.checkForwardInput(x);
    return conv2dRelu(x, this.weight, this.bias, convOpts(this));
  }

  /**
   * pool.forward(relu(this.forward(x))), in one fused op (conv2dReluMaxPool) unless fusion is off
   * or something would miss an intermediate: what stops forwardRelu's fusion, or a hook, replaced
   * forward or subclass forward on the pool (then it is pool.forward(this.forwardRelu(x))). Values
   * and gradients are those of the three layers (Note [layer fusion], fusion.ts).
   * @example h = this.conv2.forwardReluMaxPool(h, this.pool) // [N, 16, 26, 26] -> [N, 16, 12, 12]
   */
  forwardReluMaxPool(x: Tensor, pool: MaxPool2d): Tensor {
    if (!(pool instanceof MaxPool2d)) throw new TypeError(`Conv2d.forwardReluMaxPool: pool must be a MaxPool2d, got ${pool === null || typeof pool !== 'object' ? String(pool) : (pool as object).constructor?.name ?? 'an object'}`);
    if (!this.canFuse() || !pool.canFuse()) return pool.forward(this.forwardRelu(x));
    this.checkForwardInput(x);
    return conv2dReluMaxPool(x, this.weight, this.bias, convOpts(this), pool.opts);
  }

  /** Whether forwardRelu may skip this.forward (Note [layer fusion]). */
  canFuse(): boolean {
    return fusible(this, Conv2d);
  }

  override extraRepr(): string {
    return convRepr(this, this.kernelSize, this.stride, this.padding, this.dilation);
  }
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** 1-D convolution with weight [out, in/groups, k] and bias [out], initialised as torch.nn.Conv1d. */
export class Conv1d extends Module {
  static {
    keepClassName(this, 'Conv1d');
  }
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, readonly opts: Conv1dOptions = {}) {
    super();
    checkOptions('Conv1d', opts, CONV_OPTIONS);
    this.groups = checkGroups('Conv1d', inChannels, outChannels, opts.groups ?? 1);
    checkInt('Conv1d', 'kernelSize', kernelSize, 1);
    this.stride = checkInt('Conv1d', 'stride', opts.stride ?? 1, 1);
    this.padding = checkInt('Conv1d', 'padding', opts.padding ?? 0, 0);
    this.dilation = checkInt('Conv1d', 'dilation', opts.dilation ?? 1, 1);
    const { weight, bias } = defaultInit([outChannels, inChannels / this.groups, kernelSize], checkBool('Conv1d', 'bias', opts.bias ?? true));
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias ? this.registerParameter('bias', bias) : null;
  }

  forward(x: Tensor): Tensor {
    const c = this.inChannels;
    checkInputShape('Conv1d', x, (s) => s.length === 3 && s[1] === c, () => `[N, ${c}, L] (inChannels ${c}${this.groups > 1 ? `, groups ${this.groups}` : ''})`);
    return conv1d(x, this.weight, this.bias, convOpts(this));
  }

  override extraRepr(): string {
    return convRepr(this, [this.kernelSize], [this.stride], [this.padding], [this.dilation]);
  }
}

/** The op's options; `groups` only when > 1 so an ungrouped layer calls the op exactly as before. */
function convOpts<T>(m: { stride: T; padding: T; dilation: T; groups: number }): { stride: T; padding: T; dilation: T; groups?: number } {
  return m.groups === 1 ? { stride: m.stride, padding: m.padding, dilation: m.dilation } : { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: m.groups };
}

/** torch's _ConvNd.extra_repr: padding, dilation, groups, bias only when not the default. */
function convRepr(m: { inChannels: number; outChannels: number; groups: number; bias: Tensor | null }, k: readonly number[], s: readonly number[], p: readonly number[], d: readonly number[]): string {
  let r = `${m.inChannels}, ${m.outChannels}, kernel_size=${pyTuple(k)}, stride=${pyTuple(s)}`;
  if (p.some((x) => x !== 0)) r += `, padding=${pyTuple(p)}`;
  if (d.some((x) => x !== 1)) r += `, dilation=${pyTuple(d)}`;
  if (m.groups !== 1) r += `, groups=${m.groups}`;
  if (!m.bias) r += `, bias=${pyBool(false)}`;
  return r;
}
