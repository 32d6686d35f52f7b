import { checkInt, checkNumber, checkOptions, fail } from '../check.js';
import type { Optimizer } from './optimizer.js';

export interface ReduceLROnPlateauOptions {
  /** 'min' (default: the metric should fall, e.g. a loss) or 'max' (accuracy). */
  mode?: 'min' | 'max';
  /** New lr = lr · factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** Smallest improvement that counts (default 1e-4), relative or absolute per thresholdMode. */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  minLr?: number;
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
}

const KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

/** What ReduceLROnPlateau.state() returns. */
export interface PlateauState {
  lastEpoch: number;
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
}

/**
 * Reduces the learning rate when a metric has stopped improving for `patience` epochs
 * (torch.optim.lr_scheduler.ReduceLROnPlateau, same defaults). `step(metric)` once per epoch;
 * `fit` passes the validation loss (or the training loss without a validation set).
 * @example const sched = new ReduceLROnPlateau(opt, { patience: 2 }); sched.step(valLoss);
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  lastEpoch = 0;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;

  constructor(readonly optimizer: Optimizer<{ lr: number }>, opts: ReduceLROnPlateauOptions = {}) {
    if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) fail('ReduceLROnPlateau', 'optimizer', 'an Optimizer', optimizer);
    checkOptions('ReduceLROnPlateau', opts, KEYS);
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') fail('ReduceLROnPlateau', 'mode', "'min' or 'max'", this.mode);
    this.factor = checkNumber('ReduceLROnPlateau', 'factor', opts.factor ?? 0.1, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.patience = checkInt('ReduceLROnPlateau', 'patience', opts.patience ?? 10, 0);
    this.threshold = checkNumber('ReduceLROnPlateau', 'threshold', opts.threshold ?? 1e-4, (v) => v >= 0, 'a number ≥ 0');
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') fail('ReduceLROnPlateau', 'thresholdMode', "'rel' or 'abs'", this.thresholdMode);
    this.cooldown = checkInt('ReduceLROnPlateau', 'cooldown', opts.cooldown ?? 0, 0);
    this.minLr = checkNumber('ReduceLROnPlateau', 'minLr', opts.minLr ?? 0, (v) => v >= 0, 'a number ≥ 0');
    this.eps = checkNumber('ReduceLROnPlateau', 'eps', opts.eps ?? 1e-8, (v) => v >= 0, 'a number ≥ 0');
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Records one epoch's metric and reduces every group's lr after `patience` epochs without improvement. */
  step(metric: number): void {
    checkNumber('ReduceLROnPlateau.step', 'metric', metric, (v) => !Number.isNaN(v), 'a number');
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      for (const g of this.optimizer.paramGroups) {
        const next = Math.max(g.lr * this.factor, this.minLr);
        if (g.lr - next > this.eps) g.lr = next;
      }
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  private isBetter(a: number): boolean {
    const { best, threshold: th } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - th) : a < best - th;
    return this.thresholdMode === 'rel' ? a > best * (th + 1) : a > best + th;
  }

  state(): PlateauState {
    return { lastEpoch: this.lastEpoch, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadState(s: PlateauState): void {
    checkInt('ReduceLROnPlateau.loadState', 'lastEpoch', s?.lastEpoch, 0);
    checkNumber('ReduceLROnPlateau.loadState', 'best', s.best, (v) => !Number.isNaN(v), 'a number');
    checkInt('ReduceLROnPlateau.loadState', 'numBadEpochs', s.numBadEpochs, 0);
    checkInt('ReduceLROnPlateau.loadState', 'cooldownCounter', s.cooldownCounter, 0);
    Object.assign(this, { lastEpoch: s.lastEpoch, best: s.best, numBadEpochs: s.numBadEpochs, cooldownCounter: s.cooldownCounter });
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}
