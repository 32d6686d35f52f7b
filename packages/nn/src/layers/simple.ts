import { dropout, dropout2d, flatten, relu, sigmoid, tanh, type Tensor } from '@tapegrad/autograd';
import { NO_INPLACE, checkArgCount, checkInput, checkInputShape, checkInt, checkNumber } from '../check.js';
import { keepClassName, Module } from '../module.js';
import { pyFloat } from '../module-repr.js';

export class ReLU extends Module {
  static {
    keepClassName(this, 'ReLU');
  }
  constructor(...args: never[]) {
    super();
    checkArgCount('ReLU', args.length, 0, '', NO_INPLACE);
  }
  forward(x: Tensor): Tensor {
    checkInput('ReLU', x);
    return relu(x);
  }
}

export class Sigmoid extends Module {
  static {
    keepClassName(this, 'Sigmoid');
  }
  constructor(...args: never[]) {
    super();
    checkArgCount('Sigmoid', args.length, 0, '');
  }
  forward(x: Tensor): Tensor {
    checkInput('Sigmoid', x);
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  static {
    keepClassName(this, 'Tanh');
  }
  constructor(...args: never[]) {
    super();
    checkArgCount('Tanh', args.length, 0, '');
  }
  forward(x: Tensor): Tensor {
    checkInput('Tanh', x);
    return tanh(x);
  }
}

/** Returns its input unchanged (torch.nn.Identity): a placeholder, e.g. for a removed head. */
export class Identity extends Module {
  static {
    keepClassName(this, 'Identity');
  }
  forward(x: Tensor): Tensor {
    return checkInput('Identity', x);
  }
}

/** Flattens all dims from startDim (default 1: keeps the batch). */
export class Flatten extends Module {
  static {
    keepClassName(this, 'Flatten');
  }
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    checkArgCount('Flatten', arguments.length, 2, 'startDim, endDim');
    checkInt('Flatten', 'startDim', startDim, -Infinity);
    checkInt('Flatten', 'endDim', endDim, -Infinity);
  }
  forward(x: Tensor): Tensor {
    const n = checkInput('Flatten', x).ndim;
    const norm = (d: number) => (d < 0 ? d + n : d);
    const s = norm(this.startDim);
    const e = norm(this.endDim);
    // A 0-d tensor flattens to [1] (torch): any start/end in [-1, 0] is fine there.
    if (n > 0 ? !(s >= 0 && s < n && e >= 0 && e < n && s <= e) : !(this.startDim >= -1 && this.startDim <= 0 && this.endDim >= -1 && this.endDim <= 0)) {
      throw new RangeError(`Flatten.forward: startDim ${this.startDim} and endDim ${this.endDim} are out of range for input [${x.shape.join(',')}]`);
    }
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
    checkArgCount('Dropout', arguments.length, 1, 'p', NO_INPLACE);
    checkNumber('Dropout', 'p', p, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  forward(x: Tensor): Tensor {
    checkInput('Dropout', x);
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
    checkArgCount('Dropout2d', arguments.length, 1, 'p', NO_INPLACE);
    checkNumber('Dropout2d', 'p', p, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
  }
  forward(x: Tensor): Tensor {
    checkInputShape('Dropout2d', x, (sh) => sh.length === 4, '[N, C, H, W]');
    return dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
