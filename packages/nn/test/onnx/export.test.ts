import { add, crossEntropy, flatten, manualSeed, noGrad, tensor, type Tensor, tidy } from '@tapegrad/autograd';
import { beforeAll, describe, expect, it } from 'vitest';
import { Flatten, Linear, Sequential } from '../../src/layers/index.js';
import { MODELS, cnn, warmBatchNorm } from './models.js';
import { Module } from '../../src/module.js';
import { toOnnx } from '../../src/onnx/index.js';
import { onnx } from '../../src/onnx/proto.js';
import { hasData, withData, hasPythonOnnx, maxAbsDiff, onnxCheck, ortRun, ourRun, testImages } from './helpers.js';

// Exported models run under onnxruntime-node on 100 real Fashion-MNIST test images and give the
// logits tapegrad gives (max abs difference ≤ 1e-4: float32 sums of ≤ 2304 terms of |x·w| ≲ 1
// differ by ~K·u ≈ 1e-4 at worst between two summation orders; typical differences are ~1e-6).
const N = 100;
const TOL = 1e-4;

describe('toOnnx: runs under onnxruntime-node with the same logits', () => {
  let images: Float32Array;
  beforeAll(() => {
    images = hasData ? testImages(N) : new Float32Array();
  });
  const shape = [N, 1, 28, 28];
  for (const [name, make] of MODELS) {
    withData.it(`${name}: ${N} test images, max |Δlogit| ≤ ${TOL}`, async () => {
      manualSeed(0);
      const model = make();
      warmBatchNorm(model, images);
      const bytes = toOnnx(model, { inputShape: [1, 1, 28, 28] });
      const ours = ourRun(model, images, shape);
      const theirs = await ortRun(bytes, images, shape);
      expect(theirs.length).toBe(N * 10);
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(TOL);
      // The model is left as it was: eval mode here, parameters untouched.
      expect(ourRun(model, images, shape)).toEqual(ours);
      if (hasPythonOnnx) expect(onnxCheck(bytes)).toBe('');
      model.dispose();
    });
  }
});

describe('toOnnx: options, errors and the graph it writes', () => {
  const x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.cos(i) * 0.5 + 0.5);
  it('every opset 13–17 runs under onnxruntime with the same logits; the batch dimension is dynamic (N), initializers are the state-dict names', async () => {
    manualSeed(1);
    const model = cnn({ batchNorm: true });
    for (const opset of [13, 14, 15, 16, 17]) {
      const bytes = toOnnx(model, { inputShape: [1, 1, 28, 28], opset });
      const m = onnx.ModelProto.decode(bytes);
      expect(m.opsetImport!.map((o) => Number(o.version))).toEqual([opset]);
      expect(m.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('N');
      expect(m.graph!.initializer!.map((t) => t.name).sort()).toEqual([...model.stateDict().keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort());
      // Exported at batch 1, run at batch 2.
      expect(maxAbsDiff(await ortRun(bytes, x, [2, 1, 28, 28]), ourRun(model, x, [2, 1, 28, 28]))).toBeLessThanOrEqual(TOL);
      if (hasPythonOnnx) expect(onnxCheck(bytes)).toBe('');
    }
  });

  it('negative control: a weight changed after export gives logits that differ by more than the tolerance', async () => {
    manualSeed(2);
    const model = cnn();
    const bytes = toOnnx(model, { inputShape: [1, 1, 28, 28] });
    const fc = model.stateDict().get('6.bias')!;
    noGrad(() => fc.backend.copyInPlace(fc.storage, fc.backend.fromArray(new Float32Array(10).fill(0.01))));
    expect(maxAbsDiff(await ortRun(bytes, x, [2, 1, 28, 28]), ourRun(model, x, [2, 1, 28, 28]))).toBeGreaterThan(TOL);
  });

  it('an op with no ONNX counterpart is an error naming the op and the module path', () => {
    class LossHead extends Module {
      forward(h: Tensor): Tensor {
        return tidy(() => crossEntropy(h, tensor(new Array<number>(h.shape[0]!).fill(1), [h.shape[0]!])));
      }
    }
    const model = new Sequential({ body: new Sequential([new Flatten(), new Linear(4, 3), new LossHead()]) });
    expect(() => toOnnx(model, { inputShape: [1, 4] })).toThrow(/toOnnx: op crossEntropy \(in module 'body\.2'\) has no ONNX counterpart/);
  });

  it('rejects an opset outside 13–17 and a malformed inputShape', () => {
    const model = new Sequential([new Flatten(), new Linear(4, 2)]);
    expect(() => toOnnx(model, { inputShape: [1, 4], opset: 12 })).toThrow(/opset 12 is not supported \(export writes opsets 13–17\)/);
    expect(() => toOnnx(model, { inputShape: [1, 0] })).toThrow(/inputShape must be a list of positive integers/);
    expect(() => toOnnx(model, { inputShape: [1, 5] })).toThrow(/Linear.forward: expected input \[..., 4\] \(inFeatures 4\), got \[\d+,5\]/);
  });

  it('flatten(x, 0) keeps a dynamic batch (−1 for the merged dimension); a constant with a batch-dependent shape is an error, not a fixed-batch graph', () => {
    class Merge extends Module {
      forward(h: Tensor): Tensor {
        return flatten(h, 0);
      }
    }
    expect(() => toOnnx(new Merge(), { inputShape: [1, 3, 2] })).not.toThrow(); // [N·6]: one batch-dependent dim becomes −1
    class Split extends Module {
      forward(h: Tensor): Tensor {
        return tidy(() => add(h, tensor(new Array<number>(h.size).fill(1), h.shape)));
      }
    }
    expect(() => toOnnx(new Split(), { inputShape: [1, 3] })).toThrow(/a constant created in the forward has a batch-dependent shape \(\[2,3\] for batch 2, \[3,3\] for batch 3\), used by add in module '\(root\)'/);
  });
});
