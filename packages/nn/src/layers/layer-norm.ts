import { formatShape, layerNorm, ones, type Tensor, zeros } from '@tapegrad/autograd';
import { checkBool, checkInput, checkNumber, checkOptions, fail } from '../check.js';
import { keepClassName, Module } from '../module.js';
import { pyBool, pyFloat, pyTuple } from '../module-repr.js';

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learnable per-element `weight` (ones) and `bias` (zeros) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` (torch.nn.LayerNorm): each sample
 * is normalised with its own mean and biased variance, then scaled by `weight` and shifted by
 * `bias` (parameters of shape normalizedShape, as PyTorch names them). Same in train and eval.
 * @example new LayerNorm(768) // x [B, T, 768]; new LayerNorm([16, 7, 7], { elementwiseAffine: false })
 */
export class LayerNorm extends Module {
  static {
    keepClassName(this, 'LayerNorm');
  }
  readonly normalizedShape: readonly number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', opts, ['eps', 'elementwiseAffine']);
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
    if (!ns || ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d >= 1)) fail('LayerNorm', 'normalizedShape', 'a positive integer or a non-empty array of them', normalizedShape);
    this.normalizedShape = ns!;
    this.eps = checkNumber('LayerNorm', 'eps', opts.eps ?? 1e-5, (v) => Number.isFinite(v) && v >= 0, 'a non-negative finite number');
    const affine = checkBool('LayerNorm', 'elementwiseAffine', opts.elementwiseAffine ?? true);
    this.weight = affine ? this.registerParameter('weight', ones(this.normalizedShape)) : null;
    this.bias = affine ? this.registerParameter('bias', zeros(this.normalizedShape)) : null;
  }

  forward(x: Tensor): Tensor {
    const ns = this.normalizedShape;
    checkInput('LayerNorm', x);
    if (x.ndim < ns.length || x.shape.slice(x.ndim - ns.length).some((d, i) => d !== ns[i])) {
      throw new Error(`LayerNorm: input ${formatShape(x.shape)} must end with normalizedShape ${formatShape(ns)}`);
    }
    return layerNorm(x, ns, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.weight !== null)}`;
  }
}
