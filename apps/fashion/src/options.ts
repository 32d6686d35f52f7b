import { availableParallelism } from 'node:os';
import { basename, extname, resolve } from 'node:path';
import { type ModelKind, parseAugmentations, recipe, type RecipeName, type TrainSettings } from '@tapegrad/lecture';
import type { BackendName } from './backend.js';
import { CliError } from './errors.js';
import { checkRunName } from './out-dir.js';

/**
 * Every option of every command is checked here, before any data is loaded or any file is
 * written: a run that would fail (or train nonsense) after minutes of work fails at once, with a
 * message naming the option and the value.
 */

/** Above this, --threads is refused outright (a typo, not a machine). */
export const MAX_THREADS = 256;
/** Fashion-MNIST's sizes: a limit above them is a typo (the loader would read everything anyway). */
export const TRAIN_IMAGES = 60_000;
export const TEST_IMAGES = 10_000;
const MAX_EPOCHS = 100_000;

/** The train command's options as commander hands them over (strings already turned into numbers). */
export interface RawTrainOptions {
  model: 'cnn' | 'fnn' | 'both';
  recipe: RecipeName;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  trainLimit?: number;
  testLimit?: number;
  backend: BackendName;
  threads?: number;
  augment?: string;
  weightDecay?: number;
  dropout?: number;
  batchNorm?: boolean;
  labelSmoothing?: number;
  cosine?: boolean;
  earlyStopping?: number;
  resume?: boolean;
  overwrite?: boolean;
  installData?: boolean;
  /** An .onnx file to fine-tune instead of a freshly initialised network. */
  init?: string;
  out: string;
  name?: string;
  dataDir?: string;
  progress?: boolean;
  report?: boolean;
}

/** A checked train command: everything runTrain needs, and the notes to print first. */
export interface TrainPlan {
  models: ModelKind[];
  recipe: RecipeName;
  settings: TrainSettings;
  overrides: Partial<TrainSettings>;
  trainLimit?: number;
  testLimit?: number;
  backend: BackendName;
  threads?: number;
  resume: boolean;
  overwrite: boolean;
  installData: boolean;
  /** --init: the ONNX model to fine-tune (its graph is the architecture; `models` then holds --model as a check, or nothing). */
  init?: string;
  /** --out as given (messages) and resolved. */
  out: string;
  outAbs: string;
  /** One run name per model, in order. */
  names: string[];
  dataDir?: string;
  progress: boolean;
  report: boolean;
  /** Said before training starts (e.g. threads capped at the cores). */
  notes: string[];
}

const fail = (option: string, value: unknown, want: string): never => {
  throw new CliError(`${option} ${want}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
};

export function checkInt(option: string, v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v === undefined) return;
  if (!Number.isInteger(v)) fail(option, v, 'must be an integer');
  if (v < min || v > max) fail(option, v, max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}` : `must be between ${min} and ${max}`);
}

function checkRange(option: string, v: number, lo: number, hi: number, hiOpen: boolean): void {
  if (!Number.isFinite(v) || v < lo || (hiOpen ? v >= hi : v > hi)) fail(option, v, `must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}`);
}

/** Threads: at least 1, refused above MAX_THREADS, capped at the machine's cores with a note. */
export function planThreads(threads: number | undefined, backend: BackendName, cores = availableParallelism()): { threads?: number; note?: string } {
  if (threads === undefined) return {};
  checkInt('--threads', threads, 1, MAX_THREADS);
  if (backend === 'ref' && threads !== 1) throw new CliError('--threads applies to the wasm backend only (the reference backend is single-threaded)');
  if (threads > cores) return { threads: cores, note: `--threads ${threads}: this machine has ${cores} core${cores === 1 ? '' : 's'}; using ${cores} (more threads than cores only slow every step down)` };
  return { threads };
}

/**
 * Checks the train command's options (ranges, types, combinations) and resolves the recipe, the
 * run names and the thread count. Touches no file.
 * @throws CliError naming the option and the value
 */
