import type { GeneratorState } from '@tapegrad/autograd';
import { describeValue } from '../check.js';
import type { DataLoaderState } from '../data/data-loader.js';
import { DataError } from '../errors.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { EpochLogs } from './callbacks.js';

/** The safetensors metadata key holding a checkpoint's JSON. */
export const META_KEY = 'tapegrad_checkpoint';

/** The JSON a checkpoint keeps beside its tensors, once checked. */
export interface CheckpointMeta {
  version: 1;
  epoch: number;
  rng: GeneratorState;
  loader?: DataLoaderState;
  history?: EpochLogs[];
  extra?: Record<string, unknown>;
  optimizer: { groups: OptimizerState['groups']; steps: number[] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Note [checkpoint checks]: a checkpoint comes from outside the program (a file that may be
 * truncated, edited by hand or written by another version), so every field is checked before
 * anything is restored, and each problem is one DataError naming the file and the field:
 * - version 1; epoch an integer ≥ 0 (and ≤ the run's epochs when known);
 * - rng four uint32 not all zero, spare null or finite;
 * - loader {epoch, batch} integers ≥ 0 (batch ≤ the loader's batches when known);
 * - history an array of at most `epoch` epoch logs with 1-based epochs ≤ `epoch`;
 * - optimizer.groups an array of objects (their options are checked by Optimizer.checkState),
 *   optimizer.steps one integer ≥ 0 per parameter;
 * - extra an object when present.
 * The tensors (model keys and shapes, optimizer buffers, finite values) are checked by
 * decodeCheckpoint with the model and the optimizer.
 */
export function parseCheckpointMeta(raw: string | undefined, source: string, opts: { epochs?: number; loaderLength?: number } = {}): CheckpointMeta {
  const bad = (field: string, expected: string, v: unknown): never => {
    throw new DataError(`${source}: checkpoint field ${field} must be ${expected}, got ${describeValue(v)}`);
  };
  if (raw === undefined) throw new DataError(`${source}: not a tapegrad checkpoint (no ${META_KEY} metadata)`);
  let meta: unknown;
  try {
    meta = JSON.parse(raw);
  } catch (e) {
    throw new DataError(`${source}: the ${META_KEY} metadata is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(meta)) return bad(META_KEY, 'a JSON object', meta);
  if (meta.version !== 1) bad('version', '1 (the only version this library reads)', meta.version);
  const { epoch, rng, loader, history, extra, optimizer } = meta;
  if (!isCount(epoch)) return bad('epoch', 'an integer ≥ 0', epoch);
  if (opts.epochs !== undefined && epoch > opts.epochs) bad('epoch', `at most the run's ${opts.epochs} epochs`, epoch);

  if (!isObject(rng)) return bad('rng', 'an object {s, spare}', rng);
  const s = rng.s;
  if (!Array.isArray(s) || s.length !== 4 || !s.every((x) => isCount(x) && x < 4294967296)) bad('rng.s', 'four uint32', s);
  if ((s as number[]).every((x) => x === 0)) bad('rng.s', 'not all zero', s);
  if (rng.spare !== null && rng.spare !== undefined && !(typeof rng.spare === 'number' && Number.isFinite(rng.spare))) bad('rng.spare', 'null or a finite number', rng.spare);

  if (loader !== undefined) {
    if (!isObject(loader)) return bad('loader', 'an object {epoch, batch}', loader);
    if (!isCount(loader.epoch)) bad('loader.epoch', 'an integer ≥ 0', loader.epoch);
    if (!isCount(loader.batch)) bad('loader.batch', 'an integer ≥ 0', loader.batch);
    if (opts.loaderLength !== undefined && (loader.batch as number) > opts.loaderLength) bad('loader.batch', `at most the loader's ${opts.loaderLength} batches`, loader.batch);
  }

  if (history !== undefined) {
    if (!Array.isArray(history)) return bad('history', 'an array of epoch logs', history);
    if (history.length > epoch) throw new DataError(`${source}: checkpoint field history must hold at most ${epoch} epoch logs (epoch is ${epoch}), got ${history.length}`);
    history.forEach((h, i) => {
      if (!isObject(h)) return bad(`history[${i}]`, 'an object of epoch logs', h);
      if (!isCount(h.epoch) || h.epoch < 1 || h.epoch > epoch) bad(`history[${i}].epoch`, `an integer in [1, ${epoch}]`, h.epoch);
      for (const [k, v] of Object.entries(h)) {
        // JSON writes NaN (a diverged loss) as null.
        if (k !== 'epoch' && v !== null && typeof v !== 'number') bad(`history[${i}].${k}`, 'a number', v);
      }
    });
  }
  if (extra !== undefined && !isObject(extra)) bad('extra', 'an object', extra);

  if (!isObject(optimizer)) return bad('optimizer', 'an object {groups, steps}', optimizer);
  if (!Array.isArray(optimizer.groups) || !optimizer.groups.every(isObject)) bad('optimizer.groups', 'an array of option objects', optimizer.groups);
  if (!Array.isArray(optimizer.steps)) return bad('optimizer.steps', 'an array of integers ≥ 0', optimizer.steps);
  optimizer.steps.forEach((st, i) => {
    if (!isCount(st)) bad(`optimizer.steps[${i}]`, 'an integer ≥ 0', st);
  });
  return meta as unknown as CheckpointMeta;
}
