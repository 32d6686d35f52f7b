import { createRefBackend, mul, pow, sub, sum, tensor, type Tensor, withBackend, zeros } from '@tapegrad/autograd';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  LRScheduler,
  MultiStepLR,
  OneCycleLR,
  type Optimizer,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
} from '../src/index.js';

// Trajectories printed by test/torch/optim_reference.py (torch 1.13, float64) into
// test/torch/optim_reference.json. Regenerate with: /usr/bin/python3 optim_reference.py > optim_reference.json
const REF = JSON.parse(readFileSync(new URL('./torch/optim_reference.json', import.meta.url), 'utf8')) as Record<string, number[][]> & { onecycle_adam_beta1: number[] };
const P0 = [0.5, -1.2, 2.0, 0.1];
const C = [0.3, -0.2, 0.5, 1.0];

/** Six steps on loss Σ p⁴/4 − c·p (grad p³ − c) in float64, as the script does. */
function trajectory(make: (ps: Tensor[]) => Optimizer<{ lr: number }>): number[][] {
  return withBackend(createRefBackend({ dtype: 'float64' }), () => {
    const p = tensor(P0, [4], { requiresGrad: true });
    const opt = make([p]);
    const out: number[][] = [];
    for (let i = 0; i < 6; i++) {
      opt.zeroGrad();
      sum(sub(mul(pow(p, 4), 0.25), mul(p, tensor(C, [4])))).backward();
      opt.step();
      out.push(Array.from(p.toArray()));
    }
    return out;
  });
}

function expectTrajectory(got: number[][], want: number[][], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]![j]!)))));
}

describe('optimizers match torch 1.13 trajectories (float64, 6 steps)', () => {
  it('RMSprop defaults (lr 0.01, alpha 0.99, eps 1e-8)', () => expectTrajectory(trajectory((ps) => new RMSprop(ps)), REF.rmsprop_default!));
  it('RMSprop lr 0.02 alpha 0.9 eps 1e-6 weightDecay 0.1 momentum 0.8 centered', () =>
    expectTrajectory(trajectory((ps) => new RMSprop(ps, { lr: 0.02, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.8, centered: true })), REF.rmsprop_all!));
  it('RMSprop lr 0.01 momentum 0.9', () => expectTrajectory(trajectory((ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.9 })), REF.rmsprop_momentum!));
  it('Adam lr 0.1 amsgrad weightDecay 0.05', () => expectTrajectory(trajectory((ps) => new Adam(ps, { lr: 0.1, amsgrad: true, weightDecay: 0.05 })), REF.adam_amsgrad!));
  it('AdamW lr 0.1 amsgrad (decoupled weightDecay 0.01)', () => expectTrajectory(trajectory((ps) => new AdamW(ps, { lr: 0.1, amsgrad: true })), REF.adamw_amsgrad!));
  it('amsgrad keeps max_exp_avg_sq in state(); bad options name the optimizer and the option', () => {
    const p = zeros([2], { requiresGrad: true });
    const opt = new Adam([p], { amsgrad: true });
    p.grad = tensor([1, -2], [2]);
    opt.step();
    expect(Object.keys(opt.state().params[0]!.buffers).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    expect(() => new Adam([p], { amsgrad: 1 as unknown as boolean })).toThrow(/Adam: amsgrad must be a boolean, got number 1/);
    expect(() => new RMSprop([p], { alpha: -1 })).toThrow(/RMSprop: alpha must be a number in \[0, 1\], got number -1/);
    expect(() => new RMSprop([p], { centered: 'yes' as unknown as boolean })).toThrow(/RMSprop: centered must be a boolean, got string "yes"/);
  });
});

/** [lr, momentum] of group 0 at construction and after each step, as the script records. */
function schedule(make: (o: SGD) => LRScheduler | ReduceLROnPlateau, steps: number, metrics?: number[]): number[][] {
  const p = zeros([1], { requiresGrad: true });
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
  const s = make(opt);
  const out = [[opt.paramGroups[0]!.lr, opt.paramGroups[0]!.momentum]];
  for (let i = 0; i < steps; i++) {
    if (s instanceof ReduceLROnPlateau) s.step(metrics![i]!);
    else s.step();
    out.push([opt.paramGroups[0]!.lr, opt.paramGroups[0]!.momentum]);
  }
  return out;
}

