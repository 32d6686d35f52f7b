import {
  type Conv2dGeometry, type ConvGeometry, conv2dRelu, conv2dReluMaxPool, createRefBackend, crossEntropy, flatten, linear, noGrad,
  type Storage, tensor, type Tensor, tidy, withBackend,
} from '@tapegrad/autograd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { convGeometry, EPS32, expectClose, randomArray } from './helpers.js';

// Note [deferred conv] (src/wasm-backend.ts): in inference (taped false) a large conv2dRelu waits
// for its consumer, and a conv2dRelu or conv2dReluMaxPool that takes its output runs the two over
// chunks of images. The chained results (the second conv's, the pool's argmax and the
// intermediate, always written whole) must be bit for bit those of the same calls with the
// intermediate flushed first, on one thread and on the pool; anything else that touches the
// pending call's output or inputs must see it run first.

/** A 3×3, stride-1 conv with padding p. */
const geometry = (n: number, c: number, h: number, w: number, o: number, p = 0): Conv2dGeometry => convGeometry(n, c, h, w, o, 3, 1, p);
const POOL = (g: Conv2dGeometry): ConvGeometry => ({
  n: g.n, c: g.o, h: g.oh, w: g.ow, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: g.oh >> 1, ow: g.ow >> 1,
});
// The case study's conv1 → conv2 at 401 images (conv1's output 17.3 MB, past the 16 MiB at which a
// chain runs; 401 = 16·24 + 17 on one thread's 24-image chunks, 8·48 + 17 on two threads'), and a
// 3-channel stem into a padded Winograd conv (17.2 MB between them; the direct kernel, then Winograd).
const CASE1 = geometry(401, 1, 28, 28, 16);
const CASE2 = geometry(401, 16, 26, 26, 16);
const STEM1 = geometry(131, 3, 32, 32, 32, 1);
const STEM2 = geometry(131, 32, 32, 32, 32, 1);

/** a and b hold the same float32 bits (millions of elements: a loop, not a deep equal). */
function expectSameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  const [ua, ub] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  let i = 0;
  while (i < ua.length && ua[i] === ub[i]) i++;
  expect(i < ua.length ? `${what}: element ${i} is ${a[i]}, expected ${b[i]}` : 'same').toBe('same');
}

