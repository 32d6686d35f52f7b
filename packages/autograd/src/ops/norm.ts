import { noGrad, tidy } from '../engine.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { asParts } from '../op-observer.js';
import { div } from './div.js';
import { max } from './max.js';
import { min } from './min.js';
import { mul } from './mul.js';
import { pow } from './pow.js';
import { reshape } from './reshape.js';
import { checkReduceOptions, type ReduceOptions, reducedShape, sum } from './sum.js';
import { abs, sqrt } from './unary.js';
import { equal, greater, where } from './where.js';
import { sub } from './sub.js';
import { checkBackend } from './util.js';

/**
 * The vector p-norm of x over `dim` (all elements when omitted), as `torch.norm(x, p, dim,
 * keepdim)` / `torch.linalg.vector_norm`: p = 2 or 'fro' (√Σx², the default), 1 (Σ|x|), Infinity
 * (max |x|), −Infinity (min |x|), 0 (the count of non-zeros, no gradient), or any other positive p
 * ((Σ|x|ᵖ)^(1/p)). The 2-norm's gradient is x/‖x‖, and 0 at x = 0 (as in PyTorch), not NaN.
 * @example norm(w) // ‖w‖₂; norm(x, 1, 1) // [N, F] -> [N] row sums of |x|
 */
export function norm(x: Tensor, p: number | 'fro' = 2, dim?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkBackend('norm', x);
  checkReduceOptions('norm', opts);
  if (!(p === 'fro' || (typeof p === 'number' && !Number.isNaN(p) && (p >= 0 || p === -Infinity)))) {
    throw new Error(`norm: p must be 'fro', 0, a positive number, Infinity or -Infinity, got ${JSON.stringify(typeof p === 'number' && !Number.isFinite(p) ? String(p) : p)}`);
  }
  const axes = normalizeAxes('norm', dim, x.ndim);
  const keepdim = opts.keepdim ?? false;
  if (p === 2 || p === 'fro') return norm2(x, axes, keepdim);
  return tidy(() => {
    if (p === 1) return sum(abs(x), axes, { keepdim });
    if (p === Infinity) return max(abs(x), axes, { keepdim });
    if (p === -Infinity) return min(abs(x), axes, { keepdim });
    if (p === 0) return noGrad(() => sum(sub(1, equal(x, 0)), axes, { keepdim }));
    return pow(sum(pow(abs(x), p), axes, { keepdim }), 1 / p);
  });
}

/** √Σx² as one tape entry, so that its vjp can give 0 rather than 0/0 at the origin. */
function norm2(x: Tensor, axes: number[], keepdim: boolean): Tensor {
  const keepShape = reducedShape(x.shape, axes, true);
  const out = asParts(() => noGrad(() => tidy(() => sqrt(sum(mul(x, x), axes, { keepdim })))));
  return record('norm', out, [x], (g, [xs, n]) => [
    tidy(() => {
      const nk = reshape(n!, keepShape);
      // NOTE: where() picks a branch without arithmetic, so the 0/0 at ‖x‖ = 0 is never used.
      return where(greater(nk, 0), mul(xs!, div(reshape(g, keepShape), nk)), 0);
    }),
  ], [x, out], { p: 2, axes, keepdim });
}
