// "Optional: ResNet": skip connections add a block's input to its output, y = relu(f(x) + x), so
// the gradient has a path around every block and a deep network still trains.
import { crossEntropy, manualSeed, setBackend, tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, Conv2d, DataLoader, evaluate, fit, Flatten, Linear, MaxPool2d, type Module, ReLU, Residual, Sequential } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
const train = loadFashionMnist({ split: 'train', limit: 2000 });
const test = loadFashionMnist({ split: 'test', limit: 1000 });

const body = () => new Sequential([new Conv2d(8, 8, 3, { padding: 1 }), new ReLU(), new Conv2d(8, 8, 3, { padding: 1 })]);
const block = (skip: boolean) => new Sequential([skip ? new Residual(body()) : body(), new ReLU()]);
// conv 1→8, pool to 14×14, `depth` blocks of two 3×3 convs each, then a linear classifier.
function net(depth: number, skip: boolean): Module {
  manualSeed(0);
  const blocks = Array.from({ length: depth }, () => block(skip));
  return new Sequential([new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), ...blocks, new Flatten(), new Linear(8 * 14 * 14, 10)]);
}

// At initialisation: how much gradient reaches the first layer through 12 blocks (24 convs)?
for (const skip of [false, true]) {
  const model = net(12, skip);
  crossEntropy(model.forward(tensor(train.images.subarray(0, 32 * 784), [32, 1, 28, 28])), train.labels.subarray(0, 32)).backward();
  const g = model.parameters()[0]!.grad!.norm().item();
  console.log(`${skip ? 'residual' : 'plain   '} 12 blocks: gradient norm of the first conv's weight ${g.toExponential(2)}`);
}

// One epoch on 2000 images with 6 blocks.
for (const skip of [false, true]) {
  const model = net(6, skip);
  const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 32, shuffle: true });
  const [logs] = fit(model, new Adam(model.parameters(), { lr: 1e-3 }), { trainLoader, epochs: 1 });
  const { accuracy } = evaluate(model, test.images, test.labels, [1, 28, 28]);
  console.log(`${skip ? 'residual' : 'plain   '} 6 blocks: train loss ${logs!.trainLoss.toFixed(3)}, test accuracy ${accuracy.toFixed(3)}`);
}
