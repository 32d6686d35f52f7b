import { conv1d, conv2d, type Tensor } from '@tapegrad/autograd';
import { defaultInit } from '../init.js';
import { Module } from '../module.js';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  bias?: boolean;
}

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * 2-D convolution with weight [out, in, kh, kw] and bias [out], initialised as torch.nn.Conv2d.
 * @example new Conv2d(1, 16, 3).forward(x) // [N, 1, 28, 28] -> [N, 16, 26, 26]
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, readonly opts: Conv2dOptions = {}) {
    super();
    this.kernelSize = pair(kernelSize);
    const { weight, bias } = defaultInit([outChannels, inChannels, ...this.kernelSize], opts.bias ?? true);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias ? this.registerParameter('bias', bias) : null;
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
  }
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  bias?: boolean;
}

/** 1-D convolution with weight [out, in, k] and bias [out], initialised as torch.nn.Conv1d. */
export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, readonly opts: Conv1dOptions = {}) {
    super();
    const { weight, bias } = defaultInit([outChannels, inChannels, kernelSize], opts.bias ?? true);
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias ? this.registerParameter('bias', bias) : null;
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.opts);
  }
}
