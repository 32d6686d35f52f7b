import { add, div, mul, sqrt, sub, type Tensor, tidy } from '@tapegrad/autograd';
import { Optimizer, type ParamGroup } from './optimizer.js';
import { checkOptions } from '../check.js';

export interface RmspropOptions {
  lr: number;
  /** Smoothing constant of the running average of g² (default 0.99). */
  alpha: number;
  eps: number;
  /** L2 penalty added to the gradient (wd·p). */
  weightDecay: number;
  momentum: number;
  /** Normalise by the variance estimate E[g²] − E[g]² instead of E[g²]. */
  centered: boolean;
  /** L1 penalty λ: adds λ·sign(p) to the gradient. */
  l1: number;
}

const RMSPROP_OPTIONS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'l1'] as const;

type Params = ConstructorParameters<typeof Optimizer<RmspropOptions>>[0];

/**
 * RMSprop with torch.optim.RMSprop's semantics (Hinton; eps added outside the square root;
 * optional momentum buffer and centering), defaults lr 0.01, alpha 0.99, eps 1e-8.
 *
 * Performance: composed from tensor ops (a few temporaries per parameter and step) rather than a
 * fused kernel like SGD's and Adam's.
 * @example const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RmspropOptions> {
  protected readonly bufferNames = ['square_avg', 'grad_avg', 'momentum_buffer'];

  constructor(params: Params, opts: Partial<RmspropOptions> = {}) {
    checkOptions('RMSprop', opts, RMSPROP_OPTIONS);
    super(params, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, l1: 0, ...opts });
  }

  protected update(p: Tensor, grad: Tensor, st: { step: number; buffers: Map<string, Tensor> }, g: ParamGroup<RmspropOptions>): void {
    const sq = this.buffer(st, 'square_avg', p);
    const gAvg = g.centered ? this.buffer(st, 'grad_avg', p) : null;
    const buf = g.momentum > 0 ? this.buffer(st, 'momentum_buffer', p) : null;
    const be = p.backend;
    tidy(() => {
      const gr = g.weightDecay !== 0 ? add(grad, mul(p, g.weightDecay)) : grad;
      const sqNew = add(mul(sq, g.alpha), mul(mul(gr, gr), 1 - g.alpha));
      be.copyInPlace(sq.storage, sqNew.storage);
      let avg: Tensor;
      if (gAvg) {
        const gaNew = add(mul(gAvg, g.alpha), mul(gr, 1 - g.alpha));
        be.copyInPlace(gAvg.storage, gaNew.storage);
        avg = add(sqrt(sub(sq, mul(gAvg, gAvg))), g.eps);
      } else {
        avg = add(sqrt(sq), g.eps);
      }
      let next: Tensor;
      if (buf) {
        const bufNew = add(mul(buf, g.momentum), div(gr, avg));
        be.copyInPlace(buf.storage, bufNew.storage);
        next = sub(p, mul(buf, g.lr));
      } else {
        next = sub(p, mul(div(gr, avg), g.lr));
      }
      be.copyInPlace(p.storage, next.storage);
    });
  }
}
