// "Regularization: early stopping": check the error on a validation set after each epoch and stop
// when it no longer improves, keeping the best weights. A fully connected network on only 1000
// training images overfits within a few epochs: the training loss keeps falling, the validation
// loss turns up.
import { setBackend, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, EarlyStopping, evaluate, fit, Linear, Module } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
// The first 1000 training images to train on, the next 2000 held out for validation (the test set stays unseen).
const all = loadFashionMnist({ split: 'train', limit: 3000 });
const train = { images: all.images.subarray(0, 1000 * 784), labels: all.labels.subarray(0, 1000) };
const validation = { images: all.images.subarray(1000 * 784), labels: all.labels.subarray(1000) };

class Fnn extends Module {
  fc1 = new Linear(28 * 28, 256);
  fc2 = new Linear(256, 10);
  forward(x: Tensor) {
    return this.fc2.forward(this.fc1.forward(x.flatten(1)).relu());
  }
}
const model = new Fnn();
const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 32, shuffle: true });
const stopper = new EarlyStopping({ monitor: 'valLoss', patience: 3, restoreBestWeights: true });
const history = fit(model, new Adam(model.parameters(), { lr: 3e-3 }), { trainLoader, epochs: 50, validation, callbacks: [stopper] });

for (const e of history) console.log(`epoch ${String(e.epoch).padStart(2)}  train loss ${e.trainLoss.toFixed(3)}  validation loss ${e.valLoss!.toFixed(3)}  validation accuracy ${e.valAccuracy!.toFixed(3)}`);
console.log(`stopped after epoch ${stopper.stoppedEpoch} of 50; best epoch ${stopper.bestEpoch} (validation loss ${stopper.best.toFixed(3)})`);
const restored = evaluate(model, validation.images, validation.labels, [1, 28, 28]);
console.log(`restored weights: validation loss ${restored.loss.toFixed(3)}, accuracy ${restored.accuracy.toFixed(3)}`);
