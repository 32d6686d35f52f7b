import { dropout, dropout2d, flatten, relu, sigmoid, tanh, type Tensor } from '@tapegrad/autograd';
import { checkInt, checkNumber } from '../check.js';
import { keepClassName, Module } from '../module.js';
import { pyFloat } from '../module-repr.js';

export class ReLU extends Module {
  static {
    keepClassName(this, 'ReLU');
  }
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  static {
    keepClassName(this, 'Sigmoid');
  }
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  static {
    keepClassName(this, 'Tanh');
  }
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Returns its input unchanged (torch.nn.Identity): a placeholder, e.g. for a removed head. */
export class Identity extends Module {
  static {
    keepClassName(this, 'Identity');
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens all dims from startDim (default 1: keeps the batch). */
export class Flatten extends Module {
  static {
    keepClassName(this, 'Flatten');
  }
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    checkInt('Flatten', 'startDim', startDim, -Infinity);
    checkInt('Flatten', 'endDim', endDim, -Infinity);
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Inverted dropout, active only in training mode. */
export class Dropout extends Module {
  static {
    keepClassName(this, 'Dropout');
  }
  constructor(readonly p = 0.5) {
    super();
    checkNumber('Dropout', 'p', p, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/**
 * Channel dropout (torch.nn.Dropout2d): in training, zeroes whole channels of [N, C, H, W] with
 * probability p and scales the rest by 1/(1 − p); the identity in eval mode.
 * @example new Dropout2d(0.1)
 */
export class Dropout2d extends Module {
  static {
    keepClassName(this, 'Dropout2d');
  }
  constructor(readonly p = 0.5) {
    super();
    checkNumber('Dropout2d', 'p', p, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
