import { checkBool, checkInt, checkNumber, checkOptions, fail } from '../check.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

export interface OneCycleOptions {
  /** Peak learning rate. */
  maxLr: number;
  /** Total number of steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the steps spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD's momentum, Adam's beta1) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals from initial lr to min lr (default false). */
  threePhase?: boolean;
}

const KEYS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'];

interface Phase {
  endStep: number;
  startLr: number;
  endLr: number;
  startM: number;
  endM: number;
}

type MomentumGroup = { lr: number; momentum?: number; betas?: [number, number] };

/**
 * The 1cycle policy (Smith & Topin; torch.optim.lr_scheduler.OneCycleLR with its defaults: cosine
 * annealing, pctStart 0.3, divFactor 25, finalDivFactor 1e4, two phases, momentum cycled between
 * 0.85 and 0.95). Step it after every batch; stepping past totalSteps is an error, as in torch.
 * @example const sched = new OneCycleLR(opt, { maxLr: 0.01, epochs: 10, stepsPerEpoch: loader.length });
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  constructor(opt: Optimizer<{ lr: number }>, opts: OneCycleOptions) {
    super(opt);
    if (typeof opts !== 'object' || opts === null) fail('OneCycleLR', 'options', 'an object {maxLr, totalSteps | epochs and stepsPerEpoch, ...}', opts);
    checkOptions('OneCycleLR', opts, KEYS);
    const maxLr = checkNumber('OneCycleLR', 'maxLr', opts?.maxLr, (v) => v > 0, 'a positive number');
    if (opts.totalSteps !== undefined) this.totalSteps = checkInt('OneCycleLR', 'totalSteps', opts.totalSteps, 1);
    else if (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined) {
      this.totalSteps = checkInt('OneCycleLR', 'epochs', opts.epochs, 1) * checkInt('OneCycleLR', 'stepsPerEpoch', opts.stepsPerEpoch, 1);
    } else throw new RangeError('OneCycleLR: you must define either totalSteps or both epochs and stepsPerEpoch');
    const pct = checkNumber('OneCycleLR', 'pctStart', opts.pctStart ?? 0.3, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    const strategy = opts.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') fail('OneCycleLR', 'annealStrategy', "'cos' or 'linear'", strategy);
    this.anneal = strategy === 'cos' ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1) : (s, e, p) => (e - s) * p + s;
    const div = checkNumber('OneCycleLR', 'divFactor', opts.divFactor ?? 25, (v) => v > 0, 'a positive number');
    const finalDiv = checkNumber('OneCycleLR', 'finalDivFactor', opts.finalDivFactor ?? 1e4, (v) => v > 0, 'a positive number');
    const base = checkNumber('OneCycleLR', 'baseMomentum', opts.baseMomentum ?? 0.85);
    const max = checkNumber('OneCycleLR', 'maxMomentum', opts.maxMomentum ?? 0.95);
    this.cycleMomentum = checkBool('OneCycleLR', 'cycleMomentum', opts.cycleMomentum ?? true);
    const initialLr = maxLr / div;
    const minLr = initialLr / finalDiv;
    const n = this.totalSteps;
    this.phases = checkBool('OneCycleLR', 'threePhase', opts.threePhase ?? false)
      ? [
          { endStep: pct * n - 1, startLr: initialLr, endLr: maxLr, startM: max, endM: base },
          { endStep: 2 * pct * n - 2, startLr: maxLr, endLr: initialLr, startM: base, endM: max },
          { endStep: n - 1, startLr: initialLr, endLr: minLr, startM: max, endM: max },
        ]
      : [
          { endStep: pct * n - 1, startLr: initialLr, endLr: maxLr, startM: max, endM: base },
          { endStep: n - 1, startLr: maxLr, endLr: minLr, startM: base, endM: max },
        ];
    const groups = opt.paramGroups as MomentumGroup[];
    this.useBeta1 = groups.every((g) => Array.isArray(g.betas));
    if (this.cycleMomentum && !this.useBeta1 && !groups.every((g) => typeof g.momentum === 'number')) {
      throw new RangeError('OneCycleLR: the optimizer must have momentum (SGD) or betas (Adam) with cycleMomentum enabled; pass cycleMomentum: false');
    }
    this.apply();
  }

  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${this.lastEpoch + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    super.step();
  }

  protected factor(): number {
    return 1;
  }

  protected override apply(): void {
    const t = this.lastEpoch;
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const ph = this.phases[i]!;
      if (t <= ph.endStep || i === this.phases.length - 1) {
        const pct = (t - start) / (ph.endStep - start);
        const lr = this.anneal(ph.startLr, ph.endLr, pct);
        const m = this.anneal(ph.startM, ph.endM, pct);
        for (const g of this.optimizer.paramGroups as MomentumGroup[]) {
          g.lr = lr;
          if (!this.cycleMomentum) continue;
          if (this.useBeta1) g.betas = [m, g.betas![1]];
          else g.momentum = m;
        }
        return;
      }
      start = ph.endStep;
    }
  }
}
