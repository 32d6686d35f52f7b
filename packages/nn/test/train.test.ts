import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, manualSeed, memory, type Tensor } from '@tapegrad/autograd';
import { afterAll, describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { DataLoader } from '../src/data/data-loader.js';
import { ArrayDataset } from '../src/data/dataset.js';
import { DataError } from '../src/errors.js';
import { loadSafetensors, saveSafetensors } from '../src/io/module-safetensors-node.js';
import { readSafetensorsFile } from '../src/io/safetensors-node.js';
import { BatchNorm1d, BatchNorm2d } from '../src/layers/batch-norm.js';
import { Conv2d } from '../src/layers/conv.js';
import { Linear } from '../src/layers/linear.js';
import { Sequential } from '../src/layers/sequential.js';
import { MaxPool2d } from '../src/layers/pool.js';
import { Dropout, Flatten, ReLU } from '../src/layers/simple.js';
import { Residual } from '../src/layers/residual.js';
import type { Module } from '../src/module.js';
import { Adam } from '../src/optim/adam.js';
import { StepLR } from '../src/optim/lr-scheduler.js';
import { SGD } from '../src/optim/sgd.js';
import type { Callback, EpochLogs } from '../src/train/callbacks.js';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint-node.js';
import { EarlyStopping } from '../src/train/early-stopping.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit, TrainingError } from '../src/train/fit.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE = [1, 2, 2] as const;
/** A fixed clock: no test depends on timing. */
const now = () => 0;

/**
 * Two separable classes of [1,2,2] "images": class 0 is (+1,−1,+1,−1) + noise, class 1 is the
 * negation, noise N(0, 0.3²). Labels alternate so every batch has both.
 */
function blobs(n: number, seed: number): { images: Float32Array; labels: Int32Array } {
  const g = new Generator(seed);
  const images = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  const proto = [1, -1, 1, -1];
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const sgn = i % 2 === 0 ? 1 : -1;
    for (let k = 0; k < 4; k++) images[i * 4 + k] = sgn * proto[k]! + g.normal(0, 0.3);
  }
  return { images, labels };
}

const mlp = (dropout = 0): Sequential =>
  new Sequential([new Flatten(), new Linear(4, 16), new ReLU(), ...(dropout ? [new Dropout(dropout)] : []), new Linear(16, 2)]);

const bits = (t: Tensor) => Array.from(new Uint32Array(t.toFloat32Array().buffer));
const weightBits = (m: Module) => new Map([...m.stateDict()].map(([k, t]) => [k, bits(t)]));

describe('fit', () => {
  it('2-class blobs [1,2,2], n=128, batch 16, MLP 4-16-2, SGD lr=0.1 momentum=0.9, 5 epochs: loss falls below 1/4 of epoch 1 and accuracy reaches ≥ 0.95', () => {
    manualSeed(0);
    const { images, labels } = blobs(128, 1);
    const loader = new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 16, shuffle: true, seed: 3 });
    const model = mlp();
    const batches: number[] = [];
    const history = fit(model, new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), {
      trainLoader: loader,
      epochs: 5,
      now,
      callbacks: [{ onBatchEnd: (l) => batches.push(l.loss) }],
    });
    expect(history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toHaveLength(5 * 8);
    // Chance level is ln 2 ≈ 0.69; the classes are ~6σ apart, so the loss must collapse.
    expect(history[4]!.trainLoss).toBeLessThan(history[0]!.trainLoss / 4);
    expect(history[4]!.trainAccuracy).toBeGreaterThanOrEqual(0.95);
    const test = blobs(64, 2);
    expect(evaluate(model, test.images, test.labels, SHAPE).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('NaN in example 20 (batch size 8, no shuffle): TrainingError naming epoch 1, batch 3 of 4', () => {
    manualSeed(0);
    const { images, labels } = blobs(32, 1);
    images[20 * 4 + 1] = NaN;
    const model = mlp();
    const loader = new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 8 });
    const run = () => fit(model, new SGD(model.parameters(), { lr: 0.1 }), { trainLoader: loader, epochs: 2, now });
    expect(run).toThrow(TrainingError);
    loader.setState({ epoch: 0, batch: 0 });
    expect(run).toThrow(/loss became NaN at epoch 1, batch 3 of 4/);
  });

  it('SGD lr=1e30 on blobs: the loss overflows and fit stops with a TrainingError naming the epoch and batch', () => {
    manualSeed(0);
    const { images, labels } = blobs(64, 1);
    const model = mlp();
    const loader = new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 8 });
    expect(() => fit(model, new SGD(model.parameters(), { lr: 1e30 }), { trainLoader: loader, epochs: 3, now })).toThrow(
      /^fit: the loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+ of 8/,
    );
  });

  it('StepLR(stepSize=1, gamma=0.5) passed to fit with lr 0.1: epoch logs show lr 0.1, 0.05, 0.025 (the lr used in that epoch)', () => {
    manualSeed(0);
    const { images, labels } = blobs(32, 1);
    const model = mlp();
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const history = fit(model, opt, {
      trainLoader: new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 8 }),
      epochs: 3,
      scheduler: new StepLR(opt, 1, 0.5),
      now,
    });
    expect(history.map((h) => h.lr)).toEqual([0.1, 0.05, 0.025]);
    expect(history).toAllSatisfy((h) => Number.isFinite(h.trainLoss));
  });
});

