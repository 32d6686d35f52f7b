import { flatten, relu, type Tensor, tidy } from '@tapegrad/autograd';
import { BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, Module } from '@tapegrad/nn';

export type ModelKind = 'cnn' | 'fnn';
export const MODEL_KINDS: readonly ModelKind[] = ['cnn', 'fnn'];

export interface ModelOptions {
  /** Batch normalisation after each convolution (CNN) or hidden layer (FNN). */
  batchNorm?: boolean;
  /** Dropout probability before the classifier (0: none). */
  dropout?: number;
}

/**
 * The lecture's case-study CNN: conv1 Conv2d(1→16, 3×3) → ReLU → conv2 Conv2d(16→16, 3×3) → ReLU
 * → MaxPool 2×2 → Flatten → fc Linear(16·12·12 → 10). Parameter names and layouts match the
 * equivalent torch.nn module (`conv1.weight` [16,1,3,3], `fc.weight` [10,2304], …), so weights move
 * to and from PyTorch unchanged. Options add batch norm (bn1, bn2) and dropout for `--recipe improved`.
 */
export class FashionCnn extends Module {
  readonly conv1 = this.registerModule('conv1', new Conv2d(1, 16, 3));
  readonly bn1: BatchNorm2d | null;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d | null;
  readonly pool = new MaxPool2d(2);
  readonly drop: Dropout | null;
  readonly fc: Linear;

  constructor(readonly options: ModelOptions = {}) {
    super();
    this.bn1 = options.batchNorm ? this.registerModule('bn1', new BatchNorm2d(16)) : null;
    this.conv2 = this.registerModule('conv2', new Conv2d(16, 16, 3));
    this.bn2 = options.batchNorm ? this.registerModule('bn2', new BatchNorm2d(16)) : null;
    this.drop = options.dropout ? this.registerModule('dropout', new Dropout(options.dropout)) : null;
    this.fc = this.registerModule('fc', new Linear(16 * 12 * 12, 10));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      // Without batch norm each conv feeds its ReLU directly: forwardRelu runs the fused
      // conv2dRelu, and forwardReluMaxPool conv2 → ReLU → pool as conv2dReluMaxPool, unless a
      // hook watches the conv (Note [layer fusion] in @tapegrad/nn).
      let h = this.bn1 ? relu(this.bn1.forward(this.conv1.forward(x))) : this.conv1.forwardRelu(x);
      h = this.bn2 ? this.pool.forward(relu(this.bn2.forward(this.conv2.forward(h)))) : this.conv2.forwardReluMaxPool(h, this.pool);
      h = flatten(h);
      if (this.drop) h = this.drop.forward(h);
      return this.fc.forward(h);
    });
  }
}

/** The fully connected baseline: Flatten → fc1 Linear(784 → 128) → ReLU → fc2 Linear(128 → 10). */
export class FashionFnn extends Module {
  readonly fc1 = this.registerModule('fc1', new Linear(784, 128));
  readonly drop: Dropout | null;
  readonly fc2: Linear;

  constructor(readonly options: ModelOptions = {}) {
    super();
    if (options.batchNorm) throw new Error('fnn: batch norm is only offered for the CNN');
    this.drop = options.dropout ? this.registerModule('dropout', new Dropout(options.dropout)) : null;
    this.fc2 = this.registerModule('fc2', new Linear(128, 10));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = relu(this.fc1.forward(flatten(x)));
      if (this.drop) h = this.drop.forward(h);
      return this.fc2.forward(h);
    });
  }
}

export function buildModel(kind: ModelKind, options: ModelOptions = {}): Module {
  return kind === 'cnn' ? new FashionCnn(options) : new FashionFnn(options);
}
