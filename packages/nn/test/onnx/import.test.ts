import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, tensor, tidy } from '@tapegrad/autograd';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { moduleToSafetensors, loadSafetensorsInto } from '../../src/io/module-safetensors.js';
import { crossEntropy } from '../../src/losses.js';
import { AdamW } from '../../src/optim/adam.js';
import type { Module } from '../../src/module.js';
import { loadOnnx, saveOnnx } from '../../src/node.js';
import { fromOnnx, OnnxModel, toOnnx } from '../../src/onnx/index.js';
import { type NodeProto, type TensorProto, onnx, floatTensor, int64Tensor } from '../../src/onnx/proto.js';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { hasData, withData, maxAbsDiff, ortRun, ourRun, testImages } from './helpers.js';
import { MODELS, cnn, warmBatchNorm } from './models.js';

const N = 100;
const shape = [N, 1, 28, 28];
const opts = { inputShape: [1, 1, 28, 28] };

describe('fromOnnx: export → import → export', () => {
  let images: Float32Array;
  beforeAll(() => {
    images = hasData ? testImages(N) : new Float32Array();
  });
  for (const [name, make] of MODELS) {
    withData.it(`${name}: the imported model gives the same logits (≤ 1e-5), its export runs under onnxruntime, and a second round trip writes the same bytes`, async () => {
      manualSeed(0);
      const model = make();
      warmBatchNorm(model, images);
      const bytes = toOnnx(model, opts);
      const imported = fromOnnx(bytes);
      const expected = ourRun(model, images, shape);
      // Same ops, possibly grouped differently (Gemm vs MatMul + Add): float32 rounding only.
      expect(maxAbsDiff(ourRun(imported, images, shape), expected)).toBeLessThanOrEqual(1e-5);
      // Parameters and buffers keep the state-dict names.
      expect([...imported.stateDict().keys()].sort()).toEqual([...model.stateDict().keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort());
      const again = toOnnx(imported, opts);
      expect(maxAbsDiff(await ortRun(again, images, shape), expected)).toBeLessThanOrEqual(1e-4);
      const third = toOnnx(fromOnnx(again), opts);
      expect(Buffer.from(third).equals(Buffer.from(again))).toBe(true);
      // Same op types and initializers as the first export.
      const types = (b: Uint8Array) => onnx.ModelProto.decode(b).graph!.node!.map((n) => n.opType).filter((t) => t !== 'Constant' && t !== 'Identity');
      expect(types(again)).toEqual(types(bytes));
      model.dispose();
      imported.dispose();
    });
  }
});

describe('fromOnnx: the imported model trains and saves', () => {
  withData.it('batch-norm CNN imported from ONNX trains step for step as the hand-built one (AdamW lr 1e-3, 256 train images, batch 16, 16 steps (one epoch): |Δloss| ≤ 1e-4 per step, mean loss of the last 4 steps < 75% of the first 4); its safetensors load into the hand-built model with the same logits', () => {
    manualSeed(0);
    const built = cnn({ batchNorm: true });
    const imported = fromOnnx(toOnnx(built, opts));
    const { images, labels } = loadFashionMnist({ split: 'train', limit: 256 });
    const run = (model: Module): number[] => {
      const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
      model.train();
      const losses: number[] = [];
      for (let s = 0; s < 16; s++) {
        const x = images.subarray(s * 16 * 784, (s + 1) * 16 * 784);
        const y = labels.subarray(s * 16, (s + 1) * 16);
        tidy(() => {
          const loss = crossEntropy(model.forward(tensor(x, [16, 1, 28, 28])), y);
          model.zeroGrad();
          loss.backward();
          opt.step();
          losses.push(loss.item());
        });
      }
      return losses;
    };
    const a = run(built);
    const b = run(imported);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4);
    const meanOf = (xs: number[]) => xs.reduce((u, v) => u + v, 0) / xs.length;
    expect(meanOf(b.slice(12))).toBeLessThan(0.75 * meanOf(b.slice(0, 4)));
    // Running statistics moved the same way (BatchNormalization trains as BatchNorm2d).
    expect(maxAbsDiff(imported.stateDict().get('1.running_var')!.toFloat32Array(), built.stateDict().get('1.running_var')!.toFloat32Array())).toBeLessThanOrEqual(1e-5);
    const fresh = cnn({ batchNorm: true });
    loadSafetensorsInto(fresh, moduleToSafetensors(imported), 'imported.safetensors');
    const x = images.subarray(0, 16 * 784);
    expect(maxAbsDiff(ourRun(fresh, x, [16, 1, 28, 28]), ourRun(imported, x, [16, 1, 28, 28]))).toBeLessThanOrEqual(1e-5);
  }, 240_000); // two CNNs trained side by side on the reference backend: ~50 s alone, more on a shared machine
});