/** Overwrites valAccuracy/valLoss with a script, so early stopping sees exactly these values. */
function scripted(metric: 'valAccuracy' | 'valLoss', values: number[], snapshots: Array<Map<string, number[]>>): Callback {
  return {
    onEpochEnd(logs: EpochLogs, ctx) {
      logs[metric] = values[logs.epoch - 1]!;
      snapshots.push(weightBits(ctx.model));
    },
  };
}

describe('memory', () => {
  it('Conv2d-BatchNorm2d-Residual(projection)-MaxPool-Dropout-Linear on [1,4,4], Adam (l1, wd) then SGD (momentum, l1): live tensors and bytes are flat across 3 more epochs with validation, early stopping and evaluate', () => {
    manualSeed(0);
    const n = 32;
    const images = new Float32Array(n * 16).map((_, i) => Math.sin(i));
    const labels = new Int32Array(n).map((_, i) => i % 2);
    const model = new Sequential([
      new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), Residual.withProjection(new Conv2d(4, 6, 3, { padding: 1 }), 4, 6),
      new MaxPool2d(2), new Flatten(), new Dropout(0.2), new Linear(24, 2),
    ]);
    for (const opt of [new Adam(model.parameters(), { l1: 1e-3, weightDecay: 1e-2 }), new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, l1: 1e-3 })]) {
      const loader = new DataLoader(new ArrayDataset(images, labels, [1, 4, 4]), { batchSize: 8 });
      const validation = { images: images.slice(0, 8 * 16), labels: labels.slice(0, 8) };
      // The first epoch creates the optimizer state; after it nothing more may stay alive.
      fit(model, opt, { trainLoader: loader, epochs: 1, validation, now });
      const m0 = memory();
      fit(model, opt, { trainLoader: loader, epochs: 3, validation, now, callbacks: [new EarlyStopping({ patience: 5, restoreBestWeights: true })] });
      evaluate(model, images, labels, [1, 4, 4]);
      expect(memory()).toEqual(m0);
    }
  });
});

