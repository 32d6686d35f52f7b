import { add, bceWithLogits, Generator, manualSeed, memory, mseLoss, type Tensor, tensor } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import { DataLoader, type TupleBatch } from '../src/data/data-loader.js';
import { ArrayDataset, randomSplit, Subset } from '../src/data/dataset.js';
import { TensorDataset } from '../src/data/tensor-dataset.js';
import { Linear } from '../src/layers/linear.js';
import { Sequential } from '../src/layers/sequential.js';
import { Flatten, ReLU } from '../src/layers/simple.js';
import { Module } from '../src/module.js';
import { Adam } from '../src/optim/adam.js';
import { SGD } from '../src/optim/sgd.js';
import { EarlyStopping } from '../src/train/early-stopping.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';
import type { Transform } from '../src/transforms/transform.js';

const now = () => 0;
/** Mirrors every row of a [C, H, W] image (deterministic, so the test knows the result). */
const flip: Transform = (img, [c, h, w]) => {
  const out = new Float32Array(img.length);
  for (let p = 0; p < c * h; p++) for (let j = 0; j < w; j++) out[p * w + j] = img[p * w + w - 1 - j]!;
  return out;
};
const bits = (t: Tensor) => Array.from(new Uint32Array(t.toFloat32Array().buffer));
const weightBits = (m: Module) => [...m.stateDict()].map(([k, t]) => [k, bits(t)]);

/** x [n, 3] with row i = (i, 10i, 100i); y Int32Array [n] with y[i] = i. */
function indexed(n: number): { x: Tensor; y: Int32Array } {
  const x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) x.set([i, 10 * i, 100 * i], 3 * i);
  return { x: tensor(x, [n, 3]), y: Int32Array.from({ length: n }, (_, i) => i) };
}

describe('TensorDataset', () => {
  it('(x [5,3] tensor, y Int32Array [5], w Float32Array [5]): get(2) is the three rows, fields float32 [3], int32 [], float32 []', () => {
    const { x, y } = indexed(5);
    const w = Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5]);
    const ds = new TensorDataset(x, y, w);
    expect(ds.length).toBe(5);
    expect(ds.fields).toEqual([{ shape: [3], dtype: 'float32' }, { shape: [], dtype: 'int32' }, { shape: [], dtype: 'float32' }]);
    const [xi, yi, wi] = ds.get(2);
    expect(Array.from(xi!)).toEqual([2, 20, 200]);
    expect(yi).toBeInstanceOf(Int32Array);
    expect(Array.from(yi!)).toEqual([2]);
    expect(Array.from(wi!)).toEqual([2.5]);
    x.dispose(); // the values were copied at construction
    expect(Array.from(ds.get(4)[0]!)).toEqual([4, 40, 400]);
    expect(() => ds.get(5)).toThrow(/TensorDataset.get: index 5 out of range \[0, 5\)/);
  });

  it('a [4,2,3,3] image tensor keeps its sample shape [2,3,3]', () => {
    const data = Float32Array.from({ length: 4 * 18 }, (_, i) => i);
    const ds = new TensorDataset(tensor(data, [4, 2, 3, 3]));
    expect(ds.fields).toEqual([{ shape: [2, 3, 3], dtype: 'float32' }]);
    expect(Array.from(ds.get(3)[0]!)).toEqual(Array.from(data.subarray(54, 72)));
  });

  it('errors: first dims 5 vs 4 (both shapes named), a scalar tensor, a plain array, no arguments', () => {
    const { x } = indexed(5);
    expect(() => new TensorDataset(x, Int32Array.of(1, 2, 3, 4))).toThrow(
      'TensorDataset: size mismatch between tensors: every first dimension must be equal, got 5 (argument 0, shape [5, 3]), 4 (argument 1, shape [4])',
    );
    expect(() => new TensorDataset(tensor([1], []))).toThrow(/tensor 0 is a scalar \(shape \[\]\)/);
    expect(() => new TensorDataset(x, [1, 2, 3, 4, 5] as unknown as Int32Array)).toThrow(/argument 1 must be a Tensor, a Float32Array or an Int32Array, got an array of 5/);
    expect(() => new TensorDataset()).toThrow('TensorDataset: needs at least one tensor');
  });
});

