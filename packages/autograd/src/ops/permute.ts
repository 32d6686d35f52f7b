import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkInt, checkInts } from '../check.js';
import { checkBackend, wrap } from './util.js';

/** Reorders dimensions (a copy): out.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkBackend('permute', x);
  checkInts('permute', 'dims', dims);
  const r = x.ndim;
  const perm = dims.map((d) => (d < 0 ? d + r : d));
  if (perm.length !== r || new Set(perm).size !== r || perm.some((d) => d < 0 || d >= r)) {
    throw new Error(`permute: dims [${dims.join(',')}] are not a permutation of the ${r} dims of ${fmt(x.shape)}`);
  }
  const out = wrap(getBackend().permute(x.storage, x.shape, perm), perm.map((p) => x.shape[p]!));
  const inverse = new Array<number>(r);
  perm.forEach((p, i) => (inverse[p] = i));
  return record('permute', out, [x], (g) => [permute(g, inverse)], [], { perm });
}

/** Swaps two dimensions (default: the last two). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkBackend('transpose', x);
  checkInt('transpose', 'dim0', dim0);
  checkInt('transpose', 'dim1', dim1);
  const r = x.ndim;
  const perm = Array.from({ length: r }, (_, i) => i);
  const a = dim0 < 0 ? dim0 + r : dim0;
  const b = dim1 < 0 ? dim1 + r : dim1;
  if (a < 0 || a >= r || b < 0 || b >= r) throw new Error(`transpose: dims ${dim0}, ${dim1} are out of range for ${fmt(x.shape)}`);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}
