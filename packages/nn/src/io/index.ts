// Browser-safe I/O. File helpers (atomic writes, read/write safetensors files) are in `../node.ts`.
export { moduleToSafetensors, loadSafetensorsInto } from './module-safetensors.js';
export { encodeSafetensors, decodeSafetensors, halfToFloat, type SafetensorsTensor, type DecodedSafetensors } from './safetensors.js';
