import { avgPool2d, dropout, flatten, maxPool2d, type Pool2dOptions, relu, sigmoid, tanh, type Tensor } from '@tapegrad/autograd';
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

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Flattens all dims from startDim (default 1: keeps the batch). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/** Inverted dropout, active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
