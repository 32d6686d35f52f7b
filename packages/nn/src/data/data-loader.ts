import { checkBool, checkFunction, checkInt, checkObject, checkOptions, fail } from '../check.js';
import { Rng, mixSeed } from '../random.js';
import type { ImageShape, Transform } from '../transforms/transform.js';
import { type AnyDataset, checkDataset, type Dataset, type FieldSpec, type FieldValues, isTupleDataset, type TupleDataset, sampleFields } from './dataset.js';

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed for shuffling and augmentation (default 0). */
  seed?: number;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * Applied to each image as it is copied into the batch (for a tuple dataset, to its first field,
   * which must then be float32 `[C, H, W]`).
   */
  transform?: Transform;
}

/**
 * One batch of any dataset: one array per field, `[size, ...fields[k].shape]` values each.
 * NOTE: the arrays are views into buffers the loader reuses, so a batch is only valid until the
 * next one is produced; copy (`.slice()`) what must outlive it.
 */
export interface TupleBatch {
  /** Field k of the batch's samples, row-major (Float32Array or Int32Array as the field's dtype). */
  fields: FieldValues[];
  /** The shape of each field of the batch: `[size, ...fields[k].shape]`. */
  shapes: number[][];
  size: number;
  /** Epoch and index of this batch within it. */
  epoch: number;
  index: number;
}

/** A batch of a labelled-image {@link Dataset}: `fields` is `[images, labels]`. */
export interface Batch extends TupleBatch {
  /** `[size, C, H, W]`. */
  images: Float32Array;
  /** `[size]`. */
  labels: Int32Array;
}

/** The batches a loader over `D` yields: a {@link Batch} for labelled images, else a {@link TupleBatch}. */
export type BatchOf<D extends AnyDataset> = D extends Dataset ? Batch : TupleBatch;

/** Where a loader stands: the epoch of the next (or current) pass and its next batch. */
export interface DataLoaderState {
  epoch: number;
  batch: number;
}

/**
 * Iterates a dataset in batches: a labelled-image {@link Dataset} (batches with `images` and
 * `labels`) or a {@link TupleDataset} such as `TensorDataset` (batches with one array per field).
 * `for (const b of loader)` runs one epoch, starting from `state()`; after a full pass the loader
 * moves to the next epoch. The order of epoch `e` is a permutation drawn from `mixSeed(seed, e)`,
 * and the augmentation of batch `b` of epoch `e` from `mixSeed(seed, e, b, 1)`, so restoring
 * `setState()` from a checkpoint (even mid-epoch) replays exactly the same batches.
 *
 * Performance: the batch buffers (`[batchSize, C, H, W]` floats and `[batchSize]` labels, or
 * `[batchSize, ...shape]` per field) and the permutation are allocated once and reused, because
 * fresh multi-MB buffers per batch cost page faults on these machines. Only the transform allocates (one image at a time).
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, seed: 1, dropLast: true });
 * for (let e = 0; e < 10; e++) for (const { images, labels, size } of loader) step(images, labels, size);
 * // A TensorDataset(x [N, 5], y [N, 1]): for (const { fields: [xb, yb], shapes } of loader) …
 */
export class DataLoader<D extends AnyDataset = Dataset> implements Iterable<BatchOf<D>> {
  readonly batchSize: number;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly dropLast: boolean;
  private readonly transform: Transform | undefined;
  private readonly tuple: boolean;
  private readonly specs: readonly FieldSpec[];
  /** Values per sample of each field. */
  private readonly sizes: number[];
  /** One reusable `[batchSize, ...shape]` buffer per field. */
  private readonly bufs: FieldValues[];
  private readonly imageShape: ImageShape | undefined;
  private readonly order: Int32Array;
  private readonly rng = new Rng(0);
  private epoch = 0;
  private nextBatch = 0;

