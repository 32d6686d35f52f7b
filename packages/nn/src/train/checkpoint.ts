import { defaultGenerator, type GeneratorState } from '@tapegrad/autograd';
import { checkBytes, checkInt, checkObject, checkOptions, checkString, fail } from '../check.js';
import type { DataLoader, DataLoaderState } from '../data/data-loader.js';
import { DataError, namingFile } from '../errors.js';
import { stateDictTensors } from '../io/module-safetensors.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { checkModule, type Module } from '../module.js';
import { Optimizer, type OptimizerState } from '../optim/optimizer.js';
import type { EpochLogs } from './callbacks.js';
import { META_KEY, parseCheckpointMeta } from './checkpoint-meta.js';

/** Everything besides tensors that a resumed run needs. */
export interface CheckpointInfo {
  /** Epochs completed. */
  epoch: number;
  /** The default generator (dropout masks, init) at the checkpoint. */
  rng: GeneratorState;
  loader?: DataLoaderState;
  history?: EpochLogs[];
  /** Free-form app data (recipe, options), JSON. */
  extra?: Record<string, unknown>;
}


/**
 * A checkpoint is one safetensors file: the model's state dict under `model.<name>`, the
 * optimizer's per-parameter buffers under `optimizer.<i>.<buffer>`, and the rest (epoch, steps,
 * group options, RNG and loader state, history) as JSON in the metadata. Browser-safe; the node
 * helpers write it atomically.
 */
export function encodeCheckpoint(model: Module, optimizer: Optimizer<{ lr: number }>, info: Omit<CheckpointInfo, 'rng'> & { rng?: GeneratorState }): Uint8Array {
  checkCheckpointArgs('encodeCheckpoint', model, optimizer);
  checkObject('encodeCheckpoint', 'info', info, 'an object {epoch, loader?, history?, extra?, rng?}');
  checkOptions('encodeCheckpoint', info, ['epoch', 'rng', 'loader', 'history', 'extra']);
  checkInt('encodeCheckpoint', 'epoch', info.epoch, 0);
  // int64 entries (num_batches_tracked) are written as I64, like the module's safetensors file.
  const tensors = stateDictTensors(model, 'model.');
  const os = optimizer.state();
  os.params.forEach((p, i) => {
    for (const [k, data] of Object.entries(p.buffers)) tensors[`optimizer.${i}.${k}`] = { shape: [data.length], data };
  });
  const meta = {
    version: 1,
    ...info,
    rng: info.rng ?? defaultGenerator.state(),
    optimizer: { groups: os.groups, steps: os.params.map((p) => p.step) },
  };
  return encodeSafetensors(tensors, { [META_KEY]: JSON.stringify(meta) });
}

/** What `decodeCheckpoint` / `loadCheckpoint` may check the checkpoint against. */
export interface LoadCheckpointOptions {
  /** The run's length: a checkpoint after more epochs than this is refused. */
  epochs?: number;
  /** The run's loader: its saved position is checked against the loader's length and restored. */
  loader?: Pick<DataLoader, 'length' | 'setState'>;
}

/**
 * Restores model weights, optimizer state and the default generator from a checkpoint; returns
 * the rest (epoch, loader state, history, extra).
 *
 * Everything is checked before anything is changed (no half-loaded state): the metadata field
 * by field (Note [checkpoint checks] in checkpoint-meta.ts), the optimizer state
 * (`Optimizer.checkState`), the model's keys and shapes, every value finite.
 * @throws DataError naming `source` and the field for any malformed or foreign checkpoint.
 * @example const info = decodeCheckpoint(bytes, 'run/checkpoint.safetensors', model, opt, { epochs: 10, loader });
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string, model: Module, optimizer: Optimizer<{ lr: number }>, opts: LoadCheckpointOptions = {}): CheckpointInfo {
  checkBytes('decodeCheckpoint', 'bytes', bytes);
  checkString('decodeCheckpoint', 'source', source);
  checkCheckpointArgs('decodeCheckpoint', model, optimizer, opts);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const meta = parseCheckpointMeta(metadata[META_KEY], source, { ...opts, loaderLength: opts.loader?.length });
  const bad = (msg: string): never => {
    throw new DataError(`${source}: ${msg}`);
  };
  const modelState = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const params: OptimizerState['params'] = meta.optimizer.steps.map((step) => ({ step, buffers: {} }));
  for (const [name, t] of Object.entries(tensors)) {
    for (let j = 0; j < t.data.length; j++) if (!Number.isFinite(t.data[j]!)) bad(`tensor ${name} holds ${t.data[j]} at index ${j}`);
    if (name.startsWith('model.')) modelState.set(name.slice(6), t);
    else if (name.startsWith('optimizer.')) {
      const [, idx, ...rest] = name.split('.');
      const p = /^(0|[1-9][0-9]*)$/.test(idx ?? '') ? params[Number(idx)] : undefined;
      if (!p) bad(`optimizer tensor ${name} refers to parameter ${idx}, but the checkpoint has ${params.length} (optimizer.steps)`);
      if (t.shape.length !== 1) bad(`optimizer tensor ${name} has shape [${t.shape.join(',')}], expected one dimension`);
      p!.buffers[rest.join('.')] = t.data;
    } else bad(`tensor ${name} is neither model.<name> nor optimizer.<i>.<buffer>`);
  }
  const optState: OptimizerState = { groups: meta.optimizer.groups, params };
  namingFile(source, () => model.checkStateDict(modelState, { source }));
  optimizer.checkState(optState, source);
  // Everything is checked: nothing below can fail on the checkpoint's content.
  model.loadStateDict(modelState, { source });
  optimizer.loadState(optState, { source });
  defaultGenerator.setState(meta.rng);
  if (meta.loader && opts.loader) opts.loader.setState(meta.loader);
  return { epoch: meta.epoch, rng: meta.rng, loader: meta.loader, history: meta.history, extra: meta.extra };
}

/** The model and optimizer a checkpoint is written from or read into, and the load options. */
export function checkCheckpointArgs(fn: string, model: unknown, optimizer: unknown, opts?: LoadCheckpointOptions): void {
  checkModule(fn, 'model', model);
  if (!(optimizer instanceof Optimizer)) fail(fn, 'optimizer', 'an Optimizer', optimizer);
  if (opts === undefined) return;
  checkOptions(fn, opts, ['epochs', 'loader']);
  if (opts.epochs !== undefined) checkInt(fn, 'epochs', opts.epochs, 0);
  const l = opts.loader as Partial<DataLoader> | undefined;
  if (l !== undefined && (typeof l !== 'object' || l === null || typeof l.setState !== 'function' || !Number.isInteger(l.length))) fail(fn, 'loader', 'a DataLoader', l);
}
