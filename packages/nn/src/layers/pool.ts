import { avgPool2d, maxPool2d, type Pool2dOptions, type Tensor } from '@tapegrad/autograd';
import { Module } from '../module.js';

/** Max pooling; stride defaults to the kernel size. @example new MaxPool2d(2) */
export class MaxPool2d extends Module {
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize'> = {}) {
    super();
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.opts);
  }
}

/** Average pooling; stride defaults to the kernel size. */
export class AvgPool2d extends Module {
  readonly opts: Pool2dOptions;
  constructor(kernelSize: Pool2dOptions['kernelSize'], opts: Omit<Pool2dOptions, 'kernelSize' | 'dilation'> = {}) {
    super();
    this.opts = { kernelSize, ...opts };
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.opts);
  }
}
