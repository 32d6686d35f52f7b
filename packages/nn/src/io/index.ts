// Browser-safe I/O. File helpers (atomic writes, read/write safetensors files) are in `../node.ts`.
export { encodeSafetensors, decodeSafetensors, halfToFloat, type SafetensorsTensor, type DecodedSafetensors } from './safetensors.js';
