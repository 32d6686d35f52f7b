import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';

/** What `fit` reports after every batch. */
export interface BatchLogs {
  epoch: number; // 0-based
  batch: number; // 0-based within the epoch
  batches: number;
  loss: number;
  accuracy: number;
  size: number;
}

/** What `fit` reports after every epoch (and what metrics.json stores). */
export interface EpochLogs {
  epoch: number; // 1-based, as printed
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  imagesPerSecond: number;
  lr: number;
}

export interface TrainContext {
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  epochs: number;
  /** The logs of every finished epoch so far. */
  history: EpochLogs[];
}

/**
 * Hooks into the training loop (Keras-style). `onEpochEnd` may return 'stop' to end training
 * early; checkpointing and early stopping are callbacks.
 */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void;
  onEpochBegin?(epoch: number, ctx: TrainContext): void;
  onBatchEnd?(logs: BatchLogs, ctx: TrainContext): void;
  onEpochEnd?(logs: EpochLogs, ctx: TrainContext): void | 'stop';
  onTrainEnd?(ctx: TrainContext): void;
}
