import { Tensor } from '@tapegrad/autograd';
import { checkIndex, type FieldSpec, type FieldValues, type TupleDataset } from './dataset.js';

/** What `TensorDataset` takes per field: a tensor `[N, ...]`, or a 1-D array of N values. */
export type TensorDatasetInput = Tensor | Float32Array | Int32Array;

/**
 * Samples are the rows of the given tensors, as PyTorch's `TensorDataset(x, y)`: `get(i)` is
 * `[x[i], y[i]]` (views, no copy). Every input has the same first dimension N. A `Tensor` is a
 * float32 field of shape `t.shape.slice(1)`; an `Int32Array` is an integer field of scalars
 * (class indices, which `fit` hands to `crossEntropy`); a `Float32Array` a float field of scalars.
 * The tensors' values are copied once, at construction (so the tensors may be disposed).
 *
 * @example
 * const ds = new TensorDataset(tensor(xs, [100, 3]), Int32Array.from(labels)); // ds.get(0) = [x0 (3 values), y0 (1 value)]
 * const loader = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 0 });
 */
export class TensorDataset implements TupleDataset {
  readonly length: number;
  readonly fields: readonly FieldSpec[];
  private readonly data: FieldValues[];
  private readonly rowSizes: number[];

  constructor(...tensors: TensorDatasetInput[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    const rows: number[] = [];
    const fields: FieldSpec[] = [];
    this.data = tensors.map((t, k) => {
      if (t instanceof Tensor) {
        if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${k} is a scalar (shape []); every tensor needs a first dimension (the samples)`);
        rows.push(t.shape[0]!);
        fields.push({ shape: t.shape.slice(1), dtype: 'float32' });
        return t.toFloat32Array();
      }
      if (t instanceof Float32Array || t instanceof Int32Array) {
        rows.push(t.length);
        fields.push({ shape: [], dtype: t instanceof Int32Array ? 'int32' : 'float32' });
        return t;
      }
      throw new TypeError(`TensorDataset: argument ${k} must be a Tensor, a Float32Array or an Int32Array, got ${describe(t)}`);
    });
    const n = rows[0]!;
    const bad = rows.findIndex((r) => r !== n);
    if (bad >= 0) {
      throw new RangeError(
        `TensorDataset: size mismatch between tensors: every first dimension must be equal, got ${tensors.map((t, k) => `${rows[k]} (argument ${k}, shape [${shapeOf(t).join(', ')}])`).join(', ')}`,
      );
    }
    this.length = n;
    this.fields = fields;
    this.rowSizes = fields.map((f) => f.shape.reduce((a, b) => a * b, 1));
  }

  /** One view per field onto row `i`. */
  get(i: number): FieldValues[] {
    checkIndex('TensorDataset', i, this.length);
    return this.data.map((d, k) => d.subarray(i * this.rowSizes[k]!, (i + 1) * this.rowSizes[k]!));
  }
}

function shapeOf(t: TensorDatasetInput): readonly number[] {
  return t instanceof Tensor ? t.shape : [t.length];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length} (wrap it: tensor(values, shape) or Float32Array.from / Int32Array.from)`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `${typeof v} ${String(v)}`;
}
