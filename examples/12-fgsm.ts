// "Shortcuts" and adversarial examples: x + ε·sign(∇ₓJ(θ, x, y)) (Goodfellow et al. 2014) looks
// the same to us, yet fools the network. grad(loss, [x]) (torch.autograd.grad) gives the gradient
// with respect to the input only: no weight gradient is computed and no .grad is written.
import { crossEntropy, grad, noGrad, setBackend, tensor, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, Conv2d, DataLoader, FASHION_MNIST_CLASSES, fit, Linear, MaxPool2d, Module } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
const train = loadFashionMnist({ split: 'train', limit: 4000 });
const test = loadFashionMnist({ split: 'test', limit: 500 });

class Cnn extends Module {
  conv1 = new Conv2d(1, 16, 3);
  conv2 = new Conv2d(16, 16, 3);
  pool = new MaxPool2d(2);
  fc = new Linear(16 * 12 * 12, 10);
  forward(x: Tensor) {
    return this.fc.forward(this.pool.forward(this.conv2.forward(this.conv1.forward(x).relu()).relu()).flatten(1));
  }
}
const model = new Cnn();
const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 32, shuffle: true });
fit(model, new Adam(model.parameters(), { lr: 3e-3 }), { trainLoader, epochs: 1 });

// ∇ₓJ for the whole batch in eval mode ('sum' so that each image gets the gradient of its own loss).
model.eval();
const x = tensor(test.images, [500, 1, 28, 28], { requiresGrad: true });
const [gx] = grad(crossEntropy(model.forward(x), test.labels, { reduction: 'sum' }), [x]);
const direction = gx!.sign();
console.log(`weight gradients computed: ${model.parameters().filter((p) => p.grad).length}`);

const probabilities = (images: Tensor) => noGrad(() => model.forward(images).softmax(1));
const accuracy = (p: Tensor) => p.argmax(1).toFloat32Array().reduce((n, c, i) => n + (c === test.labels[i] ? 1 : 0), 0) / 500;
const describe = (p: Tensor) => {
  const row = p.slice([0, 0], [1, 10]).toFloat32Array();
  const c = row.indexOf(Math.max(...row));
  return `"${FASHION_MNIST_CLASSES[c]}" ${(row[c]! * 100).toFixed(1)} % confidence`;
};
console.log(`image 0 is a ${FASHION_MNIST_CLASSES[test.labels[0]!]}`);
for (const eps of [0, 0.01, 0.02, 0.05, 0.1]) {
  const adversarial = noGrad(() => x.add(direction.mul(eps)).clamp(0, 1)); // pixels stay in [0, 1]
  const p = probabilities(adversarial);
  console.log(`ε = ${eps.toFixed(2)}: test accuracy ${accuracy(p).toFixed(3)}; image 0 read as ${describe(p)}`);
}
