import { readFileSync } from 'node:fs';
import { checkString } from '../check.js';
import { DataError, namingFile } from '../errors.js';
import { checkModule, type Module } from '../module.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadSafetensorsInto, moduleToSafetensors } from './module-safetensors.js';

/** Writes a module's weights as a .safetensors file, atomically. */
export function saveSafetensors(module: Module, path: string, metadata?: Record<string, string>): void {
  checkModule('saveSafetensors', 'module', module);
  checkString('saveSafetensors', 'path', path);
  writeFileAtomic(path, moduleToSafetensors(module, metadata));
}

/** Reads a .safetensors file into a module; errors name the file and the problem. */
export function loadSafetensors(module: Module, path: string): Record<string, string> | undefined {
  checkModule('loadSafetensors', 'module', module);
  checkString('loadSafetensors', 'path', path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read weights file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return namingFile(path, () => loadSafetensorsInto(module, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path));
}
