import { existsSync, readFileSync } from 'node:fs';
import { checkString } from '../check.js';
import { namingFile } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Module } from '../module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { type CheckpointInfo, checkCheckpointArgs, decodeCheckpoint, encodeCheckpoint, type LoadCheckpointOptions } from './checkpoint.js';

/**
 * Writes a checkpoint atomically (temp file, fsync, rename): a run killed at any moment leaves
 * either the previous checkpoint or the new one, never a torn file.
 */
export function saveCheckpoint(path: string, model: Module, optimizer: Optimizer<{ lr: number }>, info: Omit<CheckpointInfo, 'rng'>): void {
  checkString('saveCheckpoint', 'path', path);
  checkCheckpointArgs('saveCheckpoint', model, optimizer);
  writeFileAtomic(path, encodeCheckpoint(model, optimizer, info));
}

/**
 * Restores a checkpoint into model and optimizer (and `opts.loader`); null when there is none at
 * `path`. Everything is checked before anything changes (see decodeCheckpoint).
 * @throws DataError naming `path` and the field or the I/O problem (unreadable, a directory...).
 * @example const info = loadCheckpoint('runs/cnn/checkpoint.safetensors', model, opt, { epochs: 10, loader });
 */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer<{ lr: number }>, opts: LoadCheckpointOptions = {}): CheckpointInfo | null {
  checkString('loadCheckpoint', 'path', path);
  checkCheckpointArgs('loadCheckpoint', model, optimizer, opts);
  if (!existsSync(path)) return null;
  const bytes = namingFile(path, () => readFileSync(path));
  return namingFile(path, () => decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, model, optimizer, opts));
}
