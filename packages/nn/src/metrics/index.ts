export { accuracy } from './accuracy.js';
export { argmaxRows } from './argmax-rows.js';
export { confusionMatrix } from './confusion-matrix.js';
export { perClassAccuracy } from './per-class-accuracy.js';
export { largestClassGap, type ClassGap } from './largest-class-gap.js';