export function planTrain(raw: RawTrainOptions, cores = availableParallelism()): TrainPlan {
  const overrides: Partial<TrainSettings> = {};
  if (raw.epochs !== undefined) overrides.epochs = raw.epochs;
  if (raw.batchSize !== undefined) overrides.batchSize = raw.batchSize;
  if (raw.lr !== undefined) overrides.lr = raw.lr;
  if (raw.seed !== undefined) overrides.seed = raw.seed;
  if (raw.augment !== undefined) overrides.augment = raw.augment;
  if (raw.weightDecay !== undefined) overrides.weightDecay = raw.weightDecay;
  if (raw.dropout !== undefined) overrides.dropout = raw.dropout;
  if (raw.batchNorm) overrides.batchNorm = true;
  if (raw.labelSmoothing !== undefined) overrides.labelSmoothing = raw.labelSmoothing;
  if (raw.cosine) overrides.cosine = true;
  if (raw.earlyStopping !== undefined) overrides.earlyStopping = raw.earlyStopping;
  const s: TrainSettings = { ...recipe(raw.recipe), ...overrides };

  checkInt('--epochs', s.epochs, 1, MAX_EPOCHS);
  checkInt('--batch-size', s.batchSize, 1, TRAIN_IMAGES);
  if (!(Number.isFinite(s.lr) && s.lr > 0 && s.lr <= 10)) fail('--lr', s.lr, 'must be a number in (0, 10]');
  checkInt('--seed', s.seed, 0);
  if (!(Number.isFinite(s.weightDecay) && s.weightDecay >= 0 && s.weightDecay < 1)) fail('--weight-decay', s.weightDecay, 'must be in [0, 1)');
  checkRange('--dropout', s.dropout ?? 0, 0, 1, true);
  checkRange('--label-smoothing', s.labelSmoothing, 0, 1, true);
  checkInt('--early-stopping', s.earlyStopping, 0, MAX_EPOCHS);
  checkInt('--train-limit', raw.trainLimit, 1, TRAIN_IMAGES);
  checkInt('--test-limit', raw.testLimit, 1, TEST_IMAGES);
  if (s.earlyStopping > 0 && raw.trainLimit !== undefined && raw.trainLimit < 10) {
    fail('--train-limit', raw.trainLimit, 'must be ≥ 10 with --early-stopping (a tenth of the training images is held out for validation)');
  }
  if (s.augment) {
    try {
      parseAugmentations(s.augment);
    } catch (e) {
      throw new CliError(`--augment: ${(e as Error).message}`);
    }
  }
  const models: ModelKind[] = raw.model === 'both' ? ['cnn', 'fnn'] : [raw.model];
  if (raw.batchNorm && raw.model === 'fnn') throw new CliError('--batch-norm applies to the CNN only');
  if (raw.resume && raw.overwrite) throw new CliError('--resume and --overwrite contradict each other: --resume continues the run in place, --overwrite starts it again');
  if (raw.init !== undefined) return planFineTune(raw, s, overrides, cores);
  if (raw.name !== undefined && models.length > 1) throw new CliError('--name needs a single --model (cnn or fnn)');
  const names = models.map((m) => raw.name ?? (raw.recipe === 'default' ? m : `${m}-${raw.recipe}`));
  const outAbs = resolve(raw.out);
  for (const n of names) checkRunName(n, outAbs, '--name');
  const t = planThreads(raw.threads, raw.backend, cores);
  return {
    models, recipe: raw.recipe, settings: s, overrides, trainLimit: raw.trainLimit, testLimit: raw.testLimit, backend: raw.backend,
    threads: t.threads, resume: Boolean(raw.resume), overwrite: Boolean(raw.overwrite), installData: Boolean(raw.installData),
    out: raw.out, outAbs, names, dataDir: raw.dataDir, progress: raw.progress !== false, report: raw.report !== false,
    notes: t.note ? [t.note] : [],
  };
}

/**
 * `train --init FILE.onnx`: one run that fine-tunes the imported graph. --model (the default
 * 'both' counts as not given) is then a check against the file, made when it is read; the
 * architecture options (--batch-norm, --dropout) are errors, and the recipe's are dropped with a note.
 */
function planFineTune(raw: RawTrainOptions, s: TrainSettings, overrides: Partial<TrainSettings>, cores: number): TrainPlan {
  const init = raw.init!;
  if (extname(init).toLowerCase() !== '.onnx') throw new CliError(`--init ${init}: expected an .onnx file (the architecture comes from it); to train from safetensors weights, use --resume with a checkpoint`);
  if (raw.batchNorm || raw.dropout !== undefined) throw new CliError(`--init ${init}: ${raw.batchNorm ? '--batch-norm' : '--dropout'} changes the architecture, which comes from the ONNX file`);
  const notes: string[] = [];
  const dropped = (['batchNorm', 'dropout'] as const).filter((k) => s[k]);
  if (dropped.length) notes.push(`--init: the ${raw.recipe} recipe's ${dropped.map((k) => (k === 'batchNorm' ? 'batch norm' : 'dropout')).join(' and ')} ${dropped.length > 1 ? 'do' : 'does'} not apply; the architecture comes from ${init}`);
  const settings: TrainSettings = { ...s };
  delete settings.batchNorm;
  delete settings.dropout;
  const name = raw.name ?? `${basename(init, extname(init)).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]/, '_')}-finetune`;
  const outAbs = resolve(raw.out);
  checkRunName(name, outAbs, '--name');
  const t = planThreads(raw.threads, raw.backend, cores);
  if (t.note) notes.push(t.note);
  return {
    models: raw.model === 'both' ? [] : [raw.model], recipe: raw.recipe, settings, overrides, trainLimit: raw.trainLimit, testLimit: raw.testLimit,
    backend: raw.backend, threads: t.threads, resume: Boolean(raw.resume), overwrite: Boolean(raw.overwrite), installData: Boolean(raw.installData),
    init, out: raw.out, outAbs, names: [name], dataDir: raw.dataDir, progress: raw.progress !== false, report: raw.report !== false, notes,
  };
}
