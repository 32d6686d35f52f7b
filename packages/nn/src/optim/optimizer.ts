import { add, getBackend, keep, mul, noGrad, sign, type Tensor, tidy, zeros } from '@tapegrad/autograd';

/** A group of parameters sharing options; any option may be overridden per group. */
export type ParamGroup<O> = { params: Tensor[] } & O;

/** What `Optimizer.state()` returns: plain data, ready for a checkpoint. */
export interface OptimizerState {
  /** Per group, its options (lr may have been changed by a schedule). */
  groups: Array<Record<string, number | boolean>>;
  /** Per parameter (in group order), its named state tensors as numbers, and its step count. */
  params: Array<{ step: number; buffers: Record<string, Float32Array> }>;
}

/**
 * Base of SGD, Adam and AdamW: parameter groups, per-parameter state tensors, the optional L1
 * penalty, zeroGrad and state()/loadState() for resuming.
 */
export abstract class Optimizer<O extends { lr: number; l1?: number }> {
  readonly paramGroups: Array<ParamGroup<O>>;
  protected readonly perParam = new Map<Tensor, { step: number; buffers: Map<string, Tensor> }>();

  constructor(params: Tensor[] | Array<{ params: Tensor[] } & Partial<O>>, defaults: O) {
    const groups = params.length && !('params' in (params[0] as object)) ? [{ params: params as Tensor[] }] : (params as Array<{ params: Tensor[] } & Partial<O>>);
    this.paramGroups = groups.map((g) => ({ ...defaults, ...g }) as ParamGroup<O>);
    for (const g of this.paramGroups) {
      if (!(g.lr >= 0)) throw new Error(`${this.constructor.name}: learning rate must be ≥ 0, got ${g.lr}`);
    }
  }

  /** Updates every parameter that has a gradient, in place, with one fused kernel each. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          const st = this.stateOf(p);
          st.step++;
          const l1 = group.l1 ?? 0;
          if (l1 !== 0) {
            // The L1 penalty λ·Σ|p| adds λ·sign(p) to the gradient.
            const g = tidy(() => add(p.grad!, mul(sign(p), l1)));
            p.grad.dispose();
            p.grad = g;
          }
          this.update(p, p.grad!, st, group);
        }
      }
    });
  }

  protected abstract update(p: Tensor, grad: Tensor, st: { step: number; buffers: Map<string, Tensor> }, group: ParamGroup<O>): void;

  /** A zero-filled state tensor the size of p, created on first use. */
  protected buffer(st: { buffers: Map<string, Tensor> }, name: string, p: Tensor): Tensor {
    let b = st.buffers.get(name);
    if (!b) {
      // Optimizer state outlives any tidy scope the step runs in.
      b = keep(zeros(p.shape));
      st.buffers.set(name, b);
    }
    return b;
  }

  private stateOf(p: Tensor): { step: number; buffers: Map<string, Tensor> } {
    let st = this.perParam.get(p);
    if (!st) {
      st = { step: 0, buffers: new Map() };
      this.perParam.set(p, st);
    }
    return st;
  }

  /** Drops the gradients of every parameter this optimizer updates. */
  zeroGrad(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
  }

  private allParams(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  state(): OptimizerState {
    return {
      groups: this.paramGroups.map(({ params: _p, ...opts }) => ({ ...(opts as Record<string, number | boolean>) })),
      params: this.allParams().map((p) => {
        const st = this.perParam.get(p);
        const buffers: Record<string, Float32Array> = {};
        for (const [k, t] of st?.buffers ?? []) buffers[k] = t.toFloat32Array();
        return { step: st?.step ?? 0, buffers };
      }),
    };
  }

  loadState(state: OptimizerState): void {
    const params = this.allParams();
    if (state.groups.length !== this.paramGroups.length || state.params.length !== params.length) {
      throw new Error(`${this.constructor.name}.loadState: state has ${state.groups.length} groups / ${state.params.length} parameters, optimizer has ${this.paramGroups.length} / ${params.length}`);
    }
    state.groups.forEach((g, i) => Object.assign(this.paramGroups[i]!, g));
    const be = getBackend();
    params.forEach((p, i) => {
      const s = state.params[i]!;
      const st = this.stateOf(p);
      st.step = s.step;
      for (const [k, data] of Object.entries(s.buffers)) {
        if (data.length !== p.size) throw new Error(`${this.constructor.name}.loadState: buffer ${k} of parameter ${i} has ${data.length} values, parameter has ${p.size}`);
        const b = this.buffer(st, k, p);
        const src = be.fromArray(data);
        be.copyInPlace(b.storage, src);
        be.free(src);
      }
    });
  }

  /** Frees the state tensors. */
  dispose(): void {
    for (const st of this.perParam.values()) for (const b of st.buffers.values()) b.dispose();
    this.perParam.clear();
  }
}
