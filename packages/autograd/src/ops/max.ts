import { getBackend, tidy } from '../engine.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { checkReduceOptions, type ReduceOptions, reducedShape, sum } from './sum.js';
import { equal } from './where.js';
import { checkBackend, wrap } from './util.js';

/**
 * Maximum over `dim` (all when omitted). The gradient is shared evenly among the elements that
 * attain the maximum (like `torch.amax`).
 */
export function max(x: Tensor, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkBackend('max', x);
  checkReduceOptions('max', opts);
  if (x.size === 0) throw new Error(`max: cannot reduce an empty tensor [${x.shape.join(',')}]`);
  const axes = normalizeAxes('max', dim, x.ndim);
  const keepShape = reducedShape(x.shape, axes, true);
  const out = wrap(getBackend().max(x.storage, x.shape, axes), reducedShape(x.shape, axes, opts.keepdim ?? false));
  return record('max', out, [x], (g, [x0, y]) => [
    tidy(() => {
      const mask = equal(x0!, y!.share(keepShape));
      const count = sum(mask, axes, { keepdim: true });
      return mul(mask, div(g.share(keepShape), count));
    }),
  ], [x, out], { axes, keepdim: opts.keepdim ?? false });
}
