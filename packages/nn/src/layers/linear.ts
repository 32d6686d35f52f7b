import { linear, type Tensor } from '@tapegrad/autograd';
import { checkBool, checkInputShape, checkInt, checkOptions } from '../check.js';
import { defaultInit } from '../init.js';
import { keepClassName, Module } from '../module.js';
import { pyBool } from '../module-repr.js';

/**
 * y = x·Wᵀ + b with weight [out, in] and bias [out], initialised as torch.nn.Linear.
 * @example new Linear(784, 128).forward(x) // [N, 784] -> [N, 128]
 */
export class Linear extends Module {
  static {
    keepClassName(this, 'Linear');
  }
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    checkInt('Linear', 'inFeatures', inFeatures, 1);
    checkInt('Linear', 'outFeatures', outFeatures, 1);
    checkOptions('Linear', opts, ['bias']);
    const { weight, bias } = defaultInit([outFeatures, inFeatures], checkBool('Linear', 'bias', opts.bias ?? true));
    this.weight = this.registerParameter('weight', weight);
    this.bias = bias ? this.registerParameter('bias', bias) : null;
  }

  forward(x: Tensor): Tensor {
    const f = this.inFeatures;
    checkInputShape('Linear', x, (s) => s.length >= 1 && s[s.length - 1] === f, () => `[..., ${f}] (inFeatures ${f})`);
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
