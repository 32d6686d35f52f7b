import { getBackend, type Tensor } from '@tapegrad/autograd';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** L1 penalty λ: adds λ·sign(p) to the gradient. */
  l1: number;
}

type Params = ConstructorParameters<typeof Optimizer<AdamOptions>>[0];

/**
 * Adam with torch.optim.Adam's semantics (bias correction; weight decay added to the gradient),
 * one fused kernel per parameter.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  protected decoupled = false;

  constructor(params: Params, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, l1: 0, ...opts });
  }

  protected update(p: Tensor, grad: Tensor, st: { step: number; buffers: Map<string, Tensor> }, g: ParamGroup<AdamOptions>): void {
    const m = this.buffer(st, 'exp_avg', p);
    const v = this.buffer(st, 'exp_avg_sq', p);
    getBackend().adamStep(p.storage, grad.storage, m.storage, v.storage, {
      lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay, decoupled: this.decoupled, step: st.step,
    });
  }
}

/**
 * AdamW: Adam with decoupled weight decay (p ← p − lr·wd·p before the Adam step), default
 * weightDecay 0.01, as torch.optim.AdamW.
 */
export class AdamW extends Adam {
  constructor(params: Params, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts });
    this.decoupled = true;
  }
}
