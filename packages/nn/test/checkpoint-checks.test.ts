// Issue 12: a checkpoint or optimizer state is checked field by field before anything is
// restored. Each case edits one field of a real checkpoint and expects one DataError naming the
// file and the field, with the model, the optimizer and the default generator left as they were.
import { defaultGenerator, manualSeed, tensor, type Tensor } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../src/data/data-loader.js';
import { ArrayDataset } from '../src/data/dataset.js';
import { DataError } from '../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { Linear } from '../src/layers/linear.js';
import { Sequential } from '../src/layers/sequential.js';
import { Flatten, ReLU } from '../src/layers/simple.js';
import type { Module } from '../src/module.js';
import { Adam } from '../src/optim/adam.js';
import type { OptimizerState } from '../src/optim/optimizer.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { SGD } from '../src/optim/sgd.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.js';
import { fit } from '../src/train/fit.js';

const SOURCE = 'runs/cnn/checkpoint.safetensors';

function makeRun(seed: number) {
  manualSeed(seed);
  const images = new Float32Array(40 * 4).map((_, i) => Math.sin(i));
  const labels = new Int32Array(40).map((_, i) => i % 2);
  const model = new Sequential([new Flatten(), new Linear(4, 6), new ReLU(), new Linear(6, 2)]);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(new ArrayDataset(images, labels, [1, 2, 2]), { batchSize: 8, shuffle: true, seed: 3 });
  return { model, opt, loader };
}

/** A checkpoint after 2 of 5 epochs, as its JSON metadata and tensors. */
function checkpoint() {
  const r = makeRun(1);
  const history = fit(r.model, r.opt, { trainLoader: r.loader, epochs: 2, now: () => 0 });
  const bytes = encodeCheckpoint(r.model, r.opt, { epoch: 2, loader: r.loader.state(), history });
  const { tensors, metadata } = decodeSafetensors(bytes, 'x');
  return { bytes, tensors, meta: JSON.parse(metadata['tapegrad_checkpoint']!) as Record<string, any> };
}

const reencode = (tensors: Record<string, { shape: number[]; data: Float32Array }>, meta: unknown) =>
  encodeSafetensors(tensors, { tapegrad_checkpoint: JSON.stringify(meta) });

const bits = (m: Module) => [...m.stateDict().values()].map((t: Tensor) => Array.from(t.toFloat32Array()));

/** Loads `bytes` into a fresh run; returns the error, after checking that nothing changed. */
function loadError(bytes: Uint8Array): Error {
  const r = makeRun(7);
  const before = { w: bits(r.model), groups: JSON.stringify(r.opt.state()), rng: defaultGenerator.state(), loader: r.loader.state() };
  let err: unknown;
  try {
    decodeCheckpoint(bytes, SOURCE, r.model, r.opt, { epochs: 5, loader: r.loader });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DataError);
  expect(bits(r.model)).toEqual(before.w);
  expect(JSON.stringify(r.opt.state())).toBe(before.groups);
  expect(defaultGenerator.state()).toEqual(before.rng);
  expect(r.loader.state()).toEqual(before.loader);
  return err as Error;
}

