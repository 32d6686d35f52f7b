export { fit, TrainingError, type FitOptions } from './fit.js';
export { evaluate, type EvaluateResult, type EvaluateDatasetOptions, type LossFunction } from './evaluate.js';
export type { Callback, BatchLogs, EpochLogs, TrainContext } from './callbacks.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { encodeCheckpoint, decodeCheckpoint, type CheckpointInfo, type LoadCheckpointOptions } from './checkpoint.js';
export { argmaxRowsAccuracy } from './batch-accuracy.js';
