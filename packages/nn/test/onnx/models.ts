import { add, concat, flatten, manualSeed, matmul, mean, noGrad, pad, permute, relu, sigmoid, softmax, tanh, tensor, type Tensor, tidy } from '@tapegrad/autograd';
import { AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Residual, Sequential, Sigmoid, Tanh } from '../../src/layers/index.js';
import { Module } from '../../src/module.js';

export function cnn(opts: { batchNorm?: boolean; dropout?: number } = {}): Module {
  const layers: Module[] = [new Conv2d(1, 16, 3)];
  if (opts.batchNorm) layers.push(new BatchNorm2d(16));
  layers.push(new ReLU(), new Conv2d(16, 16, 3));
  if (opts.batchNorm) layers.push(new BatchNorm2d(16));
  layers.push(new ReLU(), new MaxPool2d(2), new Flatten());
  if (opts.dropout) layers.push(new Dropout(opts.dropout));
  layers.push(new Linear(2304, 10));
  return new Sequential(layers);
}

/** Running statistics away from their initial 0/1, as after training: forwards in training mode. */
export function warmBatchNorm(model: Module, images: Float32Array): void {
  model.train();
  noGrad(() => {
    for (let i = 0; i < 3; i++) tidy(() => void model.forward(tensor(images.subarray(i * 16 * 784, (i + 1) * 16 * 784), [16, 1, 28, 28])));
  });
  model.eval();
}

/** A user-written module: matmul, transpose, padding, concat, softmax, mean, sigmoid/tanh gates. */
export class Custom extends Module {
  readonly conv = this.registerModule('conv', new Conv2d(1, 4, 5, { stride: 2, padding: 2, dilation: 1 }));
  readonly pool = this.registerModule('pool', new AvgPool2d(2));
  readonly proj = this.registerModule('proj', new Linear(4 * 7 * 7 + 4, 32));
  readonly mix: Tensor;
  readonly head = this.registerModule('head', new Linear(32, 10, { bias: false }));
  constructor() {
    super();
    manualSeed(5);
    this.mix = this.registerParameter('mix', tensor(Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i) * 0.1), [32, 32]));
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = relu(this.conv.forward(pad(x, [1, 1, 1, 1]))); // [N,4,15,15]
      const p = this.pool.forward(h); // [N,4,7,7]
      const gap = mean(h, [2, 3]); // [N,4]
      const z = this.proj.forward(concat([flatten(p), gap], 1)); // [N,32]
      const g = add(matmul(tanh(z), permute(this.mix, [1, 0])), sigmoid(z));
      return this.head.forward(add(g, softmax(z, 1)));
    });
  }
}

/** The five models the ONNX checks run on (name, factory). */
export const MODELS: Array<[string, () => Module]> = [
  ['case-study CNN Conv(1,16,3)-ReLU-Conv(16,16,3)-ReLU-MaxPool(2)-Flatten-Linear(2304,10)', () => cnn()],
  ['FNN Flatten-Linear(784,128)-ReLU-Dropout(0.3)-Linear(128,10)', () => new Sequential([new Flatten(), new Linear(784, 128), new ReLU(), new Dropout(0.3), new Linear(128, 10)])],
  ['batch-norm CNN (the improved recipe: BatchNorm2d after each conv, warmed running stats)', () => cnn({ batchNorm: true })],
  ['residual model (identity block, projection block with stride 2, BatchNorm1d, Sigmoid/Tanh)', () => new Sequential([
    new Conv2d(1, 8, 3, { padding: 1 }),
    new Residual(new Sequential([new Conv2d(8, 8, 3, { padding: 1 }), new ReLU()])),
    Residual.withProjection(new Sequential([new Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new Tanh()]), 8, 16, 2),
    new MaxPool2d(2, { stride: 2, padding: 1 }), new Flatten(), new Linear(16 * 8 * 8, 20), new BatchNorm1d(20), new Sigmoid(), new Linear(20, 10),
  ])],
  ['custom Module (pad, strided conv, avg pool, mean, concat, matmul with a transposed parameter, softmax)', () => new Custom()],
];