describe('DataLoader over a TensorDataset', () => {
  it('N=10 B=4 shuffle seed 1: batches [4,4,2] of fields x [b,3] and y [b]; every row once; the same order as an ArrayDataset loader with that seed', () => {
    const { x, y } = indexed(10);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 4, shuffle: true, seed: 1 });
    // Copies as it goes: a batch's arrays are reused by the next one.
    const batches: TupleBatch[] = Array.from(loader, (b) => ({ ...b, fields: b.fields.map((f) => f.slice()) }));
    expect(batches.map((b) => b.shapes)).toEqual([[[4, 3], [4]], [[4, 3], [4]], [[2, 3], [2]]]);
    const seen: number[] = [];
    for (const b of batches) {
      const [xb, yb] = b.fields as [Float32Array, Int32Array];
      expect(yb).toBeInstanceOf(Int32Array);
      for (let k = 0; k < b.size; k++) {
        expect(Array.from(xb.subarray(3 * k, 3 * k + 3))).toEqual([yb[k], 10 * yb[k]!, 100 * yb[k]!]);
        seen.push(yb[k]!);
      }
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const images = new ArrayDataset(new Float32Array(10), y, [1, 1, 1]);
    const ref = Array.from(new DataLoader(images, { batchSize: 4, shuffle: true, seed: 1 }), (b) => Array.from(b.labels));
    expect(batches.map((b) => Array.from(b.fields[1]!))).toEqual(ref);
    // The next epoch is a different permutation.
    expect(Array.from(loader, (b) => Array.from(b.fields[1]!))).not.toEqual(ref);
  });

  it('dropLast, setState mid-epoch: resumes with the same batches', () => {
    const { x, y } = indexed(10);
    const ds = new TensorDataset(x, y);
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7, dropLast: true });
    expect(a.length).toBe(3);
    const full = Array.from(a, (b) => Array.from(b.fields[1]!));
    expect(full.map((b) => b.length)).toEqual([3, 3, 3]);
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7, dropLast: true });
    b.setState({ epoch: 0, batch: 1 });
    expect(Array.from(b, (bb) => Array.from(bb.fields[1]!))).toEqual(full.slice(1));
  });

  it('transform on an image field [1,2,2] is applied per sample (seeded); on a [3] field it is an error naming the field', () => {
    const n = 6;
    const img = Float32Array.from({ length: n * 4 }, (_, i) => i);
    const ds = new TensorDataset(tensor(img, [n, 1, 2, 2]), Int32Array.from({ length: n }, (_, i) => i));
    const plain = new DataLoader(ds, { batchSize: 6 });
    const flipped = new DataLoader(ds, { batchSize: 6, transform: flip });
    const p = [...plain][0]!.fields[0]!.slice();
    const f = [...flipped][0]!.fields[0]!;
    for (let k = 0; k < n; k++) expect(Array.from(f.subarray(4 * k, 4 * k + 4))).toEqual([p[4 * k + 1], p[4 * k], p[4 * k + 3], p[4 * k + 2]]);
    expect(() => new DataLoader(new TensorDataset(indexed(3).x), { batchSize: 2, transform: flip })).toThrow(
      'DataLoader: transform needs images, but the first field of the samples is float32 [3], not float32 [C, H, W]',
    );
  });

  it('randomSplit / Subset of a TensorDataset are tuple datasets: disjoint rows, fields kept, a loader batches them', () => {
    const { x, y } = indexed(10);
    const [tr, va] = randomSplit(new TensorDataset(x, y), [7, 3], 0);
    expect(tr!.fields).toEqual([{ shape: [3], dtype: 'float32' }, { shape: [], dtype: 'int32' }]);
    expect(tr!.shape).toBeUndefined();
    const labels = [...Array.from({ length: 7 }, (_, i) => tr!.get(i)[1]![0]!), ...Array.from({ length: 3 }, (_, i) => va!.get(i)[1]![0]!)];
    expect([...labels].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const batch = [...new DataLoader(va!, { batchSize: 3 })][0]!;
    expect(batch.shapes).toEqual([[3, 3], [3]]);
    expect(Array.from(batch.fields[1]!)).toEqual(Array.from(va!.indices));
    const sub = new Subset(new ArrayDataset(new Float32Array(8), Int32Array.of(0, 1), [1, 2, 2]), Int32Array.of(1));
    expect(sub.shape).toEqual([1, 2, 2]);
    expect(sub.get(0).label).toBe(1);
  });
});

/** y = x·[2, −1, 0.5] + 0.3 + N(0, 0.1²), x ~ N(0, 1) [n, 3]. */
function regression(n: number, seed: number): TensorDataset {
  const g = new Generator(seed);
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.3;
    for (let j = 0; j < 3; j++) {
      x[3 * i + j] = g.normal(0, 1);
      s += [2, -1, 0.5][j]! * x[3 * i + j]!;
    }
    y[i] = s + g.normal(0, 0.1);
  }
  return new TensorDataset(tensor(x, [n, 3]), tensor(y, [n, 1]));
}

