import { type Tensor, formatShape, noGrad, shapesEqual, getBackend } from '@tapegrad/autograd';

/** Values a state dict can be loaded from: tensors, or plain `{shape, data}` records (safetensors). */
export type StateValue = Tensor | { shape: readonly number[]; data: ArrayLike<number> };

export type ForwardHook = (module: Module, input: Tensor, output: Tensor) => void;

/**
 * Base class of every layer and model, as `torch.nn.Module`: named parameters, buffers and
 * submodules (names joined with '.', so `conv1.weight` is the same key as in PyTorch), train/eval
 * mode, state dicts and forward hooks.
 *
 * Subclasses implement `forward` as a method (not an arrow-function field): the constructor wraps
 * it so that forward hooks fire on every call.
 * @example
 * class Net extends Module {
 *   fc = this.registerModule('fc', new Linear(784, 10));
 *   forward(x: Tensor) { return this.fc.forward(flatten(x)); }
 * }
 */
export abstract class Module {
  /** True in training mode (dropout active, batch norm uses and updates batch statistics). */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private readonly hooks = new Set<ForwardHook>();

  constructor() {
    const inner = this.forward;
    this.forward = (x: Tensor): Tensor => {
      const y = inner.call(this, x);
      for (const h of this.hooks) h(this, x, y);
      return y;
    };
  }

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor (requiresGrad is set). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }

  /** Registers non-trainable state that belongs in the state dict (batch-norm running statistics). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Calls fn after every forward with (module, input, output); returns a function that removes it. */
  registerForwardHook(fn: ForwardHook): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  /** (name, module) for this module ('') and every descendant, depth first. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, m] of this.children) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** A direct or nested submodule by dotted name, e.g. `model.getSubmodule('conv1')`. */
  getSubmodule(path: string): Module {
    const found = this.namedModules().find(([n]) => n === path);
    if (!found) throw new Error(`getSubmodule: no submodule named "${path}" (have: ${this.namedModules().map(([n]) => n || '(root)').join(', ')})`);
    return found[1];
  }

  namedParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [prefix, m] of this.namedModules()) for (const [n, t] of m.params) out.push([prefix ? `${prefix}.${n}` : n, t]);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [prefix, m] of this.namedModules()) for (const [n, t] of m.buffers) out.push([prefix ? `${prefix}.${n}` : n, t]);
    return out;
  }

  /** Total number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((acc, p) => acc + p.size, 0);
  }

  /** Parameters then buffers, by name: the same keys and layouts as the equivalent torch.nn module. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the parameters and buffers. With `strict` (the default), missing and
   * unexpected keys are errors; a shape mismatch always is. The message lists every problem.
   */
  loadStateDict(state: Map<string, StateValue> | Record<string, StateValue>, opts: { strict?: boolean; source?: string } = {}): void {
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const strict = opts.strict ?? true;
    const problems: string[] = [];
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    // PyTorch's batch-norm step counter has no counterpart here (see BatchNorm2d); it is
    // 'num_batches_tracked' itself when the batch norm is the root module.
    const isCounter = (k: string) => k === 'num_batches_tracked' || k.endsWith('.num_batches_tracked');
    const unexpected = [...entries.keys()].filter((k) => !own.has(k) && !isCounter(k));
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, t] of own) {
      const v = entries.get(k);
      if (v && !shapesEqual(v.shape, t.shape)) problems.push(`${k} has shape ${formatShape(v.shape)} in the state dict but ${formatShape(t.shape)} in the model`);
      // A plain record's data must fill its shape; otherwise the copy would be partial (or throw midway).
      else if (v && 'data' in v && v.data.length !== t.size) problems.push(`${k} has ${v.data.length} values in the state dict but shape ${formatShape(v.shape)} needs ${t.size}`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict${opts.source ? ` (${opts.source})` : ''}: ${problems.join('; ')}`);
    }
    const be = getBackend();
    noGrad(() => {
      for (const [k, t] of own) {
        const v = entries.get(k);
        if (!v) continue;
        const src = 'data' in v ? be.fromArray(v.data) : null;
        be.copyInPlace(t.storage, src ?? (v as Tensor).storage);
        if (src) be.free(src);
      }
    });
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (like `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Frees parameters and buffers. */
  dispose(): void {
    for (const [, t] of this.stateDict()) t.dispose();
  }
}