describe('EarlyStopping', () => {
  const setup = () => {
    manualSeed(0);
    const train = blobs(32, 1);
    const val = blobs(16, 2);
    const model = mlp();
    return {
      model,
      opt: new SGD(model.parameters(), { lr: 0.05 }),
      loader: new DataLoader(new ArrayDataset(train.images, train.labels, SHAPE), { batchSize: 8, shuffle: true, seed: 1 }),
      validation: val,
    };
  };

  it('patience=2 on valAccuracy [0.5, 0.7, 0.6, 0.65, 0.9, …]: stops after epoch 4 (2 epochs without improvement); restoreBestWeights puts back epoch 2', () => {
    const { model, opt, loader, validation } = setup();
    const snaps: Array<Map<string, number[]>> = [];
    const es = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const history = fit(model, opt, {
      trainLoader: loader, epochs: 10, validation, now,
      callbacks: [scripted('valAccuracy', [0.5, 0.7, 0.6, 0.65, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], snaps), es],
    });
    expect(history).toHaveLength(4);
    expect(es.bestEpoch).toBe(2);
    expect(es.best).toBe(0.7);
    expect(es.stoppedEpoch).toBe(4);
    const restored = weightBits(model);
    expect(restored).toEqual(snaps[1]);
    // The weights did change after epoch 2, so restoring them is visible.
    expect(snaps[3]).not.toEqual(snaps[1]);
  });

  it('patience=1, monitor valLoss [1.0, 0.8, 0.8, …] with minDelta 0: equal is not better, stops after epoch 3; without restoreBestWeights the last weights stay', () => {
    const { model, opt, loader, validation } = setup();
    const snaps: Array<Map<string, number[]>> = [];
    const es = new EarlyStopping({ patience: 1, monitor: 'valLoss' });
    const history = fit(model, opt, {
      trainLoader: loader, epochs: 10, validation, now,
      callbacks: [scripted('valLoss', [1.0, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], snaps), es],
    });
    expect(history).toHaveLength(3);
    expect(es.bestEpoch).toBe(2);
    expect(weightBits(model)).toEqual(snaps[2]);
  });

  it('patience=3, minDelta=0.05 on valAccuracy [0.5, 0.52, 0.54, 0.545, 0.6]: gains under minDelta do not count, stops after epoch 4', () => {
    const { model, opt, loader, validation } = setup();
    const es = new EarlyStopping({ patience: 3, minDelta: 0.05 });
    const history = fit(model, opt, {
      trainLoader: loader, epochs: 10, validation, now,
      callbacks: [scripted('valAccuracy', [0.5, 0.52, 0.54, 0.545, 0.6, 0.7, 0.8, 0.9, 0.95, 1], []), es],
    });
    expect(history).toHaveLength(4);
    expect(es.bestEpoch).toBe(1);
  });

  it('without a validation set EarlyStopping says valAccuracy is unavailable', () => {
    const { model, opt, loader } = setup();
    expect(() => fit(model, opt, { trainLoader: loader, epochs: 2, now, callbacks: [new EarlyStopping({ patience: 1 })] })).toThrow(
      /valAccuracy is not available; pass a validation set/,
    );
  });
});

describe('evaluate', () => {
  it('MLP with Dropout(0.5) on 40 blobs, batchSize 16: runs in eval mode (deterministic), restores train mode, and loss/accuracy match a hand computation from the logits', () => {
    manualSeed(0);
    const { images, labels } = blobs(40, 5);
    const model = mlp(0.5);
    const modes: boolean[] = [];
    model.registerForwardHook((m) => modes.push(m.training));
    model.train();
    const r = evaluate(model, images, labels, SHAPE, { batchSize: 16 });
    expect(modes).toEqual([false, false, false]);
    expect(model.training).toBe(true);
    expect(model.namedModules()).toAllSatisfy(([, m]) => m.training);
    // Eval mode: dropout is off, so a second evaluation gives the same logits bit for bit.
    expect(evaluate(model, images, labels, SHAPE, { batchSize: 7 }).logits).toEqual(r.logits);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < 40; i++) {
      const [a, b] = [r.logits[2 * i]!, r.logits[2 * i + 1]!];
      const lse = Math.max(a, b) + Math.log(Math.exp(a - Math.max(a, b)) + Math.exp(b - Math.max(a, b)));
      loss += lse - (labels[i] === 0 ? a : b);
      const pred = b > a ? 1 : 0;
      expect(r.predictions[i]).toBe(pred);
      if (pred === labels[i]) correct++;
    }
    // float32 log-softmax of logits of order 1, summed over 40 examples.
    expect(Math.abs(r.loss - loss / 40)).toBeLessThan(40 * 16 * 2 ** -24);
    expect(r.accuracy).toBe(correct / 40);
    model.eval();
    evaluate(model, images, labels, SHAPE);
    expect(model.training).toBe(false);
  });
});

