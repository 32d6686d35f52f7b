import { conv1d, manualSeed, tensor } from '@tapegrad/autograd';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv1d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/layers/index.js';
import { Module } from '../../src/module.js';
import { fromOnnx, toOnnx } from '../../src/onnx/index.js';
import { onnx } from '../../src/onnx/proto.js';
import { hasData, hasPythonOnnx, maxAbsDiff, onnxCheck, ortRun, ourRun, testImages } from './helpers.js';

// A depthwise-separable CNN (MobileNet's block: 3×3 depthwise conv, batch norm, ReLU, 1×1
// pointwise conv) and a grouped conv with a depthwise multiplier, exported with the Conv `group`
// attribute, run under onnxruntime-node on 100 real test images (max |Δlogit| ≤ 1e-4, the bound of
// export.test.ts: float32 sums of ≤ 1568 terms in two orders), and read back by fromOnnx.
const N = 100;
const TOL = 1e-4;

function separable(): Sequential {
  return new Sequential([
    new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(),
    new Conv2d(8, 8, 3, { groups: 8, padding: 1, bias: false }), new BatchNorm2d(8), new ReLU(), // depthwise
    new Conv2d(8, 16, 1), new ReLU(), // pointwise
    new MaxPool2d(2),
    new Conv2d(16, 32, 3, { groups: 4, stride: 2 }), new ReLU(), // 4 groups
    new Conv2d(32, 64, 3, { groups: 32, dilation: 2 }), new ReLU(), // depthwise, multiplier 2
    new Flatten(), new Linear(64 * 2 * 2, 10),
  ]);
}

const convGroups = (bytes: Uint8Array): number[] =>
  onnx.ModelProto.decode(bytes).graph!.node!.filter((n) => n.opType === 'Conv').map((n) => Number(n.attribute!.find((a) => a.name === 'group')!.i));

describe('ONNX: grouped and depthwise convolutions', () => {
  let images: Float32Array;
  beforeAll(() => {
    images = hasData ? testImages(N) : new Float32Array();
  });
  const shape = [N, 1, 28, 28];

  it.runIf(hasData)(`depthwise-separable CNN: Conv group attributes, ${N} test images under onnxruntime-node, max |Δlogit| ≤ ${TOL}; export → import → export`, async () => {
    manualSeed(0);
    const model = separable();
    // Non-trivial batch-norm statistics, so that eval mode differs from the initial state.
    model.train();
    model.forward(tensor(images.subarray(0, 16 * 784), [16, 1, 28, 28]));
    const bytes = toOnnx(model, { inputShape: [1, 1, 28, 28] });
    expect(convGroups(bytes)).toEqual([1, 8, 1, 4, 32]);
    const ours = ourRun(model, images, shape);
    const theirs = await ortRun(bytes, images, shape);
    expect(theirs.length).toBe(N * 10);
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(TOL);
    if (hasPythonOnnx) expect(onnxCheck(bytes)).toBe('');

    const imported = fromOnnx(bytes);
    const back = ourRun(imported, images, shape);
    expect(maxAbsDiff(back, ours)).toBeLessThanOrEqual(TOL);
    const again = toOnnx(imported, { inputShape: [1, 1, 28, 28] });
    expect(convGroups(again)).toEqual([1, 8, 1, 4, 32]);
    expect(maxAbsDiff(await ortRun(again, images, shape), theirs)).toBeLessThanOrEqual(TOL);
    // The imported depthwise weight keeps PyTorch's [O, C/groups, KH, KW] layout.
    expect(imported.namedParameters().find(([n]) => n === '2.weight')![1].shape).toEqual([8, 1, 3, 3]);
    model.dispose();
  });

  it('Conv1d(4, 8, 3, {groups: 4}) in a custom module: group=4 under onnxruntime-node on random input', async () => {
    manualSeed(1);
    class Net extends Module {
      conv = new Conv1d(4, 8, 3, { groups: 4, padding: 1 });
      forward(x: ReturnType<typeof tensor>) {
        return conv1d(x, this.conv.weight, this.conv.bias, { padding: 1, groups: 4 }).relu();
      }
    }
    const net = new Net();
    const x = Float32Array.from({ length: 3 * 4 * 11 }, (_, i) => Math.sin(0.37 * i) * 2);
    const bytes = toOnnx(net, { inputShape: [1, 4, 11] });
    expect(convGroups(bytes)).toEqual([4]);
    const ours = ourRun(net, x, [3, 4, 11]);
    expect(maxAbsDiff(ours, await ortRun(bytes, x, [3, 4, 11]))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(ourRun(fromOnnx(bytes), x, [3, 4, 11]), ours)).toBeLessThanOrEqual(1e-6);
  });
});
