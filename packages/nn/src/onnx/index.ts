export { toOnnx, EXPORT_OPSETS, EXPORTED_OPS, type ToOnnxOptions } from './export.js';