describe('checkpoints', () => {
  /** The data, model, optimizer, schedule and loader of one run; `seed` sets the initial weights. */
  function makeRun(seed: number) {
    manualSeed(seed);
    const { images, labels } = blobs(48, 11);
    const model = new Sequential([new Flatten(), new Linear(4, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.3), new Linear(16, 2)]);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(opt, 2, 0.5);
    const loader = new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 10, shuffle: true, seed: 4 });
    return { model, opt, scheduler, loader };
  }
  const losses = (h: EpochLogs[]) => h.map((e) => [e.epoch, e.trainLoss, e.trainAccuracy]);

  it('5 epochs straight == 2 epochs, saveCheckpoint, fresh model (other init) + loadCheckpoint + loader.setState + fit({startEpoch: 2}): per-epoch losses and final weights bit for bit (Adam, StepLR, BatchNorm1d, Dropout 0.3)', () => {
    const a = makeRun(1);
    const straight = fit(a.model, a.opt, { trainLoader: a.loader, epochs: 5, scheduler: a.scheduler, now });

    const b = makeRun(1);
    const first = fit(b.model, b.opt, { trainLoader: b.loader, epochs: 2, scheduler: b.scheduler, now });
    const path = join(dir, 'run.ckpt.safetensors');
    saveCheckpoint(path, b.model, b.opt, { epoch: 2, loader: b.loader.state(), history: first, extra: { scheduler: b.scheduler.state() } });
    expect(existsSync(path)).toBe(true);

    const c = makeRun(99);
    // The fresh model really starts elsewhere.
    expect(weightBits(c.model)).not.toEqual(weightBits(b.model));
    const info = loadCheckpoint(path, c.model, c.opt)!;
    expect(info.epoch).toBe(2);
    expect(info.loader).toEqual({ epoch: 2, batch: 0 });
    c.loader.setState(info.loader!);
    c.scheduler.loadState(info.extra!['scheduler'] as { lastEpoch: number });
    expect(weightBits(c.model)).toEqual(weightBits(b.model));
    const resumed = fit(c.model, c.opt, { trainLoader: c.loader, epochs: 5, startEpoch: info.epoch, history: info.history, scheduler: c.scheduler, now });

    expect(losses(resumed)).toEqual(losses(straight));
    expect(weightBits(c.model)).toEqual(weightBits(a.model));
    expect(c.opt.paramGroups[0]!.lr).toBe(a.opt.paramGroups[0]!.lr);
  });

  it('control: resuming without loadCheckpoint restoring the default generator (dropout masks) gives different losses', () => {
    const a = makeRun(1);
    const straight = fit(a.model, a.opt, { trainLoader: a.loader, epochs: 3, now });
    const b = makeRun(1);
    fit(b.model, b.opt, { trainLoader: b.loader, epochs: 2, now });
    const path = join(dir, 'control.ckpt.safetensors');
    saveCheckpoint(path, b.model, b.opt, { epoch: 2, loader: b.loader.state() });
    const c = makeRun(99);
    const info = loadCheckpoint(path, c.model, c.opt)!;
    manualSeed(12345); // clobber the restored generator
    c.loader.setState(info.loader!);
    const resumed = fit(c.model, c.opt, { trainLoader: c.loader, epochs: 3, startEpoch: 2, now });
    expect(resumed[0]!.trainLoss).not.toBe(straight[2]!.trainLoss);
  });

  it('a corrupted checkpoint (header length overwritten, then truncated) is a DataError naming the file; a missing one gives null', () => {
    const r = makeRun(1);
    const path = join(dir, 'bad.ckpt.safetensors');
    saveCheckpoint(path, r.model, r.opt, { epoch: 0 });
    const bytes = new Uint8Array(readFileSync(path));
    bytes[0] = 0xff;
    bytes[1] = 0xff;
    bytes[2] = 0xff;
    writeFileSync(path, bytes);
    const fresh = makeRun(2);
    expect(() => loadCheckpoint(path, fresh.model, fresh.opt)).toThrow(DataError);
    expect(() => loadCheckpoint(path, fresh.model, fresh.opt)).toThrow(path);
    saveCheckpoint(path, r.model, r.opt, { epoch: 0 });
    writeFileSync(path, readFileSync(path).subarray(0, 200));
    expect(() => loadCheckpoint(path, fresh.model, fresh.opt)).toThrow(path);
    expect(loadCheckpoint(join(dir, 'nope.safetensors'), fresh.model, fresh.opt)).toBeNull();
  });

  it('a weights-only safetensors file is not a checkpoint; a checkpoint of another model names the file and the keys', () => {
    const r = makeRun(1);
    const weights = join(dir, 'weights-only.safetensors');
    saveSafetensors(r.model, weights);
    expect(() => loadCheckpoint(weights, r.model, r.opt)).toThrow(/weights-only\.safetensors: not a tapegrad checkpoint/);
    const other = new Sequential([new Flatten(), new Linear(4, 2)]);
    const otherOpt = new Adam(other.parameters());
    const path = join(dir, 'other.ckpt.safetensors');
    saveCheckpoint(path, other, otherOpt, { epoch: 1 });
    let msg = '';
    try {
      loadCheckpoint(path, r.model, r.opt);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(path);
    expect(msg).toMatch(/missing keys: .*2\.running_mean/);
    expect(msg).toMatch(/1\.weight has shape \[2,4\] in the state dict but \[16,4\] in the model/);
  });
});

