// "Regularization: squared norm / weight decay": adding (λ/2)‖θ‖² to the loss adds λθ to the
// gradient, which is what the optimizer's weightDecay does; L1 (λ‖θ‖₁) adds λ·sign(θ) and
// drives unused weights to zero. A softmax regression on Fashion-MNIST pixels, three ways.
import { crossEntropy, manualSeed, setBackend, tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { ArrayDataset, DataLoader, evaluate, fit, l2Penalty, Linear, Sequential, Flatten, SGD } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
const train = loadFashionMnist({ split: 'train', limit: 3000 });
const test = loadFashionMnist({ split: 'test', limit: 1000 });
const model = () => (manualSeed(0), new Sequential([new Flatten(), new Linear(28 * 28, 10)]));

// One step with (λ/2)‖θ‖² in the loss equals one step with weightDecay: λ.
const [a, b] = [model(), model()];
const x = tensor(train.images.subarray(0, 64 * 784), [64, 1, 28, 28]);
const y = train.labels.subarray(0, 64);
crossEntropy(a.forward(x), y).add(l2Penalty(a.parameters(), 0.01)).backward();
new SGD(a.parameters(), { lr: 0.1 }).step();
crossEntropy(b.forward(x), y).backward();
new SGD(b.parameters(), { lr: 0.1, weightDecay: 0.01 }).step();
const diff = a.parameters().map((p, i) => p.sub(b.parameters()[i]!).abs().max().item());
console.log(`penalty in the loss vs weightDecay after one step: max |difference| ${Math.max(...diff).toExponential(1)}`);

for (const [name, opts] of [['none', {}], ['weight decay 0.05', { weightDecay: 0.05 }], ['L1 0.005', { l1: 0.005 }]] as const) {
  const m = model();
  const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 64, shuffle: true });
  fit(m, new SGD(m.parameters(), { lr: 0.1, ...opts }), { trainLoader, epochs: 3 });
  const w = m.parameters()[0]!.toFloat32Array(); // the [10, 784] weight
  const squared = w.reduce((s, v) => s + v * v, 0);
  const zeros = w.filter((v) => Math.abs(v) < 1e-3).length / w.length;
  const { accuracy } = evaluate(m, test.images, test.labels, [1, 28, 28]);
  console.log(`${name.padEnd(17)} test accuracy ${accuracy.toFixed(3)}  ‖W‖² ${squared.toFixed(2).padStart(6)}  weights below 1e-3: ${(zeros * 100).toFixed(1)} %`);
}
