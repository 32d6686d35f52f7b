import { add, batchNormRelu, conv2dRelu, conv2dReluMaxPool, crossEntropy, flatten, manualSeed, observeOps, randn, relu, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { afterEach, describe, expect, it } from 'vitest';
import { setFusion, withFusion } from '../../src/fusion.js';
import { BatchNorm2d } from '../../src/layers/batch-norm.js';
import { Conv2d } from '../../src/layers/conv.js';
import { Linear } from '../../src/layers/linear.js';
import { Module } from '../../src/module.js';
import { fromOnnx, toOnnx } from '../../src/onnx/index.js';
import { onnx } from '../../src/onnx/proto.js';
import { maxAbsDiff, ortRun, ourRun } from './helpers.js';
import { cnn } from './models.js';

// Layer fusion (Note [layer fusion], src/fusion.ts) and ONNX: the exporter writes Conv then Relu
// whether a model fuses or calls conv2dRelu itself; the importer runs a Conv whose only reader is
// a Relu as conv2dRelu, with the values and gradients of the two nodes.

const opTypes = (bytes: Uint8Array): string[] => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!).filter((t) => t !== 'Constant');
const x = Float32Array.from({ length: 3 * 784 }, (_, i) => Math.cos(0.37 * i) * 0.5 + 0.5);
const opts = { inputShape: [1, 1, 28, 28] };

/** A model that calls the fused op itself: conv2dRelu(x, w, b, p=1) → flatten → linear. */
class DirectFused extends Module {
  readonly conv = this.registerModule('conv', new Conv2d(1, 4, 3, { padding: 1, stride: 2 }));
  readonly fc = this.registerModule('fc', new Linear(4 * 14 * 14, 10));
  forward(h: Tensor): Tensor {
    return tidy(() => this.fc.forward(flatten(conv2dRelu(h, this.conv.weight, this.conv.bias, { padding: 1, stride: 2 }))));
  }
}

/** A model that calls conv2dReluMaxPool itself: conv p=1 → relu → MaxPool(3, s=2, p=1) → flatten → linear. */
class DirectFusedPool extends Module {
  readonly conv = this.registerModule('conv', new Conv2d(1, 4, 3, { padding: 1 }));
  readonly fc = this.registerModule('fc', new Linear(4 * 14 * 14, 10));
  forward(h: Tensor): Tensor {
    return tidy(() => this.fc.forward(flatten(conv2dReluMaxPool(h, this.conv.weight, this.conv.bias, { padding: 1 }, { kernelSize: 3, stride: 2, padding: 1 }))));
  }
}

/** Logits, loss and parameter gradients of one forward and backward on x [3,1,28,28]. */
function step(model: Module): Float32Array[] {
  model.train();
  model.zeroGrad();
  return tidy(() => {
    const logits = model.forward(tensor(x, [3, 1, 28, 28]));
    const loss = crossEntropy(logits, tensor([0, 5, 9], [3]));
    loss.backward();
    return [logits.toFloat32Array(), loss.toFloat32Array(), ...model.parameters().map((p) => p.grad!.toFloat32Array())];
  });
}

