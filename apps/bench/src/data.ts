import { type FashionMnist, loadFashionMnist } from '@tapegrad/nn/node';

export interface BenchData {
  train: FashionMnist;
  test: FashionMnist;
}

let cached: BenchData | null = null;

/** Fashion-MNIST, loaded once per run (FASHION_MNIST_DIR or the system copy). */
export function benchData(): BenchData {
  cached ??= { train: loadFashionMnist({ split: 'train' }), test: loadFashionMnist({ split: 'test' }) };
  return cached;
}

/** Images per epoch of the case study, and its batch size. */
export const EPOCH_IMAGES = 60_000;
export const BATCH_SIZE = 128;
/** The fixed subset `--quick` trains on (50 batches), extrapolated to an epoch. */
export const QUICK_IMAGES = 6_400;
