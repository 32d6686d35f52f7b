import { readFileSync } from 'node:fs';
import { checkString } from '../check.js';
import { DataError, namingFile } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Module } from '../module.js';
import { checkToOnnxArgs, type ToOnnxOptions, toOnnx } from './export.js';
import { type OnnxModel, fromOnnx } from './import.js';

/** Writes the model as an ONNX file, atomically (see toOnnx). */
export function saveOnnx(model: Module, path: string, opts: ToOnnxOptions): void {
  checkToOnnxArgs('saveOnnx', model, opts);
  checkString('saveOnnx', 'path', path);
  writeFileAtomic(path, toOnnx(model, opts));
}

/** Reads an ONNX file into a trainable OnnxModel; errors name the file and the problem. */
export function loadOnnx(path: string): OnnxModel {
  checkString('loadOnnx', 'path', path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read ONNX file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return namingFile(path, () => fromOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path));
}