describe('deferred conv chains (Note [deferred conv])', () => {
  let st: WasmBackend;
  let mt: WasmBackend;
  beforeAll(async () => {
    st = await createWasmBackend();
    mt = await createWasmBackend({ threads: 2 });
  });
  afterAll(async () => { await mt.dispose(); });

  const inputs = (b: WasmBackend, g1: Conv2dGeometry, g2: Conv2dGeometry) => ({
    x: b.fromArray(randomArray(g1.n * g1.c * g1.h * g1.w, 1)),
    w1: b.fromArray(randomArray(g1.o * g1.c * 9, 2)), b1: b.fromArray(randomArray(g1.o, 3)),
    w2: b.fromArray(randomArray(g2.o * g2.c * 9, 4)), b2: b.fromArray(randomArray(g2.o, 5)),
  });

  for (const [name, g1, g2, pool] of [
    ['conv1 → conv2 + ReLU + max-pool (the case study)', CASE1, CASE2, true],
    ['conv1 → conv2 + ReLU', CASE1, CASE2, false],
    ['a padded 3-channel stem → conv + ReLU', STEM1, STEM2, false],
  ] as const) {
    for (const threads of [1, 2]) {
      it(`${name}, ${threads} thread(s): chained bit for bit as flushed first`, () => {
        const b = threads === 1 ? st : mt;
        const { x, w1, b1, w2, b2 } = inputs(b, g1, g2);
        const second = (h: Storage) => pool ? b.conv2dReluMaxPool(h, w2, b2, g2, POOL(g2)) : { y: b.conv2dRelu(h, w2, b2, g2, false), argmax: null };
        // flushed: the intermediate read (so computed) before the second conv runs
        const h0 = b.conv2dRelu(x, w1, b1, g1, false);
        const hWant = b.read(h0);
        const chains0 = b.chainedConvs;
        const want = second(h0);
        expect(b.chainedConvs).toBe(chains0);
        // chained: the second conv straight after the first
        const h1 = b.conv2dRelu(x, w1, b1, g1, false);
        const got = second(h1);
        expect(b.chainedConvs).toBe(chains0 + 1);
        expectSameBits(b.read(got.y), b.read(want.y), 'second conv');
        // argmax holds i32 indices: their bits compared the same way
        if (want.argmax !== null) expectSameBits(b.read(got.argmax!), b.read(want.argmax), 'argmax');
        expectSameBits(b.read(h1), hWant, 'first conv');
      });
    }
  }

  it('the first conv alone: what reads its output, frees or changes its inputs runs it first', () => {
    const ref = createRefBackend();
    const g = CASE1;
    const xd = randomArray(g.n * g.c * g.h * g.w, 7), wd = randomArray(g.o * 9, 8), bd = randomArray(g.o, 9);
    const want = ref.read(ref.conv2dRelu(ref.fromArray(xd), ref.fromArray(wd), ref.fromArray(bd), g));
    const tol = 8 * EPS32 * 9;
    // read
    const [x, w, b] = [st.fromArray(xd), st.fromArray(wd), st.fromArray(bd)];
    expectClose(st.read(st.conv2dRelu(x, w, b, g, false)), want, 0, tol);
    // x freed and w overwritten (in place, by an optimizer step) before the output is read
    const y = st.conv2dRelu(x, w, b, g, false);
    st.free(x);
    st.sgdStep(w, st.fromArray(new Float32Array(wd.length).fill(1)), null, { lr: 10, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true });
    expect(st.read(w)[0]).toBeCloseTo(wd[0]! - 10, 4);
    expectClose(st.read(y), want, 0, tol);
    // a second pending conv runs the first before it waits
    const [x2, w2] = [st.fromArray(xd), st.fromArray(wd)];
    const y1 = st.conv2dRelu(x2, w2, b, g, false);
    const y2 = st.conv2dRelu(x2, w2, null, g, false);
    expectClose(st.read(y1), want, 0, tol);
    const noBias = ref.read(ref.conv2dRelu(ref.fromArray(xd), ref.fromArray(wd), null, g));
    expectClose(st.read(y2), noBias, 0, tol);
  });

  it('three convs in a row: the first two chain, the third reads the second from memory; the same values as one by one', () => {
    const g1 = CASE1, g2 = geometry(401, 16, 26, 26, 16, 1), g3 = geometry(401, 16, 26, 26, 16, 1);
    const { x, w1, b1, w2, b2 } = inputs(st, g1, g2);
    const [w3, b3] = [st.fromArray(randomArray(16 * 16 * 9, 6)), st.fromArray(randomArray(16, 7))];
    const chains0 = st.chainedConvs;
    const y = st.conv2dRelu(st.conv2dRelu(st.conv2dRelu(x, w1, b1, g1, false), w2, b2, g2, false), w3, b3, g3, false);
    expect(st.chainedConvs).toBe(chains0 + 1);
    const h1 = st.conv2dRelu(x, w1, b1, g1, false);
    st.read(h1);
    const h2 = st.conv2dRelu(h1, w2, b2, g2, false);
    st.read(h2);
    expectSameBits(st.read(y), st.read(st.conv2dRelu(h2, w3, b3, g3, false)), 'third conv');
    expect(st.chainedConvs).toBe(chains0 + 1);
  });

  for (const threads of [1, 2]) {
    it(`${threads} thread(s): the case study's CNN at batch 400 trains without chains (taped) and infers with one, as with convChains: false`, async () => {
      const run = async (convChains: boolean) => {
        const b = await createWasmBackend({ threads, convChains });
        const result = withBackend(b, () => {
          const param = (shape: number[], seed: number, scale: number) =>
            tensor(Array.from(randomArray(shape.reduce((p, q) => p * q, 1), seed), (v) => v * scale), shape, { requiresGrad: true });
          const ps = [param([16, 1, 3, 3], 11, 0.6), param([16], 12, 0.1), param([16, 16, 3, 3], 13, 0.15), param([16], 14, 0.1), param([10, 2304], 15, 0.03), param([10], 16, 0.1)];
          const [w1, b1, w2, b2, wf, bf] = ps as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
          const forward = (x: Tensor) => linear(flatten(conv2dReluMaxPool(conv2dRelu(x, w1, b1), w2, b2, {}, { kernelSize: 2 })), wf, bf);
          const x = tensor(Array.from(randomArray(400 * 784, 17), (v) => v + 0.5), [400, 1, 28, 28]);
          const labels = Int32Array.from({ length: 400 }, (_, i) => (i * 7) % 10);
          const losses: number[] = [];
          for (let step = 0; step < 2; step++) {
            tidy(() => {
              const loss = crossEntropy(forward(x), labels);
              losses.push(loss.item());
              loss.backward();
              for (const p of ps) {
                b.adamStep(p.storage, p.grad!.storage, b.fill(p.size, 0), b.fill(p.size, 0), { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 });
                p.grad = null;
              }
            });
          }
          const trainingChains = b.chainedConvs;
          const logits = noGrad(() => tidy(() => b.read(forward(x).storage)));
          return { losses, logits, trainingChains, chains: b.chainedConvs, params: ps.map((p) => b.read(p.storage)) };
        });
        await b.dispose();
        return result;
      };
      const [on, off] = [await run(true), await run(false)];
      expect([on.trainingChains, on.chains, off.chains]).toEqual([0, 1, 0]);
      expect(on.losses).toEqual(off.losses);
      on.params.forEach((p, i) => expectSameBits(p, off.params[i]!, `parameter ${i}`));
      expectSameBits(on.logits, off.logits, 'logits');
    });
  }

  it('a conv2dRelu whose output the tape keeps, or may (taped true or not given), does not wait', () => {
    const { x, w1, b1, w2, b2 } = inputs(st, CASE1, CASE2);
    const chains0 = st.chainedConvs;
    for (const taped of [true, undefined]) st.conv2dReluMaxPool(st.conv2dRelu(x, w1, b1, CASE1, taped), w2, b2, CASE2, POOL(CASE2));
    expect(st.chainedConvs).toBe(chains0);
  });

  it('convChains must be a boolean', async () => {
    await expect(createWasmBackend({ convChains: 1 as unknown as boolean })).rejects.toThrow('convChains must be true or false, got 1');
  });

  it('images whose first-conv output exceeds a chunk (1 MiB) do not chain', () => {
    const g1 = geometry(17, 16, 130, 130, 16, 1); // 130·130·16·4 = 1.08 MB an image, 18.4 MB in all
    const g2 = geometry(17, 16, 130, 130, 16, 1);
    const { x, w1, b1, w2, b2 } = inputs(st, g1, g2);
    const chains0 = st.chainedConvs;
    st.conv2dRelu(st.conv2dRelu(x, w1, b1, g1, false), w2, b2, g2, false);
    expect(st.chainedConvs).toBe(chains0);
  });

  it('batches too small to chain run at once', () => {
    const g1 = geometry(128, 1, 28, 28, 16); // 5.5 MB of conv1 output: under the 16 MiB
    const { x, w1, b1, w2, b2 } = inputs(st, g1, geometry(128, 16, 26, 26, 16));
    const chains0 = st.chainedConvs;
    const h = st.conv2dRelu(x, w1, b1, g1, false);
    st.conv2dReluMaxPool(h, w2, b2, geometry(128, 16, 26, 26, 16), POOL(geometry(128, 16, 26, 26, 16)));
    expect(st.chainedConvs).toBe(chains0);
  });
});