describe('decodeCheckpoint: every field checked before anything is restored', () => {
  const base = checkpoint();

  it('control: the unedited checkpoint loads (epoch 2 of 5, the loader position restored)', () => {
    const r = makeRun(7);
    const info = decodeCheckpoint(base.bytes, SOURCE, r.model, r.opt, { epochs: 5, loader: r.loader });
    expect(info.epoch).toBe(2);
    expect(r.loader.state()).toEqual({ epoch: 2, batch: 0 });
    expect(r.opt.state().params[0]!.step).toBe(10);
  });

  const edits: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
    ['epoch 99 (run of 5)', (m) => (m.epoch = 99), /checkpoint field epoch must be at most the run's 5 epochs, got number 99/],
    ['epoch "x"', (m) => (m.epoch = 'x'), /checkpoint field epoch must be an integer ≥ 0, got string "x"/],
    ['epoch -1', (m) => (m.epoch = -1), /checkpoint field epoch must be an integer ≥ 0, got number -1/],
    ['epoch 1.5', (m) => (m.epoch = 1.5), /field epoch must be an integer ≥ 0, got number 1.5/],
    ['version 2', (m) => (m.version = 2), /field version must be 1/],
    ['lr null', (m) => (m.optimizer.groups[0].lr = null), /groups\[0\]\.lr must be a finite learning rate ≥ 0, got null/],
    ['lr -1', (m) => (m.optimizer.groups[0].lr = -1), /groups\[0\]\.lr must be a finite learning rate ≥ 0, got number -1/],
    ['eps -1', (m) => (m.optimizer.groups[0].eps = -1), /groups\[0\]\.eps must be a finite number > 0, got number -1/],
    ['eps 0', (m) => (m.optimizer.groups[0].eps = 0), /groups\[0\]\.eps must be a finite number > 0, got number 0/],
    ['betas "x"', (m) => (m.optimizer.groups[0].betas = 'x'), /groups\[0\]\.betas must be two numbers in \[0, 1\), got string "x"/],
    ['betas [0.9, 1]', (m) => (m.optimizer.groups[0].betas = [0.9, 1]), /groups\[0\]\.betas must be two numbers in \[0, 1\), got array \[0\.9, 1\]/],
    ['weightDecay -0.1', (m) => (m.optimizer.groups[0].weightDecay = -0.1), /groups\[0\]\.weightDecay must be a finite number ≥ 0, got number -0\.1/],
    ['amsgrad "yes"', (m) => (m.optimizer.groups[0].amsgrad = 'yes'), /groups\[0\]\.amsgrad must be a boolean, got string "yes"/],
    ['an unknown option momentum', (m) => (m.optimizer.groups[0].momentum = 0.9), /groups\[0\] has unknown option 'momentum'/],
    ['groups []', (m) => (m.optimizer.groups = []), /state has 0 groups \/ 4 parameters, optimizer has 1 \/ 4/],
    ['steps []', (m) => (m.optimizer.steps = []), /optimizer tensor optimizer\.0\.exp_avg refers to parameter 0, but the checkpoint has 0/],
    ['steps[1] -1', (m) => (m.optimizer.steps[1] = -1), /checkpoint field optimizer\.steps\[1\] must be an integer ≥ 0, got number -1/],
    ['steps "x"', (m) => (m.optimizer.steps = 'x'), /checkpoint field optimizer\.steps must be an array of integers ≥ 0, got string "x"/],
    ['no optimizer', (m) => delete m.optimizer, /checkpoint field optimizer must be an object \{groups, steps\}, got undefined/],
    ['rng all zero', (m) => (m.rng.s = [0, 0, 0, 0]), /checkpoint field rng\.s must be not all zero/],
    ['rng.s [1, 2]', (m) => (m.rng.s = [1, 2]), /checkpoint field rng\.s must be four uint32, got array \[1, 2\]/],
    ['rng.spare "x"', (m) => (m.rng.spare = 'x'), /checkpoint field rng\.spare must be null or a finite number/],
    ['loader.batch 1000', (m) => (m.loader.batch = 1000), /checkpoint field loader\.batch must be at most the loader's 5 batches, got number 1000/],
    ['loader.epoch -2', (m) => (m.loader.epoch = -2), /checkpoint field loader\.epoch must be an integer ≥ 0, got number -2/],
    ['history of 3 epochs at epoch 2', (m) => m.history.push(m.history[0]), /history must hold at most 2 epoch logs \(epoch is 2\), got 3/],
    ['history[0].epoch 7', (m) => (m.history[0].epoch = 7), /checkpoint field history\[0\]\.epoch must be an integer in \[1, 2\], got number 7/],
    ['history[1].trainLoss "low"', (m) => (m.history[1].trainLoss = 'low'), /checkpoint field history\[1\]\.trainLoss must be a number, got string "low"/],
    ['extra 3', (m) => (m.extra = 3), /checkpoint field extra must be an object, got number 3/],
  ];
  it.each(edits)('%s: one DataError naming the file and the field; model, optimizer, generator, loader untouched', (_name, edit, pattern) => {
    const meta = structuredClone(base.meta);
    edit(meta);
    const err = loadError(reencode(base.tensors, meta));
    expect(err.message).toContain(SOURCE);
    expect(err.message).toMatch(pattern);
  });

  it('metadata that is not JSON, or not an object, is named as such', () => {
    expect(loadError(encodeSafetensors(base.tensors, { tapegrad_checkpoint: '{"epoch": 2,' })).message).toMatch(
      new RegExp(`^${SOURCE}: the tapegrad_checkpoint metadata is not valid JSON`),
    );
    expect(loadError(encodeSafetensors(base.tensors, { tapegrad_checkpoint: '[1]' })).message).toMatch(/tapegrad_checkpoint must be a JSON object, got array \[1\]/);
  });

  it('tensors: a NaN weight, a buffer of the wrong length, an unknown buffer or tensor name, a model of another shape', () => {
    const withTensor = (name: string, t: { shape: number[]; data: Float32Array } | undefined) => {
      const ts = { ...base.tensors } as Record<string, { shape: number[]; data: Float32Array }>;
      if (t) ts[name] = t;
      else delete ts[name];
      return reencode(ts, base.meta);
    };
    const w = base.tensors['model.1.weight']!;
    const nan = w.data.slice();
    nan[5] = NaN;
    expect(loadError(withTensor('model.1.weight', { shape: w.shape, data: nan })).message).toMatch(/tensor model\.1\.weight holds NaN at index 5/);
    expect(loadError(withTensor('optimizer.0.exp_avg', { shape: [3], data: new Float32Array(3) })).message).toMatch(/buffer exp_avg of parameter 0 has 3 values, parameter has 24 \(shape \[6,4\]\)/);
    expect(loadError(withTensor('optimizer.0.velocity', { shape: [24], data: new Float32Array(24) })).message).toMatch(/params\[0\]\.buffers has unknown buffer 'velocity' \(Adam keeps exp_avg, exp_avg_sq, max_exp_avg_sq\)/);
    expect(loadError(withTensor('optimizer.x.exp_avg', { shape: [24], data: new Float32Array(24) })).message).toMatch(/optimizer tensor optimizer\.x\.exp_avg refers to parameter x/);
    expect(loadError(withTensor('junk', { shape: [1], data: new Float32Array(1) })).message).toMatch(/tensor junk is neither model\.<name> nor optimizer\.<i>\.<buffer>/);
    expect(loadError(withTensor('model.3.bias', undefined)).message).toMatch(/loadStateDict \(runs\/cnn\/checkpoint\.safetensors\): missing keys: 3\.bias/);
  });
});

describe('Optimizer.loadState checks the state before changing anything', () => {
  const p = () => [tensor([1, 2, 3], [3], { requiresGrad: true }), tensor([4, 5], [2], { requiresGrad: true })];
  const good = (): OptimizerState => ({
    groups: [{ lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, l1: 0 }],
    params: [{ step: 3, buffers: { momentum_buffer: new Float32Array([1, 1, 1]) } }, { step: 3, buffers: {} }],
  });
  const cases: Array<[string, (s: any) => void, RegExp]> = [
    ['lr -1', (s) => (s.groups[0].lr = -1), /^SGD\.loadState: groups\[0\]\.lr must be a finite learning rate ≥ 0, got number -1$/],
    ['lr Infinity', (s) => (s.groups[0].lr = Infinity), /groups\[0\]\.lr must be a finite learning rate ≥ 0, got number Infinity/],
    ['momentum -0.5', (s) => (s.groups[0].momentum = -0.5), /groups\[0\]\.momentum must be a finite number ≥ 0, got number -0\.5/],
    ['dampening 2', (s) => (s.groups[0].dampening = 2), /groups\[0\]\.dampening must be a number in \[0, 1\], got number 2/],
    ['nesterov 1', (s) => (s.groups[0].nesterov = 1), /groups\[0\]\.nesterov must be a boolean, got number 1/],
    ['step -1', (s) => (s.params[1].step = -1), /params\[1\]\.step must be an integer ≥ 0, got number -1/],
    ['step 2.5', (s) => (s.params[0].step = 2.5), /params\[0\]\.step must be an integer ≥ 0, got number 2\.5/],
    ['buffers null', (s) => (s.params[0].buffers = null), /params\[0\]\.buffers must be an object, got null/],
    ['buffer as an array', (s) => (s.params[0].buffers.momentum_buffer = [1, 1, 1]), /params\[0\]\.buffers\.momentum_buffer must be a Float32Array, got array \[1, 1, 1\]/],
    ['buffer with Infinity', (s) => (s.params[0].buffers.momentum_buffer[2] = Infinity), /params\[0\]\.buffers\.momentum_buffer holds Infinity at index 2/],
    ['groups "x"', (s) => (s.groups = 'x'), /groups must be an array, got string "x"/],
    ['one parameter too few', (s) => s.params.pop(), /state has 1 groups \/ 1 parameters, optimizer has 1 \/ 2/],
  ];
  it.each(cases)('SGD: %s is a DataError; lr, steps and buffers stay as they were', (_n, edit, pattern) => {
    const opt = new SGD(p(), { lr: 0.5, momentum: 0.9 });
    opt.loadState(good());
    const before = opt.state();
    const s = good();
    edit(s);
    expect(() => opt.loadState(s)).toThrow(DataError);
    expect(() => opt.loadState(s)).toThrow(pattern);
    expect(opt.state()).toEqual(before);
  });

  it('the source is named; RMSprop alpha 1.5 and eps 0 are refused as its constructor refuses them', () => {
    const opt = new RMSprop(p());
    const s = opt.state();
    s.groups[0]!.alpha = 1.5;
    expect(() => opt.loadState(s, { source: 'a.ckpt' })).toThrow(/^RMSprop\.loadState \(a\.ckpt\): groups\[0\]\.alpha must be a number in \[0, 1\], got number 1\.5$/);
    expect(() => new RMSprop(p(), { alpha: 1.5 })).toThrow(/^RMSprop: alpha must be a number in \[0, 1\], got number 1\.5$/);
    s.groups[0]!.alpha = 0.9;
    s.groups[0]!.eps = 0;
    expect(() => opt.loadState(s)).toThrow(/groups\[0\]\.eps must be a finite number > 0, got number 0/);
  });

  it('control: a valid state loads and replaces the buffers (a buffer the state lacks starts again from zero)', () => {
    const opt = new SGD(p(), { lr: 0.5, momentum: 0.9 });
    opt.loadState(good());
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    const st = opt.state();
    expect(st.params.map((x) => x.step)).toEqual([3, 3]);
    expect(Array.from(st.params[0]!.buffers['momentum_buffer']!)).toEqual([1, 1, 1]);
    const again = good();
    again.params[0]!.buffers = {};
    opt.loadState(again);
    expect(opt.state().params[0]!.buffers).toEqual({});
  });
});