describe('fit on tuple datasets', () => {
  it('linear regression x [256,3] → y [256,1], Linear(3,1), SGD lr 0.05, mseLoss, 20 epochs: weights within 0.05 of [2, −1, 0.5], bias of 0.3; valLoss near the noise variance 0.01; accuracies NaN', () => {
    manualSeed(0);
    const model = new Linear(3, 1);
    const history = fit(model, new SGD(model.parameters(), { lr: 0.05 }), {
      trainLoader: new DataLoader(regression(256, 1), { batchSize: 16, shuffle: true, seed: 0 }),
      validation: regression(128, 2),
      epochs: 20,
      loss: mseLoss,
      now,
    });
    const w = model.weight.toFloat32Array();
    [2, -1, 0.5].forEach((v, j) => expect(Math.abs(w[j]! - v)).toBeLessThan(0.05));
    expect(Math.abs(model.bias!.toFloat32Array()[0]! - 0.3)).toBeLessThan(0.05);
    // The first epoch starts from an untrained model (E[y²] ≈ 5.3); the last must be at the noise floor.
    expect(history[0]!.trainLoss).toBeGreaterThan(0.2);
    expect(history[19]!.valLoss!).toBeLessThan(0.015);
    expect(history[19]!.valLoss!).toBeGreaterThan(0.005);
    expect(history[19]!.trainAccuracy).toBeNaN();
    expect(history[19]!.valAccuracy).toBeNaN();
    const r = evaluate(model, regression(128, 2), { loss: mseLoss });
    expect(r.loss).toBe(history[19]!.valLoss);
    expect(r.accuracy).toBeNaN();
    expect(r.logits).toHaveLength(128);
  });

  it('binary classification with bceWithLogits on float targets [N,1]: the loss falls below a third of epoch 1; early stopping on valLoss works, on valAccuracy is an error', () => {
    manualSeed(0);
    const g = new Generator(3);
    const n = 128;
    const x = Float32Array.from({ length: 2 * n }, () => g.normal(0, 1));
    const y = Float32Array.from({ length: n }, (_, i) => (x[2 * i]! + x[2 * i + 1]! > 0 ? 1 : 0));
    const ds = new TensorDataset(tensor(x, [n, 2]), tensor(y, [n, 1]));
    const model = new Linear(2, 1);
    const opts = { trainLoader: new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1 }), validation: ds, epochs: 15, loss: bceWithLogits, now };
    const es = new EarlyStopping({ patience: 2, monitor: 'valLoss' });
    const history = fit(model, new Adam(model.parameters(), { lr: 0.05 }), { ...opts, callbacks: [es] });
    expect(history.at(-1)!.trainLoss).toBeLessThan(history[0]!.trainLoss / 3);
    expect(() => fit(model, new Adam(model.parameters()), { ...opts, callbacks: [new EarlyStopping({ patience: 2 })] })).toThrow(
      "EarlyStopping: valAccuracy is NaN because the targets are not class indices; use { monitor: 'valLoss' }",
    );
  });

  it('a model with forward(a, b) on TensorDataset(a [N,2], b [N,2], y int): the default crossEntropy trains it to ≥ 0.95 accuracy', () => {
    class Two extends Module {
      fa = new Linear(2, 2);
      fb = new Linear(2, 2);
      forward(a: Tensor, b: Tensor) {
        return add(this.fa.forward(a), this.fb.forward(b));
      }
    }
    manualSeed(0);
    const g = new Generator(5);
    const n = 128;
    const a = Float32Array.from({ length: 2 * n }, () => g.normal(0, 1));
    const b = Float32Array.from({ length: 2 * n }, () => g.normal(0, 1));
    const y = Int32Array.from({ length: n }, (_, i) => (a[2 * i]! - b[2 * i + 1]! > 0 ? 1 : 0));
    const ds = new TensorDataset(tensor(a, [n, 2]), tensor(b, [n, 2]), y);
    const model = new Two();
    const history = fit(model, new Adam(model.parameters(), { lr: 0.05 }), { trainLoader: new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 2 }), validation: ds, epochs: 15, now });
    expect(history.at(-1)!.valAccuracy!).toBeGreaterThanOrEqual(0.95);
    expect(evaluate(model, ds).accuracy).toBe(history.at(-1)!.valAccuracy);
  });

  it('images [32,1,2,2] + labels as a TensorDataset train bit-identically to the same ArrayDataset; live tensors stay flat', () => {
    const n = 32;
    const g = new Generator(1);
    const images = Float32Array.from({ length: n * 4 }, () => g.normal(0, 1));
    const labels = Int32Array.from({ length: n }, (_, i) => (images[4 * i]! > 0 ? 1 : 0));
    const run = (ds: ArrayDataset | TensorDataset) => {
      manualSeed(0);
      const model = new Sequential([new Flatten(), new Linear(4, 8), new ReLU(), new Linear(8, 2)]);
      const history = fit(model, new Adam(model.parameters(), { lr: 0.01 }), { trainLoader: new DataLoader(ds, { batchSize: 8, shuffle: true, seed: 4 }), epochs: 3, now });
      return { history, weights: weightBits(model) };
    };
    const t = tensor(images, [n, 1, 2, 2]);
    const tensorDs = new TensorDataset(t, labels);
    t.dispose();
    const before = memory();
    const a = run(new ArrayDataset(images, labels, [1, 2, 2]));
    const after = memory();
    const b = run(tensorDs);
    expect(b.weights).toEqual(a.weights);
    expect(b.history).toEqual(a.history);
    // The second run leaves behind exactly what the first did (its model and optimizer state).
    expect(memory().tensors - after.tensors).toBe(after.tensors - before.tensors);
  });

  it('validation as an ArrayDataset gives exactly the valLoss/valAccuracy of validation as { images, labels }; evaluate(model, dataset) equals evaluate(model, images, labels, shape)', () => {
    const n = 24;
    const g = new Generator(2);
    const images = Float32Array.from({ length: n * 4 }, () => g.normal(0, 1));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const ds = new ArrayDataset(images, labels, [1, 2, 2]);
    const run = (validation: ArrayDataset | { images: Float32Array; labels: Int32Array }) => {
      manualSeed(0);
      const model = new Sequential([new Flatten(), new Linear(4, 3)]);
      return fit(model, new SGD(model.parameters(), { lr: 0.1 }), { trainLoader: new DataLoader(ds, { batchSize: 5 }), validation, epochs: 2, now });
    };
    const viaArrays = run({ images, labels });
    expect(run(ds)).toEqual(viaArrays);
    expect(viaArrays[1]!.valLoss).toBeGreaterThan(0);
    manualSeed(1);
    const model = new Sequential([new Flatten(), new Linear(4, 3)]);
    const r1 = evaluate(model, ds, { batchSize: 7 });
    const r2 = evaluate(model, images, labels, [1, 2, 2], { batchSize: 7 });
    expect(r1.loss).toBe(r2.loss);
    expect(r1.accuracy).toBe(r2.accuracy);
    expect(Array.from(r1.predictions)).toEqual(Array.from(r2.predictions));
    expect(Array.from(r1.logits)).toEqual(Array.from(r2.logits));
  });

  it('errors: float targets with the default loss, a one-field dataset, loss and lossFn together, { images, labels } validation with tuple training samples', () => {
    const model = new Linear(3, 1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const loader = new DataLoader(regression(8, 0), { batchSize: 4 });
    expect(() => fit(model, opt, { trainLoader: loader, epochs: 1 })).toThrow(
      'fit: the targets (the samples\' last field) are float32 [1], but the default loss, crossEntropy, needs integer class indices (an Int32Array field); pass a loss, e.g. { loss: mseLoss } or { loss: bceWithLogits }',
    );
    expect(() => evaluate(model, regression(8, 0))).toThrow(/^evaluate: the targets .* are float32 \[1\]/);
    expect(() => fit(model, opt, { trainLoader: new DataLoader(new TensorDataset(indexed(4).x), { batchSize: 2 }), epochs: 1, loss: mseLoss })).toThrow(
      'fit: the samples have 1 field; training and evaluation need inputs and a target (e.g. new TensorDataset(x, y))',
    );
    expect(() => fit(model, opt, { trainLoader: loader, epochs: 1, loss: mseLoss, lossFn: (o) => mseLoss(o, o) })).toThrow('fit: give either loss or lossFn (its former name), not both');
    expect(() => fit(model, opt, { trainLoader: loader, epochs: 1, loss: mseLoss, validation: { images: new Float32Array(3), labels: [0] } })).toThrow(
      /^fit: validation as \{ images, labels \} arrays needs a labelled-image training dataset/,
    );
  });
});
