import { manualSeed, type Tensor } from '@tapegrad/autograd';
import {
  Adam, AdamW, ArrayDataset, CosineAnnealingLR, crossEntropy, DataLoader, type Dataset, type LRScheduler, type Module, type Optimizer, randomSplit, SGD,
} from '@tapegrad/nn';
import { buildModel, type ModelKind } from './models.js';
import { parseAugmentations } from './parse-augmentations.js';
import { IMAGE_SHAPE } from './predict.js';
import type { OptimizerName, TrainSettings } from './recipes.js';

/** Everything `fit` needs for one run, built in the order `fashion train` builds it (so seeds line up). */
export interface TrainingSetup {
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  scheduler: LRScheduler | undefined;
  loader: DataLoader;
  /** Early stopping's held-out tenth of the training set (never the test set). */
  validation: { images: Float32Array; labels: Int32Array } | undefined;
  lossFn: ((logits: Tensor, labels: Int32Array) => Tensor) | undefined;
}

/**
 * The optimizer a recipe asks for. Without an explicit `optimizer`, the CLI's rule: AdamW when
 * weight decay is set, else Adam. 'adam' with weight decay is torch.optim.Adam's L2 penalty,
 * 'adamw' is decoupled decay; 'momentum' is SGD with momentum 0.9.
 */
export function optimizerName(s: Pick<TrainSettings, 'optimizer' | 'weightDecay'>): OptimizerName {
  return s.optimizer ?? (s.weightDecay > 0 ? 'adamw' : 'adam');
}

function buildOptimizer(model: Module, s: TrainSettings): Optimizer<{ lr: number }> {
  const common = { lr: s.lr, weightDecay: s.weightDecay, l1: s.l1 ?? 0 };
  switch (optimizerName(s)) {
    case 'adam': return new Adam(model.parameters(), common);
    case 'adamw': return new AdamW(model.parameters(), common);
    case 'sgd': return new SGD(model.parameters(), common);
    case 'momentum': return new SGD(model.parameters(), { ...common, momentum: 0.9 });
    default: throw new Error(`setupTraining: unknown optimizer '${String(s.optimizer)}' (expected adam, adamw, sgd or momentum)`);
  }
}

/**
 * Builds the model, optimizer, schedule and data loader of one training run: the augmentation
 * spec is parsed first, then `manualSeed(seed)` is set and the model initialised, then the
 * optimizer, the cosine schedule and the seeded loader are made. The CLI (`fashion train`) and the
 * playground page call this, so the same recipe, seed and images give the same weights.
 * @throws Error naming the setting for an augmentation spec that does not parse, an unknown
 *   optimizer, or batch norm asked of the FNN.
 * `init` (a model made elsewhere, e.g. an imported ONNX graph to fine-tune) replaces the built
 * model; the seed is still set first, so shuffling and dropout follow it, and `kind`'s
 * architecture settings (batchNorm, dropout) do not apply.
 * @example const { model, optimizer, loader } = setupTraining('cnn', DEFAULT_RECIPE, train);
 */
export function setupTraining(kind: ModelKind, s: TrainSettings, train: { images: Float32Array; labels: Int32Array }, init?: Module): TrainingSetup {
  const transform = s.augment ? parseAugmentations(s.augment) : undefined;
  manualSeed(s.seed);
  const model = init ?? buildModel(kind, { batchNorm: s.batchNorm, dropout: s.dropout });
  const optimizer = buildOptimizer(model, s);
  const scheduler = s.cosine ? new CosineAnnealingLR(optimizer, s.epochs) : undefined;
  const all: Dataset = new ArrayDataset(train.images, train.labels, IMAGE_SHAPE);
  let trainSet: Dataset = all;
  let validation: TrainingSetup['validation'];
  if (s.earlyStopping > 0) {
    const nVal = Math.max(1, Math.round(all.length / 10));
    const [tr, va] = randomSplit(all, [all.length - nVal, nVal], s.seed);
    trainSet = tr!;
    validation = gather(va!);
  }
  const loader = new DataLoader(trainSet, { batchSize: s.batchSize, shuffle: true, seed: s.seed, transform });
  const lossFn = s.labelSmoothing > 0 ? (logits: Tensor, y: Int32Array) => crossEntropy(logits, y, { labelSmoothing: s.labelSmoothing }) : undefined;
  return { model, optimizer, scheduler, loader, validation, lossFn };
}

/** A dataset's examples copied into one image array and one label array. */
export function gather(ds: Dataset): { images: Float32Array; labels: Int32Array } {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Float32Array(ds.length * per);
  const labels = new Int32Array(ds.length);
  for (let i = 0; i < ds.length; i++) {
    const ex = ds.get(i);
    images.set(ex.image, i * per);
    labels[i] = ex.label;
  }
  return { images, labels };
}
