export { Optimizer, type ParamGroup, type OptimizerState } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { LRScheduler, StepLR, CosineAnnealingLR, LinearWarmup } from './lr-scheduler.js';
