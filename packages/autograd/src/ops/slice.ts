import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkInts } from '../check.js';
import { checkBackend, wrap } from './util.js';

/**
 * The box of x starting at `starts` with extent `sizes` (a copy). Dims beyond `starts.length` are
 * taken whole; a size of −1 means "to the end".
 * @example slice(x, [0, 2], [-1, 3]) // x[:, 2:5]
 */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  checkBackend('slice', x);
  checkInts('slice', 'starts', starts);
  checkInts('slice', 'sizes', sizes);
  const r = x.ndim;
  if (starts.length > r || sizes.length !== starts.length) {
    throw new Error(`slice: starts [${starts.join(',')}] and sizes [${sizes.join(',')}] must have the same length, at most the rank of ${fmt(x.shape)}`);
  }
  const st = x.shape.map((_, i) => starts[i] ?? 0);
  const sz = x.shape.map((d, i) => (sizes[i] === undefined ? d - st[i]! : sizes[i] === -1 ? d - st[i]! : sizes[i]!));
  for (let i = 0; i < r; i++) {
    if (!Number.isInteger(st[i]) || !Number.isInteger(sz[i]) || st[i]! < 0 || sz[i]! < 0 || st[i]! + sz[i]! > x.shape[i]!) {
      throw new Error(`slice: box starting at [${st.join(',')}] with sizes [${sz.join(',')}] does not fit in ${fmt(x.shape)}`);
    }
  }
  const out = wrap(getBackend().slice(x.storage, x.shape, st, sz), sz);
  // The adjoint of a slice is zero-padding back to the input's shape.
  return record('slice', out, [x], (g) => [
    wrap(getBackend().pad(g.storage, g.shape, st, x.shape.map((d, i) => d - st[i]! - sz[i]!), 0), x.shape),
  ], [], { starts: st, sizes: sz });
}
