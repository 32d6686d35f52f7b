import { checkBool, checkNumber, checkObject, checkOneOf, checkOptions } from '../check.js';
import type { Callback, EpochLogs, TrainContext } from './callbacks.js';

export interface EarlyStoppingOptions {
  /** The validation metric to watch (default valAccuracy; valLoss is minimised). */
  monitor?: 'valAccuracy' | 'valLoss';
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends. */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored validation metric has not improved for `patience` epochs,
 * optionally restoring the best weights (Keras EarlyStopping).
 * @example fit(model, opt, { ..., callbacks: [new EarlyStopping({ patience: 2, restoreBestWeights: true })] })
 */
export class EarlyStopping implements Callback {
  readonly monitor: 'valAccuracy' | 'valLoss';
  best = NaN;
  bestEpoch = 0;
  stoppedEpoch = 0;
  private wait = 0;
  private bestWeights: Map<string, { shape: readonly number[]; data: Float32Array }> | null = null;

  constructor(readonly opts: EarlyStoppingOptions) {
    checkObject('EarlyStopping', 'opts', opts, 'an object {patience, monitor?, minDelta?, restoreBestWeights?}');
    checkOptions('EarlyStopping', opts, ['monitor', 'patience', 'minDelta', 'restoreBestWeights']);
    this.monitor = checkOneOf('EarlyStopping', 'monitor', opts.monitor ?? 'valAccuracy', ['valAccuracy', 'valLoss']);
    checkNumber('EarlyStopping', 'minDelta', opts.minDelta ?? 0, (v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0');
    checkBool('EarlyStopping', 'restoreBestWeights', opts.restoreBestWeights ?? false);
    if (!Number.isInteger(opts.patience) || opts.patience < 0) throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${opts.patience}`);
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void | 'stop' {
    checkObject('EarlyStopping.onEpochEnd', 'logs', logs, 'the epoch logs fit passes');
    checkObject('EarlyStopping.onEpochEnd', 'ctx', ctx, 'the training context fit passes');
    const value = logs[this.monitor];
    if (value === undefined) throw new Error(`EarlyStopping: ${this.monitor} is not available; pass a validation set to fit`);
    if (Number.isNaN(value) && this.monitor === 'valAccuracy') {
      throw new Error("EarlyStopping: valAccuracy is NaN because the targets are not class indices; use { monitor: 'valLoss' }");
    }
    const delta = this.opts.minDelta ?? 0;
    const better = Number.isNaN(this.best) || (this.monitor === 'valLoss' ? value < this.best - delta : value > this.best + delta);
    if (better) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.opts.restoreBestWeights) {
        this.bestWeights = new Map([...ctx.model.stateDict()].map(([k, t]) => [k, { shape: t.shape, data: t.toFloat32Array() }]));
      }
      return;
    }
    // Stop once `patience` epochs in a row have not improved (Keras: wait >= patience).
    if (++this.wait >= this.opts.patience) {
      this.stoppedEpoch = logs.epoch;
      return 'stop';
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    checkObject('EarlyStopping.onTrainEnd', 'ctx', ctx, 'the training context fit passes');
    if (this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}
