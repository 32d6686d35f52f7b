import { Tensor, formatShape, noGrad, shapesEqual, getBackend } from '@tapegrad/autograd';
import { checkBool, checkOptions, checkString, describeValue, fail } from './check.js';
import { isParameter, markParameter } from './parameter.js';
import { moduleRepr } from './module-repr.js';

/** Values a state dict can be loaded from: tensors, or plain `{shape, data}` records (safetensors). */
export type StateValue = Tensor | { shape: readonly number[]; data: ArrayLike<number> };

/**
 * Called after every forward with (module, first input, output, all inputs). Return nothing; to
 * change the output, wrap the module instead.
 */
export type ForwardHook = (module: Module, input: Tensor, output: Tensor, inputs: readonly Tensor[]) => void;

/** Called before every forward with (module, inputs); may return replacement inputs (one tensor or an array). */
export type ForwardPreHook = (module: Module, inputs: readonly Tensor[]) => void | Tensor | readonly Tensor[];

/** What registerForwardHook returns: call it, or its `remove()`, to detach the hook (torch's RemovableHandle). */
export interface RemovableHandle {
  (): void;
  remove(): void;
}

/**
 * The element type a state-dict entry has in PyTorch, and in the files we write. Every tensor
 * here is float32 (or float64 on the reference backend); an 'int64' buffer such as batch norm's
 * `num_batches_tracked` holds integers (exact up to 2^24 in float32) and is written as I64.
 */
export type StateDtype = 'float32' | 'int64';

/** How a buffer is stored and loaded (see registerBuffer). */
export interface BufferOptions {
  /** Its dtype in PyTorch and in safetensors files (default 'float32'). */
  dtype?: StateDtype;
  /**
   * The value it takes when a state dict lacks it: state dicts saved before the buffer existed
   * still load (PyTorch's batch norm does the same for `num_batches_tracked`, with 0). Without it
   * a missing buffer is a missing key.
   */
  defaultIfMissing?: number;
}

type Entry = { kind: 'parameter'; value: Tensor } | { kind: 'module'; value: Module };

/**
 * Fixes the name a library class prints (`String(model)`, `summary`, error messages), which come from
 * `constructor.name`: a minifying bundler renames classes (Vite's build printed `Tr(1, 16, …)` for
 * `Conv2d`), so every layer states its own. A user's class keeps whatever name their bundler gives it.
 */
