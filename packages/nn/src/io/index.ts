// Browser-safe I/O. File helpers (atomic writes, read/write safetensors files) are in `../node.ts`.
export { moduleToSafetensors, loadSafetensorsInto, stateDictTensors } from './module-safetensors.js';
export { encodeSafetensors, decodeSafetensors, halfToFloat, type SafetensorsTensor, type SafetensorsDtype, type DecodedSafetensors } from './safetensors.js';
