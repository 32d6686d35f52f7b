export { Optimizer, type ParamGroup, type OptimizerState } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, type RmspropOptions } from './rmsprop.js';
export { clipGradNorm_ } from './clip-grad.js';
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup } from './lr-scheduler.js';
export { OneCycleLR, type OneCycleOptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type PlateauState } from './reduce-lr-on-plateau.js';