/** A model of `node` (or nodes, in order) with the given initializers, for error cases. */
function modelBytes(node: NodeProto | NodeProto[], initializer: TensorProto[] = [], opset = 13): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } });
  return onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'g', node: Array.isArray(node) ? node : [node], initializer, input: [vi('x')], output: [vi('y')] },
  }).finish();
}

describe('fromOnnx: errors name the file, the node and what is wrong', () => {
  it('a file that is not ONNX, or has no graph, is a DataError naming the source', () => {
    expect(() => fromOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), 'junk.onnx')).toThrow(DataError);
    expect(() => fromOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), 'junk.onnx')).toThrow(/^junk\.onnx: not a valid ONNX file \(protobuf decoding failed/);
    expect(() => fromOnnx(new TextEncoder().encode('hello'), 'hello.onnx')).toThrow(/hello\.onnx: /);
    expect(() => fromOnnx(new Uint8Array(0), 'empty.onnx')).toThrow(/empty\.onnx: the file has no graph/);
    const good = toOnnx(cnn(), opts);
    expect(() => fromOnnx(good.subarray(0, good.length - 1000), 'cut.onnx')).toThrow(/^cut\.onnx: /);
  });

  it('an unsupported operator, opset or data type names it and the node', () => {
    expect(() => fromOnnx(modelBytes({ name: 'lstm_1', opType: 'LSTM', input: ['x'], output: ['y'] }), 'm.onnx')).toThrow(/m\.onnx: node 'lstm_1' \(LSTM\): operator LSTM is not supported \(supported: .*Conv.*\)/);
    expect(() => fromOnnx(modelBytes({ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }, [], 10), 'm.onnx')).toThrow(/m\.onnx: opset 10 is not supported \(import reads opsets 11–17\)/);
    expect(() => fromOnnx(modelBytes({ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }, [], 18), 'm.onnx')).toThrow(/opset 18 is not supported/);
    const int8: TensorProto = { name: 'w', dims: [4], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(4) };
    expect(() => fromOnnx(modelBytes({ name: 'add_1', opType: 'Add', input: ['x', 'w'], output: ['y'] }, [int8]), 'm.onnx')).toThrow(/m\.onnx: initializer 'w': data type INT8 is not supported .* \(used by node 'add_1' \(Add\)\)/);
    expect(() => fromOnnx(modelBytes({ name: 'a', opType: 'Relu', domain: 'com.microsoft', input: ['x'], output: ['y'] }), 'm.onnx')).toThrow(/node 'a' \(Relu\) is in domain 'com\.microsoft'/);
    expect(() => fromOnnx(modelBytes({ name: 'a', opType: 'Add', input: ['x', 'nowhere'], output: ['y'] }), 'm.onnx')).toThrow(/node 'a' \(Add\) reads 'nowhere', which no earlier node/);
    const short = floatTensor('w', [4], new Float32Array(4));
    short.rawData = short.rawData!.subarray(0, 12);
    expect(() => fromOnnx(modelBytes({ name: 'a', opType: 'Add', input: ['x', 'w'], output: ['y'] }, [short]), 'm.onnx')).toThrow(/initializer 'w': raw_data holds 12 bytes but dims \[4\] need 16/);
  });

  it('an unsupported attribute is an error at run time naming the node; a wrong input shape names the graph input', () => {
    const m = fromOnnx(modelBytes({ name: 'pool', opType: 'MaxPool', input: ['x'], output: ['y'], attribute: [{ name: 'kernel_shape', type: 7, ints: [2, 2] }, { name: 'ceil_mode', type: 2, i: 1 }] }));
    expect(() => m.forward(tensor(new Float32Array(8), [2, 4]))).toThrow(/OnnxModel: node 'pool' \(MaxPool\): only 2-D pooling is supported/);
    const r = fromOnnx(modelBytes({ name: 'rs', opType: 'Reshape', input: ['x', 's'], output: ['y'] }, [int64Tensor('s', [2], [0, -1])]));
    expect(r.forward(tensor(new Float32Array(8), [2, 4])).shape).toEqual([2, 4]);
    expect(() => r.forward(tensor(new Float32Array(6), [2, 3]))).toThrow(/OnnxModel: input \[2,3\] does not match the graph input 'x' \[\?,4\]/);
  });

  it('ArgMax / GatherElements / Cast: unsupported attribute values and bad indices are errors naming the node and the attribute or value', () => {
    const attr = (name: string, i: number) => ({ name, type: 2, i });
    const x = tensor(Float32Array.from([1, 5, 5, 2, 0, -1, 3, 2]), [2, 4]);
    const argMax = (...attribute: ReturnType<typeof attr>[]) => fromOnnx(modelBytes({ name: 'am', opType: 'ArgMax', input: ['x'], output: ['y'], attribute }));
    expect(() => argMax(attr('axis', 1), attr('select_last_index', 1)).forward(x)).toThrow(/^OnnxModel: node 'am' \(ArgMax\): attribute select_last_index=1 is not supported \(tapegrad's argmax and argmin pick the first index on ties/);
    expect(() => argMax(attr('axis', 1), attr('keepdims', 2)).forward(x)).toThrow(/^OnnxModel: node 'am' \(ArgMax\): attribute keepdims must be 0 or 1, got 2$/);
    expect(() => argMax(attr('axis', 2)).forward(x)).toThrow(/^OnnxModel: node 'am' \(ArgMax\): axis 2 is out of range for rank 2$/);
    // The defaults (axis 0, keepdims 1) and a negative axis; the first index on ties (2, 2 down column 3; 5, 5 along row 0).
    expect(Array.from(argMax().forward(x).toArray())).toEqual([0, 0, 0, 0]);
    expect(argMax().forward(x).shape).toEqual([1, 4]);
    expect(Array.from(argMax(attr('axis', -1), attr('keepdims', 0)).forward(x).toArray())).toEqual([1, 2]);
    // GatherElements: negative constant indices count from the end of the axis; out of range names the value.
    const ge = (idx: number[]) => fromOnnx(modelBytes({ name: 'ge', opType: 'GatherElements', input: ['x', 'i'], output: ['y'], attribute: [attr('axis', 1)] }, [int64Tensor('i', [2, 2], idx)]));
    expect(Array.from(ge([-1, 0, 1, -4]).forward(x).toArray())).toEqual([2, 1, -1, 0]);
    // Computed negative indices: ArgMax − 4 (in [−4, −1]) through Cast, the same picks as ArgMax itself.
    const computed = fromOnnx(modelBytes([
      { name: 'am', opType: 'ArgMax', input: ['x'], output: ['i'], attribute: [attr('axis', 1)] },
      { name: 'f', opType: 'Cast', input: ['i'], output: ['fi'], attribute: [attr('to', 1)] },
      { name: 's', opType: 'Sub', input: ['fi', 'four'], output: ['neg'] },
      { name: 'n', opType: 'Cast', input: ['neg'], output: ['ni'], attribute: [attr('to', 7)] },
      { name: 'ge', opType: 'GatherElements', input: ['x', 'ni'], output: ['y'], attribute: [attr('axis', 1)] },
    ], [floatTensor('four', [], Float32Array.of(4))]));
    expect(Array.from(computed.forward(x).toArray())).toEqual([5, 3]);
    expect(() => ge([4, 0, 0, 0]).forward(x)).toThrow(/^OnnxModel: node 'ge' \(GatherElements\): gather: index value 4 at flat position 0 is out of range for dim 1 of size 4/);
    // Cast of computed values to INT64: whole numbers pass; a fraction (ONNX would truncate) is refused.
    const cast = fromOnnx(modelBytes({ name: 'c', opType: 'Cast', input: ['x'], output: ['y'], attribute: [attr('to', 7)] }));
    expect(Array.from(cast.forward(x).toArray())).toEqual([1, 5, 5, 2, 0, -1, 3, 2]);
    expect(() => cast.forward(tensor([1, 2.5, 3, 4], [1, 4]))).toThrow(/^OnnxModel: node 'c' \(Cast\): casting computed float values to integers is supported only for whole numbers \(as indices from ArgMax\), got 2\.5 at flat position 1$/);
  });

  it('loadOnnx names a missing file; saveOnnx writes a file loadOnnx reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-onnx-'));
    try {
      expect(() => loadOnnx(join(dir, 'missing.onnx'))).toThrow(/missing\.onnx: cannot read ONNX file \(ENOENT\)/);
      writeFileSync(join(dir, 'bad.onnx'), 'not onnx at all');
      expect(() => loadOnnx(join(dir, 'bad.onnx'))).toThrow(DataError);
      manualSeed(3);
      const model = cnn();
      saveOnnx(model, join(dir, 'cnn.onnx'), opts);
      const back = loadOnnx(join(dir, 'cnn.onnx'));
      expect(back).toBeInstanceOf(OnnxModel);
      const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 13) / 13);
      expect(maxAbsDiff(ourRun(back, x, [2, 1, 28, 28]), ourRun(model, x, [2, 1, 28, 28]))).toBeLessThanOrEqual(1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