describe('ONNX and layer fusion', () => {
  afterEach(() => setFusion(true));

  it('toOnnx of the fused case-study CNN: Conv, Relu, Conv, Relu, … and the same bytes as with fusion off', () => {
    manualSeed(0);
    const model = cnn();
    const bytes = toOnnx(model, opts);
    expect(opTypes(bytes)).toEqual(['Conv', 'Relu', 'Conv', 'Relu', 'MaxPool', 'Reshape', 'Gemm', 'Identity']);
    expect(withFusion(false, () => toOnnx(model, opts))).toEqual(bytes);
  });

  it('a forward calling conv2dRelu x=[N,1,28,28] w=[4,1,3,3] s=2 p=1 exports as Conv + Relu, runs under onnxruntime with the same logits, and imports back', async () => {
    manualSeed(1);
    const model = new DirectFused();
    const bytes = toOnnx(model, opts);
    expect(opTypes(bytes)).toEqual(['Conv', 'Relu', 'Reshape', 'Gemm', 'Identity']);
    const conv = onnx.ModelProto.decode(bytes).graph!.node!.find((n) => n.opType === 'Conv')!;
    expect(Object.fromEntries(conv.attribute!.map((a) => [a.name, a.ints!.map(Number)]))).toMatchObject({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] });
    const ours = ourRun(model, x, [3, 1, 28, 28]);
    expect(ours.some((v) => v !== 0)).toBe(true);
    expect(maxAbsDiff(await ortRun(bytes, x, [3, 1, 28, 28]), ours)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(ourRun(fromOnnx(bytes), x, [3, 1, 28, 28]), ours)).toBeLessThanOrEqual(1e-6);
  });

  it('a forward calling conv2dReluMaxPool w=[4,1,3,3] p=1, pool 3 s=2 p=1 exports as Conv + Relu + MaxPool, runs under onnxruntime with the same logits, and imports back', async () => {
    manualSeed(3);
    const model = new DirectFusedPool();
    const bytes = toOnnx(model, opts);
    expect(opTypes(bytes)).toEqual(['Conv', 'Relu', 'MaxPool', 'Reshape', 'Gemm', 'Identity']);
    const pool = onnx.ModelProto.decode(bytes).graph!.node!.find((n) => n.opType === 'MaxPool')!;
    expect(Object.fromEntries(pool.attribute!.map((a) => [a.name, a.ints!.map(Number)]))).toEqual({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const ours = ourRun(model, x, [3, 1, 28, 28]);
    expect(ours.some((v) => v !== 0)).toBe(true);
    expect(maxAbsDiff(await ortRun(bytes, x, [3, 1, 28, 28]), ours)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(ourRun(fromOnnx(bytes), x, [3, 1, 28, 28]), ours)).toBeLessThanOrEqual(1e-6);
  });

  it('a forward calling batchNormRelu (eval, after warm-up batches) exports as BatchNormalization + Relu and runs under onnxruntime with the same logits', async () => {
    class DirectBnRelu extends Module {
      readonly conv = this.registerModule('conv', new Conv2d(1, 4, 3, { padding: 1, stride: 2, bias: false }));
      readonly bn = this.registerModule('bn', new BatchNorm2d(4));
      readonly fc = this.registerModule('fc', new Linear(4 * 14 * 14, 10));
      forward(h: Tensor): Tensor {
        const bn = this.bn;
        return tidy(() => this.fc.forward(flatten(batchNormRelu(this.conv.forward(h), bn.runningMean, bn.runningVar, bn.weight, bn.bias, { training: this.training }))));
      }
    }
    manualSeed(4);
    const model = new DirectBnRelu();
    model.train();
    tidy(() => void model.forward(tensor(x, [3, 1, 28, 28])));
    model.eval();
    const bytes = toOnnx(model, opts);
    expect(opTypes(bytes)).toEqual(['Conv', 'BatchNormalization', 'Relu', 'Reshape', 'Gemm', 'Identity']);
    const ours = ourRun(model, x, [3, 1, 28, 28]);
    expect(ours.some((v) => v !== 0)).toBe(true);
    expect(maxAbsDiff(await ortRun(bytes, x, [3, 1, 28, 28]), ours)).toBeLessThanOrEqual(1e-5);
  });

  it('fromOnnx of the CNN runs each Conv → Relu as conv2dRelu (Conv + Relu with fusion off), same logits, loss and gradients bit for bit', () => {
    manualSeed(2);
    const imported = fromOnnx(toOnnx(cnn(), opts));
    const ops = (): string[] => {
      const names: string[] = [];
      tidy(() => observeOps((e) => names.push(e.op), () => imported.forward(randn([2, 1, 28, 28]))));
      return names.filter((o) => /conv|relu/i.test(o));
    };
    expect(ops()).toEqual(['conv2dRelu', 'conv2dRelu']);
    expect(withFusion(false, ops)).toEqual(['conv2d', 'relu', 'conv2d', 'relu']);
    const fused = step(imported);
    const unfused = withFusion(false, () => step(imported));
    expect(fused.length).toBe(2 + 6);
    fused.forEach((v, i) => expect(v, `output ${i}`).toEqual(unfused[i]));
  });

  it('fromOnnx leaves a Conv unfused when another node also reads its output (Relu and Add), or when the Conv is the graph output', () => {
    // Shared's graph: Conv → Add, and Conv → Relu → Add: only the second Conv's reader is a lone Relu.
    class Shared extends Module {
      readonly conv = this.registerModule('conv', new Conv2d(1, 2, 3));
      forward(h: Tensor): Tensor {
        return tidy(() => {
          const c = this.conv.forward(h);
          return add(c, conv2dRelu(h, this.conv.weight, this.conv.bias));
        });
      }
    }
    // OnnxModel's forward ends in a reshape view of the output (so disposing it frees no parameter).
    manualSeed(3);
    class TwoReaders extends Module {
      readonly conv = this.registerModule('conv', new Conv2d(1, 2, 3));
      forward(h: Tensor): Tensor {
        return tidy(() => {
          const c = this.conv.forward(h);
          return add(c, relu(c));
        });
      }
    }
    for (const [model, want] of [[new TwoReaders(), ['conv2d', 'relu', 'add', 'reshape']], [new Shared(), ['conv2d', 'conv2dRelu', 'add', 'reshape']]] as const) {
      const imported = fromOnnx(toOnnx(model, opts));
      const names: string[] = [];
      const y = tidy(() => observeOps((e) => names.push(e.op), () => imported.forward(tensor(x, [3, 1, 28, 28])).toFloat32Array()));
      expect(names).toEqual(want);
      expect(maxAbsDiff(y, ourRun(model, x, [3, 1, 28, 28]))).toBeLessThanOrEqual(1e-6);
    }
    const lone = fromOnnx(toOnnx(new Conv2d(1, 2, 3), opts));
    const names: string[] = [];
    tidy(() => observeOps((e) => names.push(e.op), () => lone.forward(tensor(x, [3, 1, 28, 28]))));
    expect(names).toEqual(['conv2d', 'reshape']);
  });
});
