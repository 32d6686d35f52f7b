// "Max pooling": like filtering, but each output is the maximum of its patch instead of a weighted
// sum; it shrinks the image, works per channel, and "forgets" exact locations.
import { setBackend, tensor, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { MaxPool2d, SOBEL_X, SOBEL_Y } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());

// A 4×4 image, 2×2 patches: the maximum of each.
const small = tensor([1, 3, 0, 2, 4, 2, 1, 1, 0, 1, 5, 6, 2, 2, 7, 0], [1, 1, 4, 4]);
console.log(`2×2 max pool of [[1,3,0,2],[4,2,1,1],[0,1,5,6],[2,2,7,0]] = ${JSON.stringify(Array.from(small.maxPool2d({ kernelSize: 2 }).toFloat32Array()))}`);

// Two edge maps of a real image, pooled per channel: [1, 2, 28, 28] -> [1, 2, 14, 14].
const { images } = loadFashionMnist({ split: 'test', limit: 1 });
const x = tensor(images, [1, 1, 28, 28]);
const w = tensor([...SOBEL_X, ...SOBEL_Y], [2, 1, 3, 3]);
const edges = (img: Tensor) => img.conv2d(w, null, { padding: 1 }).relu();
console.log(`edge maps ${JSON.stringify(edges(x).shape)} -> pooled ${JSON.stringify(new MaxPool2d(2).forward(edges(x)).shape)}`);

// Move the image 2 pixels right and 1 down: how much do the features change, before and after pooling?
const moved = x.pad([2, 0, 1, 0]).slice([0, 0, 0, 0], [1, 1, 28, 28]);
const change = (a: Tensor, b: Tensor) => a.sub(b).norm().item() / a.norm().item();
for (const k of [1, 2, 4, 7, 14, 28]) {
  const pool = new MaxPool2d(k);
  console.log(`pool ${String(k).padStart(2)}×${String(k).padEnd(2)} output ${JSON.stringify(pool.forward(edges(x)).shape).padEnd(13)} relative change when moved ${change(pool.forward(edges(x)), pool.forward(edges(moved))).toFixed(3)}`);
}
