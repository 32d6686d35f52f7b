import { avgPool2d, maxPool2d, type Pool2dOptions, type Tensor } from '@tapegrad/autograd';
import { checkOptions } from '../check.js';
import { Module } from '../module.js';
import { pyTuple } from '../module-repr.js';

const show = (v: number | readonly [number, number]) => (typeof v === 'number' ? String(v) : pyTuple(v));

/** Max pooling; stride defaults to the kernel size. @example new MaxPool2d(2) */
export class MaxPool2d extends Module {
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize'> = {}) {
    super();
    checkOptions('MaxPool2d', opts, ['stride', 'padding', 'dilation']);
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride ?? o.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceil_mode=False`;
  }
}

/** Average pooling; stride defaults to the kernel size. */
export class AvgPool2d extends Module {
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize' | 'dilation'> = {}) {
    super();
    checkOptions('AvgPool2d', opts, ['stride', 'padding']);
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(o.kernelSize)}, stride=${show(o.stride ?? o.kernelSize)}, padding=${show(o.padding ?? 0)}`;
  }
}
