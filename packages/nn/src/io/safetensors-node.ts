import { readFileSync } from 'node:fs';
import { checkObject, checkString } from '../check.js';
import { DataError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type SafetensorsTensor } from './safetensors.js';

/**
 * Writes float32 tensors to a safetensors file atomically (node only).
 * @example writeSafetensorsFile('model.safetensors', { 'fc.bias': { shape: [10], data: b } })
 */
export function writeSafetensorsFile(
  path: string,
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): void {
  checkString('writeSafetensorsFile', 'path', path);
  checkObject('writeSafetensorsFile', 'tensors', tensors, 'an object of {shape, data, dtype?} by name');
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file (node only); errors name `path`.
 * @example const { tensors } = readSafetensorsFile('model.safetensors');
 */
export function readSafetensorsFile(path: string): DecodedSafetensors {
  checkString('readSafetensorsFile', 'path', path);
  let bytes: Uint8Array;
  try {
    const buf = readFileSync(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataError(`${path}: cannot read safetensors file: ${(e as Error).message}`, { cause: e });
  }
  return decodeSafetensors(bytes, path);
}
