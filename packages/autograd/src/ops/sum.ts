import { getBackend, tidy } from '../engine.js';
import { normalizeAxes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { broadcastTo } from './broadcast-to.js';
import { mul } from './mul.js';
import { checkBool, checkOptions } from '../check.js';
import { checkBackend, wrap } from './util.js';

export interface ReduceOptions {
  keepdim?: boolean;
}

/** Checks `{keepdim}` of a reduction, naming the op. */
export function checkReduceOptions(op: string, opts: unknown): void {
  checkOptions(op, opts, ['keepdim']);
  const k = (opts as ReduceOptions | undefined)?.keepdim;
  if (k !== undefined) checkBool(op, 'keepdim', k);
}

/** Shape after reducing `axes`, with or without kept singleton dims. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * Sum over `dim` (a dim, a list, or all when omitted).
 * @example sum(x, 1, { keepdim: true }) // [N, C] -> [N, 1]
 */
export function sum(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkBackend('sum', x);
  checkReduceOptions('sum', opts);
  const axes = normalizeAxes('sum', dim, x.ndim);
  const keepShape = reducedShape(x.shape, axes, true);
  const out = wrap(getBackend().sum(x.storage, x.shape, axes), reducedShape(x.shape, axes, opts.keepdim ?? false));
  // d sum / dx: the gradient broadcast back over the summed axes.
  return record('sum', out, [x], (g) => [tidy(() => broadcastTo(g.share(keepShape), x.shape))], [], { axes, keepdim: opts.keepdim ?? false });
}

/** Mean over `dim` (all when omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkBackend('mean', x);
  checkReduceOptions('mean', opts);
  const axes = normalizeAxes('mean', dim, x.ndim);
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  return tidy(() => mul(sum(x, axes, opts), 1 / count));
}
