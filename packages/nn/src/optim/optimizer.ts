import { add, getBackend, keep, mul, noGrad, sign, Tensor, tidy, zeros } from '@tapegrad/autograd';
import { checkOptions, checkString, describeValue, fail } from '../check.js';
import { DataError } from '../errors.js';
import { optionProblem } from './optimizer-options.js';

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

  /** The names of the per-parameter state tensors this optimizer keeps (torch's names). */
  protected abstract readonly bufferNames: readonly string[];

  /**
   * @param params the parameters, or groups `{params, ...options}` overriding `defaults`.
   * @param defaults every option of the optimizer; a group may only set these (Note [optimizer options]).
   */
  constructor(params: Tensor[] | Array<{ params: Tensor[] } & Partial<O>>, defaults: O) {
    const fn = new.target.name;
    if (!Array.isArray(params)) fail(fn, 'params', 'an array of Tensors or of groups {params, ...options}', params);
    const isGroup = (x: unknown) => typeof x === 'object' && x !== null && !(x instanceof Tensor) && 'params' in x;
    const grouped = params.length > 0 && isGroup(params[0]);
    const groups = grouped ? (params as Array<{ params: Tensor[] } & Partial<O>>) : [{ params: params as Tensor[] }];
    groups.forEach((g, i) => {
      const where = grouped ? `params[${i}].` : '';
      if (!isGroup(g)) fail(fn, `params[${i}]`, 'a group {params, ...options} like the others', g);
      if (!Array.isArray(g.params)) fail(fn, `${where}params`, 'an array of Tensors', g.params);
      g.params.forEach((t, j) => {
        if (!(t instanceof Tensor)) fail(fn, `${where}params[${j}]`, 'a Tensor', t);
      });
      for (const k of Object.keys(g)) {
        if (k !== 'params' && !(k in defaults)) throw new RangeError(`${fn}: unknown option '${k}' in params[${i}] (supported: ${Object.keys(defaults).join(', ')})`);
      }
    });
    this.paramGroups = groups.map((g) => ({ ...defaults, ...g }) as ParamGroup<O>);
    this.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        const problem = optionProblem(grouped ? `params[${i}].${k}` : k, k, v);
        if (problem) throw new RangeError(`${fn}: ${problem}`);
      }
    });
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

  /**
   * Checks a saved state against this optimizer without changing anything: the same number of
   * groups and parameters, each group's options known and in range (Note [optimizer options]),
   * step counts non-negative integers, buffers with known names and one value per parameter
   * element. Throws a DataError naming `source` (when given) and the field.
   */
  checkState(state: unknown, source?: string): asserts state is OptimizerState {
    const bad = (msg: string): never => {
      throw new DataError(`${this.constructor.name}.loadState${source ? ` (${source})` : ''}: ${msg}`);
    };
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(state)) return bad(`state must be an object {groups, params}, got ${describeValue(state)}`);
    const { groups, params } = state;
    if (!Array.isArray(groups)) bad(`groups must be an array, got ${describeValue(groups)}`);
    if (!Array.isArray(params)) bad(`params must be an array, got ${describeValue(params)}`);
    const own = this.allParams();
    const gs = groups as unknown[];
    const ps = params as unknown[];
    if (gs.length !== this.paramGroups.length || ps.length !== own.length) {
      bad(`state has ${gs.length} groups / ${ps.length} parameters, optimizer has ${this.paramGroups.length} / ${own.length}`);
    }
    gs.forEach((g, i) => {
      if (!isObject(g)) return bad(`groups[${i}] must be an object of options, got ${describeValue(g)}`);
      const current = this.paramGroups[i] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params' || !(k in current)) bad(`groups[${i}] has unknown option '${k}' (${this.constructor.name} has ${Object.keys(current).filter((x) => x !== 'params').join(', ')})`);
        const problem = optionProblem(`groups[${i}].${k}`, k, v, current[k]);
        if (problem) bad(problem);
      }
    });
    ps.forEach((s, i) => {
      if (!isObject(s)) return bad(`params[${i}] must be an object {step, buffers}, got ${describeValue(s)}`);
      if (!Number.isSafeInteger(s.step) || (s.step as number) < 0) bad(`params[${i}].step must be an integer ≥ 0, got ${describeValue(s.step)}`);
      if (!isObject(s.buffers)) return bad(`params[${i}].buffers must be an object, got ${describeValue(s.buffers)}`);
      const size = own[i]!.size;
      for (const [k, data] of Object.entries(s.buffers)) {
        if (!this.bufferNames.includes(k)) bad(`params[${i}].buffers has unknown buffer '${k}' (${this.constructor.name} keeps ${this.bufferNames.join(', ')})`);
        if (!(data instanceof Float32Array)) bad(`params[${i}].buffers.${k} must be a Float32Array, got ${describeValue(data)}`);
        const d = data as Float32Array;
        if (d.length !== size) bad(`buffer ${k} of parameter ${i} has ${d.length} values, parameter has ${size} (shape [${own[i]!.shape.join(',')}])`);
        for (let j = 0; j < d.length; j++) if (!Number.isFinite(d[j]!)) bad(`params[${i}].buffers.${k} holds ${d[j]} at index ${j}`);
      }
    });
  }

  /**
   * Restores a state from `state()`. Everything is checked first (`checkState`): a bad state
   * throws a DataError and leaves the optimizer as it was.
   * @param opts.source the file the state came from, named in errors.
   */
  loadState(state: OptimizerState, opts: { source?: string } = {}): void {
    checkOptions(`${this.constructor.name}.loadState`, opts, ['source']);
    if (opts.source !== undefined) checkString(`${this.constructor.name}.loadState`, 'source', opts.source);
    this.checkState(state, opts.source);
    const params = this.allParams();
    state.groups.forEach((g, i) => Object.assign(this.paramGroups[i]!, structuredClone(g)));
    const be = getBackend();
    params.forEach((p, i) => {
      const s = state.params[i]!;
      const st = this.stateOf(p);
      st.step = s.step;
      // Buffers the saved state does not have start again from zero, as in a fresh optimizer.
      for (const [k, b] of st.buffers) {
        if (!(k in s.buffers)) {
          b.dispose();
          st.buffers.delete(k);
        }
      }
      for (const [k, data] of Object.entries(s.buffers)) {
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
