export { toOnnx, EXPORT_OPSETS, EXPORTED_OPS, type ToOnnxOptions } from './export.js';
export { fromOnnx, OnnxModel, IMPORT_OPSETS } from './import.js';
export { IMPORTED_OPS } from './interpret.js';
