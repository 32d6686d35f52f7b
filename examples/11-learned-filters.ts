// "What do neurons in a CNN learn?" and "First layer learns edge detectors!": train the case-study
// CNN briefly, print its first-layer 3×3 filters, and for each find the test patches that
// activate it most (the lecture's visualisation): their average looks like the filter.
import { noGrad, setBackend, tensor, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, Conv2d, DataLoader, EDGE_DETECT, fit, Linear, MaxPool2d, Module, SOBEL_X, SOBEL_Y } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());
const train = loadFashionMnist({ split: 'train', limit: 4000 });
const test = loadFashionMnist({ split: 'test', limit: 300 });

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

// Centred cosine similarity of two 3×3 patterns (1: the same shape up to brightness and scale).
function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = Array.from(a).reduce((s, v) => s + v, 0) / 9, mb = Array.from(b).reduce((s, v) => s + v, 0) / 9;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < 9; i++) (ab += (a[i]! - ma) * (b[i]! - mb)), (aa += (a[i]! - ma) ** 2), (bb += (b[i]! - mb) ** 2);
  return ab / Math.sqrt(aa * bb);
}
const classic = { 'sobel x': SOBEL_X, 'sobel y': SOBEL_Y, 'edge detect': EDGE_DETECT };
const weights = model.conv1.weight.toFloat32Array(); // [16, 1, 3, 3]
const maps = noGrad(() => model.conv1.forward(tensor(test.images, [300, 1, 28, 28])).toFloat32Array()); // [300, 16, 26, 26]
let sum = 0;
for (let u = 0; u < 16; u++) {
  const w = weights.subarray(u * 9, u * 9 + 9);
  // The 20 strongest responses of unit u over all images and positions, and the patches behind them.
  const responses = new Float32Array(300 * 676);
  for (let n = 0; n < 300; n++) responses.set(maps.subarray((n * 16 + u) * 676, (n * 16 + u + 1) * 676), n * 676);
  const threshold = responses.slice().sort()[responses.length - 20]!;
  const mean = new Float32Array(9);
  let count = 0;
  responses.forEach((r, k) => {
    if (r < threshold || count === 20) return;
    const [n, i, j] = [Math.floor(k / 676), Math.floor((k % 676) / 26), k % 26];
    for (let d = 0; d < 9; d++) mean[d]! += test.images[n * 784 + (i + Math.floor(d / 3)) * 28 + j + (d % 3)]! / 20;
    count++;
  });
  const s = similarity(w, mean);
  sum += s;
  const [nearest, c] = Object.entries(classic).map(([name, k]) => [name, Math.abs(similarity(w, k))] as const).sort((a, b) => b[1] - a[1])[0]!;
  const rows = [0, 1, 2].map((r) => Array.from(w.subarray(r * 3, r * 3 + 3), (v) => v.toFixed(2).padStart(5)).join(' '));
  console.log(`filter ${String(u).padStart(2)}  ${rows.join(' | ')}  top patches match ${s.toFixed(2)}  nearest classic: ${nearest} (${c.toFixed(2)})`);
}
console.log(`mean similarity of a filter and its top-20 patches: ${(sum / 16).toFixed(2)}`);
