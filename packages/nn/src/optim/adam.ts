import { add, div, greater, mul, sqrt, sub, type Tensor, tidy, where } from '@tapegrad/autograd';
import { checkOptions } from '../check.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Use the running maximum of the second moment (Reddi et al.), as torch's amsgrad. */
  amsgrad: boolean;
  /** L1 penalty λ: adds λ·sign(p) to the gradient. */
  l1: number;
}

const ADAM_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'l1'] as const;

type Params = ConstructorParameters<typeof Optimizer<AdamOptions>>[0];

/**
 * Adam with torch.optim.Adam's semantics (bias correction; weight decay added to the gradient),
 * one fused kernel per parameter; `amsgrad: true` keeps the running maximum of the second moment
 * (state 'max_exp_avg_sq', as torch).
 *
 * Performance: the amsgrad step is composed from tensor ops (temporaries per parameter and
 * step), not the fused kernel.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  protected decoupled = false;
  protected readonly bufferNames = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];

  constructor(params: Params, opts: Partial<AdamOptions> = {}) {
    checkOptions(new.target.name, opts, ADAM_OPTIONS);
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, l1: 0, ...opts });
  }

  protected update(p: Tensor, grad: Tensor, st: { step: number; buffers: Map<string, Tensor> }, g: ParamGroup<AdamOptions>): void {
    const m = this.buffer(st, 'exp_avg', p);
    const v = this.buffer(st, 'exp_avg_sq', p);
    if (g.amsgrad) return this.amsgradStep(p, grad, m, v, this.buffer(st, 'max_exp_avg_sq', p), st.step, g);
    p.backend.adamStep(p.storage, grad.storage, m.storage, v.storage, {
      lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay, decoupled: this.decoupled, step: st.step,
    });
  }

  /** torch 1.13's _single_tensor_adam with amsgrad, op by op. */
  private amsgradStep(p: Tensor, grad: Tensor, m: Tensor, v: Tensor, vMax: Tensor, step: number, g: ParamGroup<AdamOptions>): void {
    const be = p.backend;
    const [b1, b2] = g.betas;
    tidy(() => {
      let param = p;
      let gr = grad;
      if (g.weightDecay !== 0) {
        if (this.decoupled) param = mul(p, 1 - g.lr * g.weightDecay);
        else gr = add(grad, mul(p, g.weightDecay));
      }
      be.copyInPlace(m.storage, add(mul(m, b1), mul(gr, 1 - b1)).storage);
      be.copyInPlace(v.storage, add(mul(v, b2), mul(mul(gr, gr), 1 - b2)).storage);
      be.copyInPlace(vMax.storage, where(greater(v, vMax), v, vMax).storage);
      const stepSize = g.lr / (1 - b1 ** step);
      const denom = add(div(sqrt(vMax), Math.sqrt(1 - b2 ** step)), g.eps);
      be.copyInPlace(p.storage, sub(param, mul(div(m, denom), stepSize)).storage);
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
