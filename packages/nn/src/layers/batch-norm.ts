import { batchNorm, formatShape, ones, type Tensor, zeros } from '@tapegrad/autograd';
import { Module } from '../module.js';
import { pyBool, pyFloat } from '../module-repr.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
}

class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(private readonly kind: string, private readonly rank: number, readonly numFeatures: number, opts: BatchNormOptions) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = opts.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    // Buffer names as in PyTorch (running_mean, running_var), so state dicts move unchanged.
    // NOTE: PyTorch also stores num_batches_tracked (an int64 counter used only when momentum is
    // None); we do not, and loading ignores it.
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
  }

  forward(x: Tensor): Tensor {
    if (!this.rankOk(x)) throw new Error(`${this.kind}: expected ${this.rank === 2 ? '[N, C] or [N, C, L]' : '[N, C, H, W]'} input with C = ${this.numFeatures}, got ${formatShape(x.shape)}`);
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, { training: this.training, momentum: this.momentum, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.weight !== null)}, track_running_stats=True`;
  }

  private rankOk(x: Tensor): boolean {
    const okRank = this.rank === 2 ? x.ndim === 2 || x.ndim === 3 : x.ndim === 4;
    return okRank && x.shape[1] === this.numFeatures;
  }
}

/** Batch norm over [N, C] or [N, C, L] (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', 2, numFeatures, opts);
  }
}

/** Batch norm over [N, C, H, W] (torch.nn.BatchNorm2d). */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', 4, numFeatures, opts);
  }
}
