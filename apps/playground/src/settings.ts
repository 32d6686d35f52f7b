import { DEFAULT_RECIPE, OPTIMIZER_NAMES, type OptimizerName, parseAugmentations, type TrainSettings } from '@tapegrad/lecture';

/** The augmentation controls: each one off (null / false) or on with its parameter. */
export interface AugmentationControls {
  rotate: number | null;
  flip: boolean;
  crop: number | null;
  noise: number | null;
  blur: number | null;
  cutout: number | null;
  jitter: number | null;
}

export const NO_AUGMENTATION: AugmentationControls = { rotate: null, flip: false, crop: null, noise: null, blur: null, cutout: null, jitter: null };

/** The spec `parseAugmentations` (and `fashion train --augment`) reads: 'rotate:15,flip,noise:0.05'. */
export function augmentSpec(a: AugmentationControls): string {
  const parts: string[] = [];
  if (a.rotate !== null) parts.push(`rotate:${a.rotate}`);
  if (a.flip) parts.push('flip');
  if (a.crop !== null) parts.push(`crop:${a.crop}`);
  if (a.noise !== null) parts.push(`noise:${a.noise}`);
  if (a.blur !== null) parts.push(`blur:${a.blur}`);
  if (a.cutout !== null) parts.push(`cutout:${a.cutout}`);
  if (a.jitter !== null) parts.push(`jitter:${a.jitter}`);
  return parts.join(',');
}

/** The form's raw values (strings from inputs, booleans from checkboxes). */
export interface FormValues {
  epochs: string;
  batchSize: string;
  lr: string;
  optimizer: string;
  weightDecay: string;
  l1: string;
  dropout: string;
  batchNorm: boolean;
  cosine: boolean;
  earlyStopping: string;
  seed: string;
  augment: AugmentationControls;
}

/** The default recipe as the form shows it. */
export function defaultForm(): FormValues {
  const r = DEFAULT_RECIPE;
  return {
    epochs: String(r.epochs), batchSize: String(r.batchSize), lr: String(r.lr), optimizer: 'default', weightDecay: String(r.weightDecay), l1: '0',
    dropout: String(r.dropout ?? 0), batchNorm: r.batchNorm ?? false, cosine: r.cosine, earlyStopping: String(r.earlyStopping), seed: String(r.seed),
    augment: { ...NO_AUGMENTATION },
  };
}

/**
 * The form as TrainSettings. 'default' optimizer means the CLI's rule (Adam, AdamW with weight
 * decay), so the default form is exactly DEFAULT_RECIPE.
 * @throws Error naming the control and the value for anything out of range.
 */
export function settingsFromForm(f: FormValues): TrainSettings {
  const num = (label: string, raw: string, ok: (v: number) => boolean, want: string): number => {
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!ok(v)) throw new Error(`${label} must be ${want}, got "${raw}"`);
    return v;
  };
  const posInt = (v: number) => Number.isInteger(v) && v >= 1;
  const s: TrainSettings = {
    ...DEFAULT_RECIPE,
    epochs: num('epochs', f.epochs, (v) => posInt(v) && v <= 1000, 'an integer from 1 to 1000'),
    batchSize: num('batch size', f.batchSize, (v) => posInt(v) && v <= 4096, 'an integer from 1 to 4096'),
    lr: num('learning rate', f.lr, (v) => v > 0 && v < 10, 'a number in (0, 10)'),
    weightDecay: num('weight decay', f.weightDecay, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    dropout: num('dropout', f.dropout, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    earlyStopping: num('early stopping patience', f.earlyStopping, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer (0 = off)'),
    seed: num('seed', f.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
    batchNorm: f.batchNorm,
    cosine: f.cosine,
  };
  const l1 = num('L1', f.l1, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  if (l1 > 0) s.l1 = l1;
  if (f.optimizer !== 'default') {
    if (!OPTIMIZER_NAMES.includes(f.optimizer as OptimizerName)) throw new Error(`optimizer must be one of default, ${OPTIMIZER_NAMES.join(', ')}, got "${f.optimizer}"`);
    s.optimizer = f.optimizer as OptimizerName;
  }
  s.augment = augmentSpec(f.augment);
  try {
    parseAugmentations(s.augment);
  } catch (e) {
    throw new Error(`augmentation: ${(e as Error).message.replace(/^parseAugmentations: /, '')}`);
  }
  return s;
}