describe('schedulers match torch 1.13 (lr and momentum per step)', () => {
  it('CosineAnnealingLR tMax 5 etaMin 1e-4 from lr 0.1, 12 steps: rises again past tMax (epochs 6–8: 0.00964, 0.0346, 0.0655)', () => {
    const got = schedule((o) => new CosineAnnealingLR(o, 5, 1e-4), 12);
    expectTrajectory(got, REF.cosine!);
    expect(got.slice(5, 9).map(([lr]) => Number(lr!.toPrecision(3)))).toEqual([0.0001, 0.00964, 0.0346, 0.0655]);
  });
  it('MultiStepLR milestones [2, 5, 5, 7] gamma 0.5 (a repeated milestone counts twice)', () =>
    expectTrajectory(schedule((o) => new MultiStepLR(o, [2, 5, 5, 7], 0.5), 9), REF.multistep!));
  it('ExponentialLR gamma 0.9', () => expectTrajectory(schedule((o) => new ExponentialLR(o, 0.9), 5), REF.exponential!));
  it('OneCycleLR maxLr 1 totalSteps 10, torch defaults (cos, pctStart 0.3, divFactor 25, finalDivFactor 1e4, momentum 0.85–0.95)', () =>
    expectTrajectory(schedule((o) => new OneCycleLR(o, { maxLr: 1.0, totalSteps: 10 }), 9), REF.onecycle!));
  it('OneCycleLR linear, epochs 2 × stepsPerEpoch 4, pctStart 0.25, divFactor 10, finalDivFactor 100, no momentum cycling', () =>
    expectTrajectory(
      schedule((o) => new OneCycleLR(o, { maxLr: 0.5, epochs: 2, stepsPerEpoch: 4, pctStart: 0.25, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100, cycleMomentum: false }), 7),
      REF.onecycle_linear!,
    ));
  it('OneCycleLR cycles Adam beta1; stepping past totalSteps is an error', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    const s = new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 4 });
    const beta = [opt.paramGroups[0]!.betas[0]];
    for (let i = 0; i < 3; i++) {
      s.step();
      beta.push(opt.paramGroups[0]!.betas[0]);
    }
    expectTrajectory([beta], [REF.onecycle_adam_beta1]);
    s.step();
    expect(() => s.step()).toThrow(/OneCycleLR: tried to step 5 times; the specified number of total steps is 4/);
    expect(() => new OneCycleLR(opt, { maxLr: 0.01 })).toThrow(/OneCycleLR: you must define either totalSteps or both epochs and stepsPerEpoch/);
    expect(() => new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 4, warmup: 3 } as never)).toThrow(/OneCycleLR: unknown option 'warmup'/);
  });
  it('ReduceLROnPlateau patience 2 cooldown 1 minLr 0.002 (min, rel)', () => {
    const M = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6];
    expectTrajectory(schedule((o) => new ReduceLROnPlateau(o, { patience: 2, cooldown: 1, minLr: 0.002 }), M.length, M), REF.plateau!);
  });
  it('ReduceLROnPlateau max, abs threshold 0.05, factor 0.5, patience 1; state round trip', () => {
    expectTrajectory(schedule((o) => new ReduceLROnPlateau(o, { mode: 'max', factor: 0.5, patience: 1, threshold: 0.05, thresholdMode: 'abs' }), 6, [0.1, 0.12, 0.2, 0.22, 0.23, 0.3]), REF.plateau_max_abs!);
    const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 1 });
    const a = new ReduceLROnPlateau(opt, { patience: 1 });
    a.step(1);
    a.step(2);
    const b = new ReduceLROnPlateau(opt, { patience: 1 });
    b.loadState(a.state());
    expect(b.state()).toEqual({ lastEpoch: 2, best: 1, numBadEpochs: 1, cooldownCounter: 0 });
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be a number in \[0, 1\), got number 1/);
  });
});
