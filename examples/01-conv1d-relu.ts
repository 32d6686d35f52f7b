// The lecture's 1-D example: z_i = Σ_j w_j x_{i+j} slides the filter [-1, 1, -1] ("low-high-low")
// over a 1-D image, ReLU keeps the matches, zero padding keeps the length.
import { conv1d, setBackend, tensor } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';

setBackend(await createWasmBackend());

const signal = [0, 0, 1, 0, 0, 1, 1];
const filter = [-1, 1, -1];

// By hand: one weighted sum per window, the same weights at every position (weight sharing).
const byHand: number[] = [];
for (let i = 0; i + filter.length <= signal.length; i++) {
  let z = 0;
  for (let j = 0; j < filter.length; j++) z += filter[j]! * signal[i + j]!;
  byHand.push(z);
}
console.log(`by hand       ${byHand.join(' ')}`);

// The same with the library: x is [N, C, L], w is [out, in, K].
const x = tensor(signal, [1, 1, signal.length]);
const w = tensor(filter, [1, 1, filter.length]);
const z = conv1d(x, w);
const show = (t: typeof z) => Array.from(t.toFloat32Array(), (v) => v + 0).join(' '); // + 0: no "-0"
console.log(`conv1d        ${show(z)}`);
console.log(`relu          ${show(z.relu())}`);
console.log(`detected at   ${z.argmax().item() + 1} (counting from 1)`);

// The output is shorter (L - K + 1): padding the input with one zero on each side keeps L.
const zp = x.conv1d(w, null, { padding: 1 });
console.log(`padded conv1d ${show(zp)}`);
console.log(`padded relu   ${show(zp.relu())}`);
