import { elu, gelu, leakyRelu, logSoftmax, softmax, softplus, type Tensor } from '@tapegrad/autograd';
import { NO_INPLACE, checkArgCount, checkInput, checkInt, checkNumber } from '../check.js';
import { keepClassName, Module } from '../module.js';
import { pyFloat, pyNumber } from '../module-repr.js';

// Activations with settings (torch.nn.LeakyReLU, GELU, ELU, Softplus, Softmax, LogSoftmax); the
// plain ones (ReLU, Sigmoid, Tanh) are in simple.ts. Arguments in PyTorch's order and defaults;
// PyTorch's `inplace` has no counterpart (every op here returns a new tensor).

/** dim must index a dim of x (negative counts from the end). */
function checkDim(layer: string, x: Tensor, dim: number): void {
  const n = checkInput(layer, x).ndim;
  if (dim < -Math.max(n, 1) || dim >= Math.max(n, 1)) throw new RangeError(`${layer}.forward: dim ${dim} is out of range for input [${x.shape.join(',')}]`);
}

/** x where x > 0, else negativeSlope·x (torch.nn.LeakyReLU). @example new LeakyReLU(0.2) */
export class LeakyReLU extends Module {
  static {
    keepClassName(this, 'LeakyReLU');
  }
  constructor(readonly negativeSlope = 0.01) {
    super();
    checkArgCount('LeakyReLU', arguments.length, 1, 'negativeSlope', NO_INPLACE);
    checkNumber('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  forward(x: Tensor): Tensor {
    checkInput('LeakyReLU', x);
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** x·Φ(x), or its tanh approximation with 'tanh' (torch.nn.GELU). @example new GELU('tanh') */
export class GELU extends Module {
  static {
    keepClassName(this, 'GELU');
  }
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    checkArgCount('GELU', arguments.length, 1, 'approximate');
    if (approximate !== 'none' && approximate !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  forward(x: Tensor): Tensor {
    checkInput('GELU', x);
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x where x > 0, else α(eˣ − 1) (torch.nn.ELU). @example new ELU(0.5) */
export class ELU extends Module {
  static {
    keepClassName(this, 'ELU');
  }
  constructor(readonly alpha = 1) {
    super();
    checkArgCount('ELU', arguments.length, 1, 'alpha', NO_INPLACE);
    checkNumber('ELU', 'alpha', alpha);
  }
  forward(x: Tensor): Tensor {
    checkInput('ELU', x);
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** log(1 + e^(βx))/β, and x where βx > threshold (torch.nn.Softplus). @example new Softplus(2, 10) */
export class Softplus extends Module {
  static {
    keepClassName(this, 'Softplus');
  }
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    checkArgCount('Softplus', arguments.length, 2, 'beta, threshold');
    checkNumber('Softplus', 'beta', beta, (v) => Number.isFinite(v) && v > 0, 'a positive finite number');
    checkNumber('Softplus', 'threshold', threshold, (v) => !Number.isNaN(v), 'a number (Infinity for none)');
  }
  forward(x: Tensor): Tensor {
    checkInput('Softplus', x);
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${pyNumber(this.beta)}, threshold=${pyNumber(this.threshold)}`;
  }
}

/** softmax along `dim`, which is required (torch.nn.Softmax; PyTorch's implicit dim is deprecated). @example new Softmax(1) */
export class Softmax extends Module {
  static {
    keepClassName(this, 'Softmax');
  }
  constructor(readonly dim: number) {
    super();
    checkArgCount('Softmax', arguments.length, 1, 'dim');
    checkInt('Softmax', 'dim', dim, -Infinity);
  }
  forward(x: Tensor): Tensor {
    checkDim('Softmax', x, this.dim);
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax) along `dim`, computed stably; `dim` is required (torch.nn.LogSoftmax). @example new LogSoftmax(1) */
export class LogSoftmax extends Module {
  static {
    keepClassName(this, 'LogSoftmax');
  }
  constructor(readonly dim: number) {
    super();
    checkArgCount('LogSoftmax', arguments.length, 1, 'dim');
    checkInt('LogSoftmax', 'dim', dim, -Infinity);
  }
  forward(x: Tensor): Tensor {
    checkDim('LogSoftmax', x, this.dim);
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