  constructor(
    readonly dataset: D,
    options: DataLoaderOptions,
  ) {
    checkDataset('DataLoader', 'dataset', dataset);
    checkObject('DataLoader', 'options', options, 'an object {batchSize, shuffle?, seed?, dropLast?, transform?}');
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'seed', 'dropLast', 'transform']);
    const batchSize = checkInt('DataLoader', 'batchSize', options.batchSize, 1);
    this.batchSize = batchSize;
    this.shuffle = checkBool('DataLoader', 'shuffle', options.shuffle ?? false);
    this.seed = checkInt('DataLoader', 'seed', options.seed ?? 0, -Infinity);
    this.dropLast = checkBool('DataLoader', 'dropLast', options.dropLast ?? false);
    this.transform = options.transform === undefined ? undefined : checkFunction('DataLoader', 'transform', options.transform);
    this.tuple = isTupleDataset(dataset);
    this.specs = sampleFields(dataset);
    if (this.specs.length === 0) throw new RangeError('DataLoader: the dataset has no fields');
    this.sizes = this.specs.map((f, k) => {
      if (!f.shape.every((d) => Number.isInteger(d) && d > 0)) {
        throw new RangeError(`DataLoader: field ${k} has shape [${f.shape.join(', ')}]; dimensions must be positive integers`);
      }
      return f.shape.reduce((a, b) => a * b, 1);
    });
    this.bufs = this.specs.map((f, k) => (f.dtype === 'int32' ? new Int32Array(batchSize * this.sizes[k]!) : new Float32Array(batchSize * this.sizes[k]!)));
    const first = this.specs[0]!;
    if (first.dtype === 'float32' && first.shape.length === 3) this.imageShape = first.shape as unknown as ImageShape;
    if (this.transform && !this.imageShape) {
      throw new RangeError(`DataLoader: transform needs images, but the first field of the samples is ${first.dtype} [${first.shape.join(', ')}], not float32 [C, H, W]`);
    }
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
    if (typeof state !== 'object' || state === null) fail('DataLoader.setState', 'state', 'an object {epoch, batch}', state);
    const { epoch, batch } = state;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(batch) || batch < 0 || batch > this.length) {
      throw new RangeError(`DataLoader.setState: expected epoch >= 0 and batch in [0, ${this.length}], got ${JSON.stringify(state)}`);
    }
    this.epoch = epoch;
    this.nextBatch = batch;
  }

  /** The dataset indices in the order epoch `epoch` visits them (a fresh array). */
  epochOrder(epoch: number): Int32Array {
    checkInt('DataLoader.epochOrder', 'epoch', epoch, 0);
    const order = new Int32Array(this.dataset.length);
    this.fillOrder(order, epoch);
    return order;
  }

  *[Symbol.iterator](): Iterator<BatchOf<D>> {
    const epoch = this.epoch;
    this.fillOrder(this.order, epoch);
    const n = this.dataset.length;
    const batches = this.length;
    for (let b = this.nextBatch; b < batches; b++) {
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      if (this.transform) this.rng.seed(mixSeed(this.seed, epoch, b, 1));
      for (let k = 0; k < size; k++) {
        const i = this.order[start + k]!;
        if (this.tuple) this.copyFields(i, k);
        else this.copyExample(i, k);
      }
      this.nextBatch = b + 1;
      const full = size === this.batchSize;
      const fields = full ? [...this.bufs] : this.bufs.map((buf, f) => buf.subarray(0, size * this.sizes[f]!));
      const shapes = this.specs.map((f) => [size, ...f.shape]);
      const batch: TupleBatch = { fields, shapes, size, epoch, index: b };
      yield (this.tuple ? batch : { images: fields[0] as Float32Array, labels: fields[1] as Int32Array, ...batch }) as BatchOf<D>;
    }
    this.epoch = epoch + 1;
    this.nextBatch = 0;
  }

  /** Example i of a labelled-image dataset into row k of the batch. */
  private copyExample(i: number, k: number): void {
    const shape = (this.dataset as Dataset).shape;
    const ex = (this.dataset as Dataset).get(i);
    const image = this.transform ? this.transform(ex.image, shape, this.rng) : ex.image;
    const imageSize = this.sizes[0]!;
    if (image.length !== imageSize) {
      throw new RangeError(`DataLoader: example ${i} has ${image.length} values, expected ${imageSize} for [${shape.join(', ')}]`);
    }
    this.bufs[0]!.set(image, k * imageSize);
    this.bufs[1]![k] = ex.label;
  }

  /** Sample i of a tuple dataset into row k of every field's buffer. */
  private copyFields(i: number, k: number): void {
    const values = (this.dataset as TupleDataset).get(i);
    if (values.length !== this.specs.length) {
      throw new RangeError(`DataLoader: sample ${i} has ${values.length} fields, expected ${this.specs.length}`);
    }
    for (let f = 0; f < values.length; f++) {
      let v = values[f]!;
      const spec = this.specs[f]!;
      if ((spec.dtype === 'int32') !== v instanceof Int32Array) {
        throw new TypeError(`DataLoader: field ${f} of sample ${i} is a ${v.constructor.name}, but the dataset declares it ${spec.dtype}`);
      }
      if (f === 0 && this.transform) v = this.transform(v as Float32Array, this.imageShape!, this.rng);
      if (v.length !== this.sizes[f]) {
        throw new RangeError(`DataLoader: field ${f} of sample ${i} has ${v.length} values, expected ${this.sizes[f]} for [${spec.shape.join(', ')}]`);
      }
      this.bufs[f]!.set(v, k * this.sizes[f]!);
    }
  }

  private fillOrder(order: Int32Array, epoch: number): void {
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.shuffle) new Rng(mixSeed(this.seed, epoch)).shuffle(order);
  }
}
