import { checkArrayLike, checkNumber, fail } from '../check.js';
import { Rng } from '../random.js';
import type { ImageShape } from '../transforms/transform.js';

/** One example: an image `[C, H, W]` and its class index. */
export interface Example {
  image: Float32Array;
  label: number;
}

/**
 * A random-access collection of labelled images of one shape.
 * `get(i)` may return a view into shared storage: treat the image as read-only.
 */
export interface Dataset {
  readonly length: number;
  /** `[C, H, W]` of every image. */
  readonly shape: ImageShape;
  get(i: number): Example;
}

/**
 * A dataset over one contiguous `[N, C, H, W]` Float32Array and `[N]` labels. `get(i).image` is a
 * view (no copy).
 *
 * @example
 * const { images, labels } = loadFashionMnist({ split: 'test' });
 * const ds = new ArrayDataset(images, labels, [1, 28, 28]); // ds.length = 10000
 */
export class ArrayDataset implements Dataset {
  readonly length: number;
  readonly shape: ImageShape;
  private readonly imageSize: number;

  constructor(
    readonly images: Float32Array,
    readonly labels: Int32Array | ArrayLike<number>,
    shape: ImageShape,
  ) {
    if (!(images instanceof Float32Array)) fail('ArrayDataset', 'images', 'a Float32Array [N, C, H, W]', images);
    checkArrayLike('ArrayDataset', 'labels', labels, 'an array of class indices [N]');
    if (!Array.isArray(shape) || shape.length !== 3) fail('ArrayDataset', 'shape', '[C, H, W] positive integers', shape);
    const [c, h, w] = shape;
    if (![c, h, w].every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`ArrayDataset: shape must be [C, H, W] positive integers, got [${shape.join(', ')}]`);
    }
    this.imageSize = c * h * w;
    if (images.length !== labels.length * this.imageSize) {
      throw new RangeError(
        `ArrayDataset: images has ${images.length} values but ${labels.length} labels x [${shape.join(', ')}] needs ${labels.length * this.imageSize}`,
      );
    }
    this.length = labels.length;
    this.shape = [c, h, w];
  }

  get(i: number): Example {
    checkIndex('ArrayDataset', i, this.length);
    const s = this.imageSize;
    return { image: this.images.subarray(i * s, (i + 1) * s), label: this.labels[i]! };
  }
}

/** The values of one field of one sample, row-major: floats, or integers (class indices). */
export type FieldValues = Float32Array | Int32Array;

/** One field of every sample of a {@link TupleDataset}: its shape (no batch dimension) and element type. */
export interface FieldSpec {
  /** `[]` for a scalar (a class index), `[5]` for a feature row, `[C, H, W]` for an image. */
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
}

/**
 * A dataset whose samples are tuples of fixed-shape fields, as PyTorch's `TensorDataset`
 * (`ds[i] = (x[i], y[i])`). `get(i)` returns one array per field with `fields[k].shape` values
 * each; they may be views into shared storage: treat them as read-only.
 */
export interface TupleDataset {
  readonly length: number;
  readonly fields: readonly FieldSpec[];
  get(i: number): readonly FieldValues[];
}

/** Either kind of dataset: labelled images ({@link Dataset}) or tuples of fields ({@link TupleDataset}). */
export type AnyDataset = Dataset | TupleDataset;

/** True for a {@link TupleDataset} (it lists `fields`); false for a labelled-image {@link Dataset}. */
export function isTupleDataset(ds: AnyDataset): ds is TupleDataset {
  checkDataset('isTupleDataset', 'ds', ds);
  return Array.isArray((ds as Partial<TupleDataset>).fields);
}

/**
 * The fields of a dataset's samples: a labelled-image dataset is the pair
 * (float32 `[C, H, W]`, int32 `[]`).
 */
export function sampleFields(ds: AnyDataset): readonly FieldSpec[] {
  checkDataset('sampleFields', 'ds', ds);
  if (isTupleDataset(ds)) return ds.fields;
  return [{ shape: [...ds.shape], dtype: 'float32' }, { shape: [], dtype: 'int32' }];
}

/**
 * A dataset restricted to `indices` of a parent dataset (views, no copies); a subset of a
 * labelled-image dataset is one (it has `shape`), a subset of a tuple dataset is one (it has
 * `fields`).
 */
export class Subset<D extends AnyDataset = Dataset> {
  readonly length: number;
  /** The parent's `[C, H, W]` (undefined for a tuple dataset). */
  readonly shape: D extends Dataset ? ImageShape : undefined;
  /** The parent's fields (undefined for a labelled-image dataset). */
  readonly fields: D extends TupleDataset ? readonly FieldSpec[] : undefined;

  constructor(
    readonly parent: D,
    readonly indices: Int32Array,
  ) {
    checkDataset('Subset', 'parent', parent);
    if (!(indices instanceof Int32Array)) fail('Subset', 'indices', 'an Int32Array of indices into parent', indices);
    for (let k = 0; k < indices.length; k++) checkIndex('Subset', indices[k]!, parent.length);
    this.length = indices.length;
    this.shape = (isTupleDataset(parent) ? undefined : parent.shape) as this['shape'];
    this.fields = (isTupleDataset(parent) ? parent.fields : undefined) as this['fields'];
  }

  get(i: number): ReturnType<D['get']> {
    checkIndex('Subset', i, this.length);
    return this.parent.get(this.indices[i]!) as ReturnType<D['get']>;
  }
}

/**
 * Splits a dataset into disjoint random subsets of the given sizes (a seeded permutation, so the
 * same seed gives the same split). Sizes may sum to less than `dataset.length`; the rest is unused.
 *
 * @example const [train, val] = randomSplit(ds, [50000, 10000], 0);
 */
export function randomSplit<D extends AnyDataset>(dataset: D, sizes: readonly number[], seed: number): Subset<D>[] {
  checkDataset('randomSplit', 'dataset', dataset);
  if (!Array.isArray(sizes)) fail('randomSplit', 'sizes', 'an array of non-negative integers', sizes);
  checkNumber('randomSplit', 'seed', seed);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (!sizes.every((s) => Number.isInteger(s) && s >= 0) || total > dataset.length) {
    throw new RangeError(
      `randomSplit: sizes [${sizes.join(', ')}] must be non-negative integers summing to at most the dataset length ${dataset.length}`,
    );
  }
  const perm = new Int32Array(dataset.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  new Rng(seed).shuffle(perm);
  const out: Subset<D>[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.slice(start, start + s)));
    start += s;
  }
  return out;
}

/**
 * Throws unless `v` looks like a dataset: an object with an integer `length`, a `get` method and
 * either `fields` (a tuple dataset) or a `shape` [C, H, W] (labelled images).
 */
export function checkDataset(fn: string, arg: string, v: unknown): void {
  const d = v as Partial<Dataset & TupleDataset> | null;
  const ok =
    typeof d === 'object' && d !== null && Number.isInteger(d.length) && typeof d.get === 'function' && (Array.isArray(d.fields) || (Array.isArray(d.shape) && d.shape.length === 3));
  if (!ok) fail(fn, arg, 'a dataset (length, get(i), and shape [C, H, W] or fields)', v);
}

export function checkIndex(op: string, i: number, length: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new RangeError(`${op}.get: index ${i} out of range [0, ${length})`);
  }
}
