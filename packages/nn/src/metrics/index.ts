export { accuracy } from './accuracy.js';
export { argmaxRows } from './argmax-rows.js';
export { confusionMatrix, perClassAccuracy, largestClassGap, type ClassGap } from './confusion-matrix.js';
