import { flatten, relu, type Tensor, tidy } from '@tapegrad/autograd';
import { Conv2d, Linear, MaxPool2d, Module } from '@tapegrad/nn';

// The case-study models, as apps/fashion builds them (buildModel('cnn' | 'fnn') without options).
// They are restated here because an app must not depend on another app; the peers in peers/ build
// the same layers.

export type ModelKind = 'cnn' | 'fnn';

/** conv1 Conv2d(1→16, 3×3) → ReLU → conv2 Conv2d(16→16, 3×3) → ReLU → MaxPool 2×2 → Flatten → fc Linear(2304 → 10). */
export class FashionCnn extends Module {
  readonly conv1 = this.registerModule('conv1', new Conv2d(1, 16, 3));
  readonly conv2 = this.registerModule('conv2', new Conv2d(16, 16, 3));
  readonly pool = new MaxPool2d(2);
  readonly fc = this.registerModule('fc', new Linear(16 * 12 * 12, 10));

  forward(x: Tensor): Tensor {
    // forwardRelu / forwardReluMaxPool: the fused conv2dRelu and conv2dReluMaxPool, as the
    // lecture's model (Note [layer fusion] in @tapegrad/nn).
    return tidy(() => this.fc.forward(flatten(this.conv2.forwardReluMaxPool(this.conv1.forwardRelu(x), this.pool))));
  }
}

/** Flatten → fc1 Linear(784 → 128) → ReLU → fc2 Linear(128 → 10). */
export class FashionFnn extends Module {
  readonly fc1 = this.registerModule('fc1', new Linear(784, 128));
  readonly fc2 = this.registerModule('fc2', new Linear(128, 10));

  forward(x: Tensor): Tensor {
    return tidy(() => this.fc2.forward(relu(this.fc1.forward(flatten(x)))));
  }
}

export function buildModel(kind: ModelKind): Module {
  return kind === 'cnn' ? new FashionCnn() : new FashionFnn();
}
