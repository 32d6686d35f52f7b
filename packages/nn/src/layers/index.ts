export { Linear } from './linear.js';
export { Conv2d, Conv1d, type Conv2dOptions, type Conv1dOptions } from './conv.js';
export { MaxPool2d, AvgPool2d } from './pool.js';
export { ReLU, Sigmoid, Tanh, Identity, Flatten, Dropout } from './simple.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batch-norm.js';
export { Sequential } from './sequential.js';
export { ModuleList } from './module-list.js';
export { Residual } from './residual.js';
