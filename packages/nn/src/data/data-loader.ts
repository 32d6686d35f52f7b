import { Rng, mixSeed } from '../random.js';
import type { Transform } from '../transforms/transform.js';
import type { Dataset } from './dataset.js';

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed for shuffling and augmentation (default 0). */
  seed?: number;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Applied to each image as it is copied into the batch. */
  transform?: Transform;
}

/**
 * One batch. NOTE: `images` and `labels` are views into buffers the loader reuses, so a batch is
 * only valid until the next one is produced; copy (`.slice()`) what must outlive it.
 */
export interface Batch {
  /** `[size, C, H, W]`. */
  images: Float32Array;
  /** `[size]`. */
  labels: Int32Array;
  size: number;
  /** Epoch and index of this batch within it. */
  epoch: number;
  index: number;
}

/** Where a loader stands: the epoch of the next (or current) pass and its next batch. */
export interface DataLoaderState {
  epoch: number;
  batch: number;
}

/**
 * Iterates a dataset in batches. `for (const b of loader)` runs one epoch, starting from
 * `state()`; after a full pass the loader moves to the next epoch. The order of epoch `e` is a
 * permutation drawn from `mixSeed(seed, e)`, and the augmentation of batch `b` of epoch `e` from
 * `mixSeed(seed, e, b, 1)`, so restoring `setState()` from a checkpoint (even mid-epoch) replays
 * exactly the same batches.
 *
 * Performance: the batch buffers (`[batchSize, C, H, W]` floats and `[batchSize]` labels) and the
 * permutation are allocated once and reused, because fresh multi-MB buffers per batch cost page
 * faults on these machines. Only the transform allocates (one image at a time).
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, dropLast: true });
 * for (let e = 0; e < 10; e++) for (const { images, labels, size } of loader) step(images, labels, size);
 */
export class DataLoader implements Iterable<Batch> {
  readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly dropLast: boolean;
  private readonly transform: Transform | undefined;
  private readonly imageSize: number;
  private readonly imageBuf: Float32Array;
  private readonly labelBuf: Int32Array;
  private readonly order: Int32Array;
  private readonly rng = new Rng(0);
  private epoch = 0;
  private nextBatch = 0;

  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.transform = options.transform;
    const [c, h, w] = dataset.shape;
    this.imageSize = c * h * w;
    this.imageBuf = new Float32Array(batchSize * this.imageSize);
    this.labelBuf = new Int32Array(batchSize);
    this.order = new Int32Array(dataset.length);
  }

  /** Number of batches in one epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  state(): DataLoaderState {
    return { epoch: this.epoch, batch: this.nextBatch };
  }

  setState(state: DataLoaderState): void {
    const { epoch, batch } = state;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(batch) || batch < 0 || batch > this.length) {
      throw new RangeError(`DataLoader.setState: expected epoch >= 0 and batch in [0, ${this.length}], got ${JSON.stringify(state)}`);
    }
    this.epoch = epoch;
    this.nextBatch = batch;
  }

  /** The dataset indices in the order epoch `epoch` visits them (a fresh array). */
  epochOrder(epoch: number): Int32Array {
    const order = new Int32Array(this.dataset.length);
    this.fillOrder(order, epoch);
    return order;
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const epoch = this.epoch;
    this.fillOrder(this.order, epoch);
    const n = this.dataset.length;
    const batches = this.length;
    const shape = this.dataset.shape;
    const [c, h, w] = shape;
    for (let b = this.nextBatch; b < batches; b++) {
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      if (this.transform) this.rng.seed(mixSeed(this.seed, epoch, b, 1));
      for (let k = 0; k < size; k++) {
        const ex = this.dataset.get(this.order[start + k]!);
        const image = this.transform ? this.transform(ex.image, shape, this.rng) : ex.image;
        if (image.length !== this.imageSize) {
          throw new RangeError(
            `DataLoader: example ${this.order[start + k]} has ${image.length} values, expected ${this.imageSize} for [${c}, ${h}, ${w}]`,
          );
        }
        this.imageBuf.set(image, k * this.imageSize);
        this.labelBuf[k] = ex.label;
      }
      this.nextBatch = b + 1;
      const full = size === this.batchSize;
      yield {
        images: full ? this.imageBuf : this.imageBuf.subarray(0, size * this.imageSize),
        labels: full ? this.labelBuf : this.labelBuf.subarray(0, size),
        size,
        epoch,
        index: b,
      };
    }
    this.epoch = epoch + 1;
    this.nextBatch = 0;
  }

  private fillOrder(order: Int32Array, epoch: number): void {
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) new Rng(mixSeed(this.seed, epoch)).shuffle(order);
  }
}