describe('module safetensors files', () => {
  it('Sequential{conv: Conv2d(1,4,2,p=1), bn: BatchNorm1d(36), fc: Linear(36,2)} after 2 SGD epochs: saveSafetensors → loadSafetensors into a fresh model preserves every value bit for bit, metadata included', () => {
    manualSeed(3);
    const build = () => new Sequential({ conv: new Conv2d(1, 4, 2, { padding: 1 }), relu: new ReLU(), flat: new Flatten(), bn: new BatchNorm1d(36), fc: new Linear(36, 2) });
    const model = build();
    const { images, labels } = blobs(32, 1);
    fit(model, new SGD(model.parameters(), { lr: 0.05 }), {
      trainLoader: new DataLoader(new ArrayDataset(images, labels, SHAPE), { batchSize: 8 }),
      epochs: 2,
      now,
    });
    const path = join(dir, 'model.safetensors');
    saveSafetensors(model, path, { note: 'blobs' });
    manualSeed(4);
    const fresh = build();
    expect(weightBits(fresh)).not.toEqual(weightBits(model));
    const meta = loadSafetensors(fresh, path);
    expect(meta).toEqual({ note: 'blobs' });
    expect([...weightBits(fresh).keys()]).toEqual(['conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'fc.weight', 'fc.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(weightBits(fresh)).toEqual(weightBits(model));
    // The batch counter is written as PyTorch's int64: 2 epochs of 4 batches.
    const { tensors } = readSafetensorsFile(path);
    expect(tensors['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data: Float32Array.of(8) });
  });

  it('loading Linear(4,2) weights into Linear(3,2) or Sequential([Linear(4,2)]): DataError naming the file and the offending keys/shapes; a missing file names the path', () => {
    const path = join(dir, 'linear42.safetensors');
    saveSafetensors(new Linear(4, 2), path);
    const lin = new Linear(3, 2);
    expect(() => loadSafetensors(lin, path)).toThrow(DataError);
    expect(() => loadSafetensors(lin, path)).toThrow(/linear42\.safetensors.*weight has shape \[2,4\] in the state dict but \[2,3\] in the model/);
    const wrap = new Sequential([new Linear(4, 2)]);
    expect(() => loadSafetensors(wrap, path)).toThrow(/linear42\.safetensors.*missing keys: 0\.weight, 0\.bias; unexpected keys: (weight, bias|bias, weight)/);
    const missing = join(dir, 'missing.safetensors');
    expect(() => loadSafetensors(lin, missing)).toThrow(/missing\.safetensors: cannot read weights file \(ENOENT\)/);
  });
});
