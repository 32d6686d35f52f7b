import { getBackend, type Tensor } from '@tapegrad/autograd';
import { checkOptions } from '../check.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** L2 penalty added to the gradient (wd·p), as torch.optim.SGD's weight_decay. */
  weightDecay: number;
  /** L1 penalty λ: adds λ·sign(p) to the gradient. */
  l1: number;
}

const SGD_OPTIONS = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'l1'] as const;

/**
 * Stochastic gradient descent with torch.optim.SGD's semantics (momentum, dampening, Nesterov,
 * weight decay), one fused kernel per parameter.
 * @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SgdOptions> {
  protected readonly bufferNames = ['momentum_buffer'];

  constructor(params: ConstructorParameters<typeof Optimizer<SgdOptions>>[0], opts: Partial<SgdOptions> & { lr: number }) {
    checkOptions('SGD', opts, SGD_OPTIONS);
    // lr has no default (as torch); a missing one is refused by the option check.
    if (!opts || !('lr' in opts)) throw new RangeError(`SGD: lr must be a finite learning rate ≥ 0, got undefined`);
    super(params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, l1: 0, ...opts });
    for (const g of this.paramGroups) {
      if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError(`SGD: nesterov requires momentum > 0 and dampening 0, got momentum ${g.momentum}, dampening ${g.dampening}`);
    }
  }

  protected update(p: Tensor, grad: Tensor, st: { step: number; buffers: Map<string, Tensor> }, g: ParamGroup<SgdOptions>): void {
    const buf = g.momentum !== 0 ? this.buffer(st, 'momentum_buffer', p) : null;
    getBackend().sgdStep(p.storage, grad.storage, buf ? buf.storage : null, {
      lr: g.lr, momentum: g.momentum, dampening: g.dampening, nesterov: g.nesterov, weightDecay: g.weightDecay, firstStep: st.step === 1,
    });
  }
}
