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
    this.apply();
  }
  protected factor(t: number): number {
    return this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** Cosine annealing from lr to etaMin over tMax steps (torch.optim.lr_scheduler.CosineAnnealingLR, closed form). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly tMax: number, readonly etaMin = 0) {
    super(opt);
    this.apply();
  }
  protected factor(): number {
    return 1;
  }
  protected override lr(base: number, t: number): number {
    const tt = Math.min(t, this.tMax);
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * tt) / this.tMax))) / 2;
  }
}

/** Linear warm-up from startFactor·lr to lr over warmupSteps, then constant (torch LinearLR). */
export class LinearWarmup extends LRScheduler {
  constructor(opt: Optimizer<{ lr: number }>, readonly warmupSteps: number, readonly startFactor = 1 / 3) {
    super(opt);
    this.apply();
  }
  protected factor(t: number): number {
    if (t >= this.warmupSteps) return 1;
    return this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps;
  }
}
