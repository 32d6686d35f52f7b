import { checkInt, checkNumber, fail } from '../check.js';
import type { Optimizer } from './optimizer.js';

/**
 * Learning-rate schedules. Each remembers the groups' initial rates and sets `lr` on every group
 * when `step()` is called (once per epoch or per batch, as the user chooses); `lastEpoch` is the
 * number of steps taken, so state() is just that number.
 */
export abstract class LRScheduler {
  protected readonly baseLrs: number[];
  lastEpoch = 0;

  /**
   * NOTE: subclasses must call `this.apply()` at the end of their constructor. The base class
   * cannot: a subclass's own fields (stepSize, gamma, …) are assigned only after super() returns,
   * so applying here would set every lr to NaN until the first step().
   */
  constructor(protected readonly optimizer: Optimizer<{ lr: number }>) {
    if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) fail(new.target.name, 'optimizer', 'an Optimizer', optimizer);
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  protected abstract factor(t: number): number;

  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lr(this.baseLrs[i]!, this.lastEpoch)));
  }

  protected lr(base: number, t: number): number {
    return base * this.factor(t);
  }

  state(): { lastEpoch: number } {
    return { lastEpoch: this.lastEpoch };
  }

  loadState(s: { lastEpoch: number }): void {
    checkInt(`${this.constructor.name}.loadState`, 'lastEpoch', s?.lastEpoch, 0);
    this.lastEpoch = s.lastEpoch;
    this.apply();
  }

  /** The current learning rates, one per group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

/** lr · gamma^⌊t / stepSize⌋ (torch.optim.lr_scheduler.StepLR). */
export class StepLR extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly stepSize: number, readonly gamma = 0.1) {
    super(opt);
    checkInt('StepLR', 'stepSize', stepSize, 1);
    checkNumber('StepLR', 'gamma', gamma, (v) => v > 0, 'a positive number');
    this.apply();
  }
  protected factor(t: number): number {
    return this.gamma ** Math.floor(t / this.stepSize);
  }
}

/**
 * lr · gamma^(number of milestones ≤ t) (torch.optim.lr_scheduler.MultiStepLR; a milestone listed
 * twice counts twice, as torch's Counter).
 * @example new MultiStepLR(opt, [30, 80], 0.1)
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  constructor(opt: Optimizer<{ lr: number }>, milestones: readonly number[], readonly gamma = 0.1) {
    super(opt);
    if (!Array.isArray(milestones)) fail('MultiStepLR', 'milestones', 'an array of non-negative integers', milestones);
    milestones.forEach((m, i) => checkInt('MultiStepLR', `milestones[${i}]`, m, 0));
    checkNumber('MultiStepLR', 'gamma', gamma, (v) => v > 0, 'a positive number');
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.apply();
  }
  protected factor(t: number): number {
    return this.gamma ** this.milestones.filter((m) => m <= t).length;
  }
}

/** lr · gamma^t (torch.optim.lr_scheduler.ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly gamma: number) {
    super(opt);
    checkNumber('ExponentialLR', 'gamma', gamma, (v) => v > 0, 'a positive number');
    this.apply();
  }
  protected factor(t: number): number {
    return this.gamma ** t;
  }
}

/**
 * Cosine annealing from lr to etaMin over tMax steps, and back up over the next tMax
 * (torch.optim.lr_scheduler.CosineAnnealingLR). torch steps a recursive formula whose values are
 * the periodic closed form η_min + (η₀ − η_min)(1 + cos(πt / T_max)) / 2 used here, so past tMax
 * the rate rises again (epochs 6–8 of tMax 5, etaMin 1e-4, lr 0.1: 0.00964, 0.0346, 0.0655).
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly tMax: number, readonly etaMin = 0) {
    super(opt);
    checkInt('CosineAnnealingLR', 'tMax', tMax, 1);
    checkNumber('CosineAnnealingLR', 'etaMin', etaMin, (v) => v >= 0, 'a number ≥ 0');
    this.apply();
  }
  protected factor(): number {
    return 1;
  }
  protected override lr(base: number, t: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/** Linear warm-up from startFactor·lr to lr over warmupSteps, then constant (torch LinearLR). */
export class LinearWarmup extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly warmupSteps: number, readonly startFactor = 1 / 3) {
    super(opt);
    checkInt('LinearWarmup', 'warmupSteps', warmupSteps, 0);
    checkNumber('LinearWarmup', 'startFactor', startFactor, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
    this.apply();
  }
  protected factor(t: number): number {
    if (t >= this.warmupSteps) return 1;
    return this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps;
  }
}
