import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { slice } from './slice.js';
import { checkInts, fail } from '../check.js';
import { checkBackend, wrap } from './util.js';

/**
 * Constant padding in `torch.nn.functional.pad` order: pairs (before, after) starting from the
 * last dimension. `pad(x, [1, 1, 2, 2])` pads W by 1 and H by 2 on each side.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  checkBackend('pad', x);
  checkInts('pad', 'padding', padding);
  if (typeof value !== 'number') fail('pad', 'value', 'a number', value);
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim || padding.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`pad: padding [${padding.join(',')}] must be non-negative (before, after) pairs for at most ${x.ndim} dims of ${fmt(x.shape)}`);
  }
  const before = new Array<number>(x.ndim).fill(0);
  const after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    before[x.ndim - 1 - i] = padding[2 * i]!;
    after[x.ndim - 1 - i] = padding[2 * i + 1]!;
  }
  const outShape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const out = wrap(getBackend().pad(x.storage, x.shape, before, after, value), outShape);
  return record('pad', out, [x], (g) => [slice(g, before, x.shape)], [], { before, after, value });
}
