import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, createRefBackend, crossEntropy, getBackend, manualSeed, observeOps, setBackend, tensor, tidy } from '@tapegrad/autograd';
import { createWasmBackend, type WasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, withFusion } from '@tapegrad/nn';
import { FashionCnn, topActivatingPatches } from '@tapegrad/lecture';

// Layer fusion (Note [layer fusion] in @tapegrad/nn) in the lecture's CNN on the backends it
// trains on. The WASM conv2dRelu is bit for bit relu(conv2d) and reluBackwardBias bit for bit
// reluBackward + the bias sum, conv2dReluMaxPool and maxPoolReluBackwardBias bit for bit the
// three layers (kernels-wasm test/fused.test.ts), and the conv backward kernels get
// the same dy, so three Adam steps of the fused model give the unfused one's logits, losses,
// gradients and weights exactly, on 1 and on 2 threads; on the reference backend the fused
// kernels are the unfused ones composed.

const N = 32;
const images = Float32Array.from({ length: N * 784 }, (_, i) => Math.max(0, Math.sin(0.013 * i) * Math.cos(0.21 * i)));
const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % 10);

/** Three Adam steps from seed 0: per step the logits, loss and every gradient, then the weights. */
function train(backend: Backend): Float32Array[] {
  setBackend(backend);
  manualSeed(0);
  const model = new FashionCnn();
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const out: Float32Array[] = [];
  for (let s = 0; s < 3; s++) {
    tidy(() => {
      const logits = model.forward(tensor(images, [N, 1, 28, 28]));
      const loss = crossEntropy(logits, tensor(Array.from(labels), [N]));
      loss.backward();
      out.push(logits.toFloat32Array(), loss.toFloat32Array(), ...model.parameters().map((p) => p.grad!.toFloat32Array()));
      opt.step();
      opt.zeroGrad();
    });
  }
  out.push(...model.parameters().map((p) => p.toFloat32Array()));
  model.dispose();
  opt.dispose();
  return out;
}

describe('FashionCnn with and without layer fusion', () => {
  let st: WasmBackend;
  let mt: WasmBackend;
  const before = getBackend();
  beforeAll(async () => {
    st = await createWasmBackend();
    mt = await createWasmBackend({ threads: 2 });
  });
  afterAll(async () => {
    setBackend(before);
    await mt.dispose();
  });

  it('forward x=[32,1,28,28] runs conv2dRelu then conv2dReluMaxPool (conv2d + relu twice and maxPool2d with fusion off)', () => {
    setBackend(st);
    manualSeed(0);
    const model = new FashionCnn();
    const ops = (): string[] => {
      const names: string[] = [];
      tidy(() => observeOps((e) => names.push(e.op), () => model.forward(tensor(images, [N, 1, 28, 28]))));
      return names.filter((o) => /conv|relu|pool/i.test(o));
    };
    expect(ops()).toEqual(['conv2dRelu', 'conv2dReluMaxPool']);
    expect(withFusion(false, ops)).toEqual(['conv2d', 'relu', 'conv2d', 'relu', 'maxPool2d']);
    model.dispose();
  });

  for (const [label, backend] of [['WASM 1 thread', () => st], ['WASM 2 threads', () => mt], ['reference', () => createRefBackend()]] as const) {
    it(`${label}: 3 Adam steps, batch 32: logits, losses, gradients and weights of the fused model equal the unfused ones bit for bit`, () => {
      const be = backend();
      const fused = train(be);
      const unfused = withFusion(false, () => train(be));
      expect(fused.length).toBe(3 * (2 + 6) + 6);
      fused.forEach((v, i) => expect(v, `value ${i}`).toEqual(unfused[i]));
      // Training moved the loss: the steps did something for the comparison to see.
      expect(fused[1 + 8 * 2]![0]).not.toEqual(fused[1]![0]);
    });
  }

  it('topActivatingPatches (a forward hook on conv2, which reads its pre-ReLU output) finds the same patches with fusion on as off', () => {
    setBackend(st);
    manualSeed(0);
    const model = new FashionCnn();
    const got = topActivatingPatches(model, images, labels, { units: [0, 1, 2, 3], top: 8 });
    const unfused = withFusion(false, () => topActivatingPatches(model, images, labels, { units: [0, 1, 2, 3], top: 8 }));
    expect(got.units.map((u) => u.hits.length)).toEqual([8, 8, 8, 8]);
    expect(got).toEqual(unfused);
    model.dispose();
  });
});
