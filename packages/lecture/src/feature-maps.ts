import { noGrad, relu, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import type { FashionCnn } from './models.js';
import { IMAGE_SHAPE } from './predict.js';

export interface FeatureMap {
  /** Layer name as in the lecture: conv1, relu1, conv2, relu2, pool, logits. */
  name: string;
  /** `[C, H, W]` (logits: `[10, 1, 1]`). */
  shape: [number, number, number];
  /** Row-major, channel after channel. */
  data: Float32Array;
}

/**
 * The activations of one `[1, 28, 28]` image after every layer of the case-study CNN, in eval
 * mode: conv1 (batch norm included when the model has it), its ReLU, conv2, its ReLU, the 2×2 max
 * pool, and the logits. The layers are the model's own modules, called in FashionCnn.forward's order.
 * @example featureMaps(cnn, images.subarray(0, 784)).map((m) => m.shape) // [[16,26,26], [16,26,26], [16,24,24], [16,24,24], [16,12,12], [10,1,1]]
 */
export function featureMaps(cnn: FashionCnn, image: Float32Array): FeatureMap[] {
  if (image.length !== 784) throw new RangeError(`featureMaps: expected one 28x28 image (784 values), got ${image.length}`);
  const wasTraining = cnn.training;
  cnn.eval();
  try {
    return noGrad(() =>
      tidy(() => {
        const out: FeatureMap[] = [];
        const take = (name: string, t: Tensor): Tensor => {
          const s = t.shape;
          out.push({ name, shape: s.length === 4 ? [s[1]!, s[2]!, s[3]!] : [s[1]!, 1, 1], data: t.toFloat32Array() });
          return t;
        };
        let h = cnn.conv1.forward(tensor(image, [1, ...IMAGE_SHAPE]));
        if (cnn.bn1) h = cnn.bn1.forward(h);
        h = take('relu1', relu(take('conv1', h)));
        h = cnn.conv2.forward(h);
        if (cnn.bn2) h = cnn.bn2.forward(h);
        h = take('pool', cnn.pool.forward(take('relu2', relu(take('conv2', h)))));
        take('logits', cnn.forward(tensor(image, [1, ...IMAGE_SHAPE])));
        return out;
      }),
    );
  } finally {
    cnn.train(wasTraining);
  }
}
