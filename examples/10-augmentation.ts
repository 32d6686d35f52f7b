// "Examples of data transformations" and "CNNs can fail when the input is rotated": random
// transformations of the training images (crop and resize, flip, colour jitter, rotation, cutout,
// noise, blur, Sobel) teach the network what should not change its answer.
import { setBackend, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import {
  Adam, ArrayDataset, colorJitter, Conv2d, cutout, DataLoader, evaluate, fit, gaussianBlur, gaussianNoise, Linear, MaxPool2d, Module,
  randomHorizontalFlip, randomResizedCrop, randomRot90, randomRotation, rotate, Rng, sobel, type Transform,
} from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
const train = loadFashionMnist({ split: 'train', limit: 4000 });
const test = loadFashionMnist({ split: 'test', limit: 1000 });

// The lecture's list, each applied to the first training image (a seeded Rng draws the randomness).
const transforms: Record<string, Transform> = {
  'crop and resize': randomResizedCrop(0.5), flip: randomHorizontalFlip(1), 'colour jitter': colorJitter({ brightness: 0.5, contrast: 0.5 }),
  'rotate ±45°': randomRotation(45), cutout: cutout(10), 'gaussian noise': gaussianNoise(0.1), 'gaussian blur': gaussianBlur(1), sobel: sobel(),
};
const image = train.images.subarray(0, 784);
for (const [name, t] of Object.entries(transforms)) {
  const out = t(image, [1, 28, 28], new Rng(1));
  const changed = out.reduce((n, v, i) => n + (Math.abs(v - image[i]!) > 1e-6 ? 1 : 0), 0);
  console.log(`${name.padEnd(15)} changes ${String(changed).padStart(3)} of 784 pixels`);
}

class Cnn extends Module {
  conv1 = new Conv2d(1, 16, 3);
  conv2 = new Conv2d(16, 16, 3);
  pool = new MaxPool2d(2);
  fc = new Linear(16 * 12 * 12, 10);
  forward(x: Tensor) {
    return this.fc.forward(this.pool.forward(this.conv2.forward(this.conv1.forward(x).relu()).relu()).flatten(1));
  }
}
// The test images turned by 90°: a shift of distribution the plain CNN never saw.
const turned = new Float32Array(test.images.length);
for (let i = 0; i < test.labels.length; i++) turned.set(rotate(test.images.subarray(i * 784, (i + 1) * 784), [1, 28, 28], 90), i * 784);

for (const [name, transform] of [['no augmentation', undefined], ['random 90° rotations', randomRot90()]] as const) {
  const model = new Cnn();
  const trainLoader = new DataLoader(new ArrayDataset(train.images, train.labels, [1, 28, 28]), { batchSize: 32, shuffle: true, transform });
  fit(model, new Adam(model.parameters(), { lr: 3e-3 }), { trainLoader, epochs: 1 });
  const upright = evaluate(model, test.images, test.labels, [1, 28, 28]).accuracy;
  const rotated = evaluate(model, turned, test.labels, [1, 28, 28]).accuracy;
  console.log(`${name.padEnd(20)} test accuracy upright ${upright.toFixed(3)}, rotated 90° ${rotated.toFixed(3)}`);
}
