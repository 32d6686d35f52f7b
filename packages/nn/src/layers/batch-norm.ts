import { batchNorm, batchNormRelu, formatShape, ones, relu, type Tensor, zeros } from '@tapegrad/autograd';
import { fusible } from '../fusion.js';
import { checkBool, checkInput, checkInt, checkNumber, checkOptions } from '../check.js';
import { keepClassName, Module } from '../module.js';
import { pyBool, pyFloat } from '../module-repr.js';

export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /**
   * Weight of the batch in the running statistics (default 0.1); null for their cumulative
   * average over every batch seen (weight 1/num_batches_tracked), as PyTorch's momentum=None.
   */
  momentum?: number | null;
  /** Learnable weight (ones) and bias (zeros) per channel (default true). */
  affine?: boolean;
}

class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  /** Training-mode forwards so far: PyTorch's int64 counter (here exact up to 2^24 batches). */
  readonly numBatchesTracked: Tensor;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(private readonly kind: string, private readonly rank: number, readonly numFeatures: number, opts: BatchNormOptions) {
    super();
    checkInt(kind, 'numFeatures', numFeatures, 1);
    checkOptions(kind, opts, ['eps', 'momentum', 'affine']);
    this.eps = checkNumber(kind, 'eps', opts.eps ?? 1e-5, (v) => Number.isFinite(v) && v >= 0, 'a non-negative finite number');
    this.momentum = opts.momentum === null ? null : checkNumber(kind, 'momentum', opts.momentum ?? 0.1, (v) => v >= 0 && v <= 1, 'a number in [0, 1] or null');
    const affine = checkBool(kind, 'affine', opts.affine ?? true);
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    // Buffers as in PyTorch (running_mean, running_var, num_batches_tracked: a 0-d int64), so state
    // dicts move unchanged. Files written before the counter existed load it as 0, as PyTorch's
    // batch norm loads state dicts of its version 1.
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([]), { dtype: 'int64', defaultIfMissing: 0 });
  }

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /**
   * relu(this.forward(x)), in one fused op (batchNormRelu: the ReLU in the normalising pass, its
   * backward folded into batch norm's) unless fusion is off or something would miss the
   * intermediate: a hook or a replaced forward on this layer, or a subclass forward. Values,
   * gradients and running statistics are those of the two layers (Note [layer fusion], fusion.ts).
   * @example h = this.bn1.forwardRelu(this.conv1.forward(x)) // [N, 32, 32, 32], ≥ 0
   */
  forwardRelu(x: Tensor): Tensor {
    if (!this.canFuse()) return relu(this.forward(x));
    return this.normalise(x, true);
  }

  /** Whether forwardRelu may skip this.forward (Note [layer fusion]). */
  canFuse(): boolean {
    return fusible(this, BatchNormBase);
  }

  private normalise(x: Tensor, withRelu: boolean): Tensor {
    checkInput(this.kind, x);
    if (!this.rankOk(x)) throw new Error(`${this.kind}: expected ${this.rank === 2 ? '[N, C] or [N, C, L]' : '[N, C, H, W]'} input with C = ${this.numFeatures}, got ${formatShape(x.shape)}`);
    let momentum = this.momentum ?? 0;
    if (this.training) {
      // PyTorch counts before it normalises, and the cumulative average weighs batch k by 1/k.
      // NOTE: one scalar read and write per training forward, against the kernels' milliseconds.
      const count = this.countBatch();
      if (this.momentum === null) momentum = 1 / count;
    }
    return (withRelu ? batchNormRelu : batchNorm)(x, this.runningMean, this.runningVar, this.weight, this.bias, { training: this.training, momentum, eps: this.eps });
  }

  /** Adds one to num_batches_tracked; returns the new count. */
  private countBatch(): number {
    const t = this.numBatchesTracked;
    const be = t.backend;
    const count = be.read(t.storage)[0]! + 1;
    const src = be.fill(1, count);
    be.copyInPlace(t.storage, src);
    be.free(src);
    return count;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${pyBool(this.weight !== null)}, track_running_stats=True`;
  }

  private rankOk(x: Tensor): boolean {
    const okRank = this.rank === 2 ? x.ndim === 2 || x.ndim === 3 : x.ndim === 4;
    return okRank && x.shape[1] === this.numFeatures;
  }
}

/** Batch norm over [N, C] or [N, C, L] (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNormBase {
  static {
    keepClassName(this, 'BatchNorm1d');
  }
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', 2, numFeatures, opts);
  }
}

/** Batch norm over [N, C, H, W] (torch.nn.BatchNorm2d). */
export class BatchNorm2d extends BatchNormBase {
  static {
    keepClassName(this, 'BatchNorm2d');
  }
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', 4, numFeatures, opts);
  }
}
