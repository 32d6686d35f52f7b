import { defaultGenerator, type GeneratorState } from '@tapegrad/autograd';
import type { DataLoaderState } from '../data/data-loader.js';
import { stateDictTensors } from '../io/module-safetensors.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { Module } from '../module.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import type { EpochLogs } from './callbacks.js';

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

const META_KEY = 'tapegrad_checkpoint';

/**
 * A checkpoint is one safetensors file: the model's state dict under `model.<name>`, the
 * optimizer's per-parameter buffers under `optimizer.<i>.<buffer>`, and the rest (epoch, steps,
 * group options, RNG and loader state, history) as JSON in the metadata. Browser-safe; the node
 * helpers write it atomically.
 */
export function encodeCheckpoint(model: Module, optimizer: Optimizer<{ lr: number }>, info: Omit<CheckpointInfo, 'rng'> & { rng?: GeneratorState }): Uint8Array {
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

/**
 * Restores model weights, optimizer state and the default generator from a checkpoint; returns
 * the rest (epoch, loader state, history, extra). Errors name the source.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string, model: Module, optimizer: Optimizer<{ lr: number }>): CheckpointInfo {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const raw = metadata?.[META_KEY];
  if (!raw) throw new Error(`${source}: not a tapegrad checkpoint (no ${META_KEY} metadata)`);
  const meta = JSON.parse(raw) as CheckpointInfo & { optimizer: { groups: OptimizerState['groups']; steps: number[] } };
  const modelState = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const params: OptimizerState['params'] = meta.optimizer.steps.map((step) => ({ step, buffers: {} }));
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith('model.')) modelState.set(name.slice(6), t);
    else if (name.startsWith('optimizer.')) {
      const [, idx, ...rest] = name.split('.');
      const p = params[Number(idx)];
      if (!p) throw new Error(`${source}: optimizer tensor ${name} refers to parameter ${idx}, but the checkpoint has ${params.length}`);
      p.buffers[rest.join('.')] = t.data;
    }
  }
  model.loadStateDict(modelState, { source });
  optimizer.loadState({ groups: meta.optimizer.groups, params });
  defaultGenerator.setState(meta.rng);
  return { epoch: meta.epoch, rng: meta.rng, loader: meta.loader, history: meta.history, extra: meta.extra };
}
