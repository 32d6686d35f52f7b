// "Regularization: dropout": for each training example switch off half of the units at random.
// The lecture scales the weights by 1/2 at test time; like PyTorch, Dropout here scales the kept
// units by 1/(1-p) during training instead ("inverted" dropout), so test time needs nothing.
import { manualSeed, ones, setBackend, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, Dropout, evaluate, fit, Identity, Linear, Module } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
manualSeed(0);

const drop = new Dropout(0.5);
const h = drop.forward(ones([1, 10000]));
const kept = h.greater(0).mean().item();
console.log(`train mode: ${(kept * 100).toFixed(1)} % of the units kept, each scaled to ${h.max().item()}; mean ${h.mean().item().toFixed(3)} (was 1)`);
console.log(`eval mode: unchanged, mean ${drop.eval().forward(ones([1, 10000])).mean().item()}`);

// Overfitting on 1000 images, with and without dropout on the hidden layer.
const all = loadFashionMnist({ split: 'train', limit: 3000 });
const train = { images: all.images.subarray(0, 1000 * 784), labels: all.labels.subarray(0, 1000) };
const validation = { images: all.images.subarray(1000 * 784), labels: all.labels.subarray(1000) };

class Fnn extends Module {
  fc1 = new Linear(28 * 28, 256);
  drop: Module;
  fc2 = new Linear(256, 10);
  constructor(p: number) {
    super();
    this.drop = p > 0 ? new Dropout(p) : new Identity();
  }
  forward(x: Tensor) {
    return this.fc2.forward(this.drop.forward(this.fc1.forward(x.flatten(1)).relu()));
  }
}
for (const p of [0, 0.5]) {
  manualSeed(0);
  const model = new Fnn(p);
  const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 32, shuffle: true });
  fit(model, new Adam(model.parameters(), { lr: 1e-3 }), { trainLoader, epochs: 10 });
  const onTrain = evaluate(model, train.images, train.labels, [1, 28, 28]).accuracy;
  const onVal = evaluate(model, validation.images, validation.labels, [1, 28, 28]).accuracy;
  console.log(`dropout ${p.toFixed(1)}: train accuracy ${onTrain.toFixed(3)}, validation accuracy ${onVal.toFixed(3)}, gap ${(onTrain - onVal).toFixed(3)}`);
}
