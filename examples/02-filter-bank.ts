// "Examples of convolutions" and "multiple filters (filter bank)": the lecture's sharpen, edge
// detect and strong-edges kernels as one conv2d weight [3, 1, 3, 3] applied to a Fashion-MNIST
// image, three output images at once.
import { setBackend, tensor, type Tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { applyFilter, FASHION_MNIST_CLASSES, SHARPEN, SOBEL_Y } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';

setBackend(await createWasmBackend());

const { images, labels } = loadFashionMnist({ split: 'test', limit: 1 });
console.log(`image 0 of the test set: ${FASHION_MNIST_CLASSES[labels[0]!]}`);
const x = tensor(images, [1, 1, 28, 28]);

const EDGE_DETECT_4 = [0, 1, 0, 1, -4, 1, 0, 1, 0]; // the lecture's edge detector
const bank = { sharpen: SHARPEN, 'edge detect': EDGE_DETECT_4, 'strong edges': SOBEL_Y };
const w = tensor(Object.values(bank).flat(), [3, 1, 3, 3]); // [out, in, kH, kW]
const maps = x.conv2d(w, null, { padding: 1 }); // [1, 3, 28, 28]: one "image" per filter
console.log(`filter bank output ${JSON.stringify(maps.shape)}`);

// Side by side, 2×2 pixels per character (the magnitude of each response, scaled per picture).
function ascii(t: Tensor): string[] {
  const v = t.abs().avgPool2d({ kernelSize: 2 }).toFloat32Array();
  const top = Math.max(...v) || 1;
  const ramp = ' .:-=+*#%@';
  return Array.from({ length: 14 }, (_, i) => Array.from(v.subarray(i * 14, i * 14 + 14), (p) => ramp[Math.round((p / top) * 9)]).join(''));
}
const names = ['image', ...Object.keys(bank)];
const pictures = [ascii(x), ...[0, 1, 2].map((c) => ascii(maps.slice([0, c, 0, 0], [1, 1, 28, 28])))];
console.log(names.map((n) => n.padEnd(14)).join(' | '));
for (let row = 0; row < 14; row++) console.log(pictures.map((p) => p[row]).join(' | '));

// Edge detectors answer 0 on flat regions: the blank corner, versus the whole image.
Object.keys(bank).forEach((name, c) => {
  const m = maps.slice([0, c, 0, 0], [1, 1, 28, 28]);
  const corner = m.slice([0, 0, 0, 0], [1, 1, 4, 4]).abs().mean().item();
  console.log(`${name.padEnd(12)} mean |response| ${m.abs().mean().item().toFixed(4)}, in the blank 4×4 corner ${corner.toFixed(4)}`);
});

// The conv layer computes the same cross-correlation as the plain-loop applyFilter (inside the border).
const valid = x.conv2d(w.slice([2, 0, 0, 0], [1, 1, 3, 3])).toFloat32Array(); // [1, 1, 26, 26]
const loop = applyFilter(images, 28, 28, SOBEL_Y);
let diff = 0;
for (let i = 0; i < 26; i++) for (let j = 0; j < 26; j++) diff = Math.max(diff, Math.abs(valid[i * 26 + j]! - loop[(i + 1) * 28 + j + 1]!));
console.log(`max |conv2d - applyFilter| ${diff.toExponential(1)}`);