export function keepClassName(cls: abstract new (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(cls, 'name', { value: name, configurable: true });
}

/**
 * Base class of every layer and model, as `torch.nn.Module`: named parameters, buffers and
 * submodules (names joined with '.', so `conv1.weight` is the same key as in PyTorch), train/eval
 * mode, state dicts, hooks and PyTorch's repr.
 *
 * Note [field registration]: assigning a Module or a Parameter to a field registers it under the
 * field's name, as torch's `__setattr__`. Class fields are defined only after the base
 * constructor returns, so the constructor returns a Proxy of the instance whose `defineProperty`
 * trap sees every field definition and assignment (with ES2022 class fields, `x = v` in a class
 * body is a [[Define]]; `this.x = v` is a [[Set]] that reaches the same trap). Rules:
 * - a Module or Parameter value registers under the field's name, unless this module already
 *   holds that very object under another name (`this.drop = this.registerModule('dropout', d)`
 *   keeps the name 'dropout');
 * - null/undefined removes a registration under that name; any other value assigned to a
 *   registered name is a TypeError (as in PyTorch).
 * The order of parameters (namedParameters, parameters, stateDict, optimizer state) is the
 * declaration order of fields and registrations, own parameters and submodules interleaved:
 * for `conv1 = new Conv2d(…); scale = new Parameter(…)` it is conv1.weight, conv1.bias, scale.
 * (PyTorch lists a module's own parameters before its children's: scale first.) Buffers follow
 * the parameters in the state dict, as before.
 *
 * Performance: the Proxy has only a defineProperty trap. Reads in forward (`this.conv1`) go
 * through V8's proxy path when `this` is the proxy, a few ns each, against milliseconds of
 * kernels per step (see the commit that introduced it for the measured train step).
 *
 * Subclasses implement `forward` as a method (not an arrow-function field): the constructor wraps
 * it so that hooks fire on every call.
 * @example
 * class Net extends Module {
 *   conv1 = new Conv2d(1, 16, 3);
 *   scale = new Parameter(ones([1]));
 *   forward(x: Tensor) { return mul(relu(this.conv1.forward(x)), this.scale); }
 * }
 * new Net().namedParameters().map(([n]) => n); // ['conv1.weight', 'conv1.bias', 'scale']
 */
export abstract class Module {
  /** True in training mode (dropout active, batch norm uses and updates batch statistics). */
  training = true;
  private readonly entries = new Map<string, Entry>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly bufferOptions = new Map<string, BufferOptions>();
  private readonly hooks = new Set<ForwardHook>();
  private readonly preHooks = new Set<ForwardPreHook>();
  /** The hook-calling forward the constructor installed; another value means someone replaced it. */
  private readonly ownForward: (...inputs: Tensor[]) => Tensor;

  constructor() {
    const proxy = new Proxy(this, Module.fieldTrap);
    const inner = this.forward;
    const hooks = this.hooks;
    const preHooks = this.preHooks;
    this.forward = this.ownForward = (...inputs: Tensor[]): Tensor => {
      if (preHooks.size === 0 && hooks.size === 0) return inner.apply(proxy, inputs);
      for (const h of preHooks) {
        const r = h(proxy, inputs);
        if (r !== undefined) inputs = Array.isArray(r) ? [...(r as Tensor[])] : [r as Tensor];
      }
      const y = inner.apply(proxy, inputs);
      for (const h of hooks) h(proxy, inputs[0]!, y, inputs);
      return y;
    };
    return proxy;
  }

  /** The computation; may take several tensors (`forward(x, mask)`). */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a trainable tensor under `name` (requiresGrad is set). */
  protected registerParameter(name: string, t: Tensor): Tensor {
    checkName('registerParameter', name);
    if (!(t instanceof Tensor)) throw new TypeError(`registerParameter: parameter '${name}' must be a Tensor, got ${describeValue(t)}`);
    t.requiresGrad = true;
    markParameter(t);
    this.entries.set(name, { kind: 'parameter', value: t });
    return t;
  }

  /**
   * Registers non-trainable state that belongs in the state dict (batch-norm running statistics);
   * `opts` gives its PyTorch dtype and a value for state dicts that lack it (BufferOptions).
   */
  protected registerBuffer(name: string, t: Tensor, opts: BufferOptions = {}): Tensor {
    checkName('registerBuffer', name);
    if (!(t instanceof Tensor)) throw new TypeError(`registerBuffer: buffer '${name}' must be a Tensor, got ${describeValue(t)}`);
    if (opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'int64') throw new TypeError(`registerBuffer: dtype of buffer '${name}' must be 'float32' or 'int64', got ${describeValue(opts.dtype)}`);
    if (opts.defaultIfMissing !== undefined && typeof opts.defaultIfMissing !== 'number') throw new TypeError(`registerBuffer: defaultIfMissing of buffer '${name}' must be a number, got ${describeValue(opts.defaultIfMissing)}`);
    this.buffers.set(name, t);
    this.bufferOptions.set(name, { ...opts });
    return t;
  }

  /** Registers a submodule under `name` (what assigning it to a field does). */
  registerModule<M extends Module>(name: string, m: M): M {
    checkName('registerModule', name);
    if (!(m instanceof Module)) throw new TypeError(`registerModule: module '${name}' must be a Module, got ${describeValue(m)}`);
    this.entries.set(name, { kind: 'module', value: m });
    return m;
  }

  /** Calls fn after every forward with (module, first input, output, inputs); returns a handle that removes it. */
  registerForwardHook(fn: ForwardHook): RemovableHandle {
    if (typeof fn !== 'function') throw new TypeError(`registerForwardHook: fn must be a function, got ${describeValue(fn)}`);
    this.hooks.add(fn);
    return handle(() => this.hooks.delete(fn));
  }

  /** Calls fn before every forward with (module, inputs); a returned tensor or array replaces the inputs. */
  registerForwardPreHook(fn: ForwardPreHook): RemovableHandle {
    if (typeof fn !== 'function') throw new TypeError(`registerForwardPreHook: fn must be a function, got ${describeValue(fn)}`);
    this.preHooks.add(fn);
    return handle(() => this.preHooks.delete(fn));
  }

  /**
   * True when something would see this module's forward run: a forward hook or pre-hook, or a
   * `forward` replaced on the instance (a tracer, a spy). A caller that could skip the forward
   * (a fusion, Note [layer fusion] in fusion.ts) must call it instead, so the observer sees the
   * output it expects.
   */
  get forwardObserved(): boolean {
    return this.hooks.size > 0 || this.preHooks.size > 0 || this.forward !== this.ownForward;
  }

  /** (name, module) of the direct submodules, in registration order. */
  namedChildren(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [name, e] of this.entries) if (e.kind === 'module') out.push([name, e.value]);
    return out;
  }

  /** The direct submodules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * (name, module) for this module ('') and every descendant, depth first; a module reachable
   * twice is listed once (torch's memo).
   */
  namedModules(prefix = ''): Array<[string, Module]> {
    checkString('namedModules', 'prefix', prefix);
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, c] of m.namedChildren()) walk(c, p ? `${p}.${name}` : name);
    };
    walk(this, prefix);
    return out;
  }

  /** This module and every descendant. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** A direct or nested submodule by dotted name, e.g. `model.getSubmodule('conv1')`. */
  getSubmodule(path: string): Module {
    checkString('getSubmodule', 'path', path);
    const found = this.namedModules().find(([n]) => n === path);
    if (!found) throw new Error(`getSubmodule: no submodule named "${path}" (have: ${this.namedModules().map(([n]) => n || '(root)').join(', ')})`);
    return found[1];
  }

  /** Parameters by dotted name in declaration order (Note [field registration]); each tensor once. */
  namedParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    const seenT = new Set<Tensor>();
    const seenM = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (seenM.has(m)) return;
      seenM.add(m);
      for (const [name, e] of m.entries) {
        const full = p ? `${p}.${name}` : name;
        if (e.kind === 'module') walk(e.value, full);
        else if (!seenT.has(e.value)) {
          seenT.add(e.value);
          out.push([full, e.value]);
        }
      }
    };
    walk(this, '');
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): Array<[string, Tensor]> {
    return this.bufferEntries().map(([k, t]) => [k, t]);
  }

  /** (dotted name, tensor, options) of every buffer. */
  private bufferEntries(): Array<[string, Tensor, BufferOptions]> {
    const out: Array<[string, Tensor, BufferOptions]> = [];
    for (const [prefix, m] of this.namedModules()) for (const [n, t] of m.buffers) out.push([prefix ? `${prefix}.${n}` : n, t, m.bufferOptions.get(n) ?? {}]);
    return out;
  }

  /**
   * The PyTorch dtype of every state-dict entry, by the same keys as stateDict(): 'float32' for
   * parameters and most buffers, 'int64' for counters such as `bn.num_batches_tracked`. Writers
   * of files (safetensors, checkpoints) store each entry as this type.
   */
  stateDictDtypes(): Map<string, StateDtype> {
    const out = new Map<string, StateDtype>(this.namedParameters().map(([k]) => [k, 'float32']));
    for (const [k, , o] of this.bufferEntries()) out.set(k, o.dtype ?? 'float32');
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
   * Checks `state` as `loadStateDict` would (keys, shapes, value counts) without copying
   * anything; throws the same error. Returns the entries as a Map.
   */
  checkStateDict(state: Map<string, StateValue> | Record<string, StateValue>, opts: { strict?: boolean; source?: string } = {}): Map<string, StateValue> {
    if (!(state instanceof Map) && (typeof state !== 'object' || state === null || Array.isArray(state))) fail('loadStateDict', 'state', 'a Map or an object of tensors by name', state);
    checkOptions('loadStateDict', opts, ['strict', 'source']);
    if (opts.source !== undefined) checkString('loadStateDict', 'source', opts.source);
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const strict = checkBool('loadStateDict', 'strict', opts.strict ?? true);
    const problems: string[] = [];
    const buffers = new Map(this.bufferEntries().map(([k, , o]) => [k, o]));
    // A buffer with a default (batch norm's num_batches_tracked) may be absent: older files lack it.
    const defaulted = new Set([...own.keys()].filter((k) => !entries.has(k) && buffers.get(k)?.defaultIfMissing !== undefined));
    const missing = [...own.keys()].filter((k) => !entries.has(k) && !defaulted.has(k));
    // A PyTorch batch norm's step counter, for a batch norm here that keeps none (one imported from
    // ONNX, which has no counter): its running_mean is there, its num_batches_tracked is not.
    const isForeignCounter = (k: string) => {
      const prefix = k === 'num_batches_tracked' ? '' : k.endsWith('.num_batches_tracked') ? k.slice(0, -'num_batches_tracked'.length) : null;
      return prefix !== null && own.has(`${prefix}running_mean`);
    };
    const unexpected = [...entries.keys()].filter((k) => !own.has(k) && !isForeignCounter(k));
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, t] of own) {
      const v = entries.get(k);
      if (v !== undefined && !(v instanceof Tensor) && !(typeof v === 'object' && v !== null && Array.isArray(v.shape) && typeof v.data?.length === 'number')) {
        problems.push(`${k} must be a Tensor or {shape, data}, got ${describeValue(v)}`);
      } else if (v && !shapesEqual(v.shape, t.shape)) problems.push(`${k} has shape ${formatShape(v.shape)} in the state dict but ${formatShape(t.shape)} in the model`);
      // A plain record's data must fill its shape; otherwise the copy would be partial (or throw midway).
      else if (v && 'data' in v && v.data.length !== t.size) problems.push(`${k} has ${v.data.length} values in the state dict but shape ${formatShape(v.shape)} needs ${t.size}`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict${opts.source ? ` (${opts.source})` : ''}: ${problems.join('; ')}`);
    }
    return entries;
  }

  /**
   * Copies values into the parameters and buffers. With `strict` (the default), missing and
   * unexpected keys are errors; a shape mismatch always is. The message lists every problem.
   */
  loadStateDict(state: Map<string, StateValue> | Record<string, StateValue>, opts: { strict?: boolean; source?: string } = {}): void {
    const entries = this.checkStateDict(state, opts);
    const own = this.stateDict();
    const buffers = new Map(this.bufferEntries().map(([k, , o]) => [k, o]));
    const defaulted = new Set([...own.keys()].filter((k) => !entries.has(k) && buffers.get(k)?.defaultIfMissing !== undefined));
    const be = getBackend();
    noGrad(() => {
      for (const [k, t] of own) {
        const v = entries.get(k);
        const o = buffers.get(k);
        let src: ReturnType<typeof be.fromArray> | null;
        if (!v) {
          if (!defaulted.has(k)) continue;
          src = be.fill(t.size, o!.defaultIfMissing!);
        } else if (o?.dtype === 'int64') {
          // As torch's copy_ into an int64 tensor: a float value is truncated toward zero.
          const data = 'data' in v ? v.data : v.toFloat32Array();
          src = be.fromArray(Array.from(data, Math.trunc));
        } else {
          src = 'data' in v ? be.fromArray(v.data) : null;
        }
        be.copyInPlace(t.storage, src ?? (v as Tensor).storage);
        if (src) be.free(src);
      }
    });
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: mode must be a boolean, got ${describeValue(mode)}`);
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter: `model.requiresGrad_(false)` freezes the model. */
  requiresGrad_(requiresGrad = true): this {
    if (typeof requiresGrad !== 'boolean') throw new TypeError(`requiresGrad_: requiresGrad must be a boolean, got ${describeValue(requiresGrad)}`);
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Calls fn on every submodule (children first, depth first) and then on this module, as torch's apply. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`apply: fn must be a function, got ${describeValue(fn)}`);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
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

  /** The layer's settings as in torch's `extra_repr` (`in_features=3, out_features=4, bias=True`). */
  extraRepr(): string {
    return '';
  }

  /** The structure as PyTorch's repr prints it. */
  toString(): string {
    return moduleRepr(this);
  }

  /** Called by the Proxy on every field definition; see Note [field registration]. */
  private fieldAssigned(key: string, value: unknown): void {
    const e = this.entries.get(key);
    if (value instanceof Module || isParameter(value)) {
      const kind = value instanceof Module ? 'module' : 'parameter';
      if (e && e.value === value) return;
      for (const other of this.entries.values()) if (other.value === value) return;
      this.entries.set(key, { kind, value } as Entry);
      return;
    }
    if (value === null || value === undefined) {
      this.entries.delete(key);
      return;
    }
    if (e) {
      const what = e.kind === 'module' ? 'submodule (a Module or null expected)' : 'parameter (a Parameter or null expected)';
      throw new TypeError(`${this.constructor.name}: cannot assign ${describeValue(value)} to field '${key}', which holds a registered ${what}`);
    }
  }

  private static readonly fieldTrap: ProxyHandler<Module> = {
    defineProperty(target, key, desc) {
      if (typeof key === 'string' && 'value' in desc) target.fieldAssigned(key, desc.value);
      return Reflect.defineProperty(target, key, desc);
    },
  };
}

/** Throws unless `v` is a Module: `fit: model must be a Module, got null`. */
export function checkModule(fn: string, arg: string, v: unknown): Module {
  if (!(v instanceof Module)) fail(fn, arg, 'a Module', v);
  return v as Module;
}

function handle(remove: () => void): RemovableHandle {
  const h = (() => void remove()) as RemovableHandle;
  h.remove = h;
  return h;
}

function checkName(fn: string, name: unknown): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new TypeError(`${fn}: name must be a non-empty string without '.', got ${describeValue(name)}`);
  }
}

