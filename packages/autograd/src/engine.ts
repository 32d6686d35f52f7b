import type { Backend, Storage } from './backend.js';
import { createRefBackend } from './backend-ref/index.js';
import { checkFunction, fail, isTensor } from './check.js';
import type { Tensor } from './tensor.js';

/**
 * Global engine state: the active backend, whether ops record onto the tape, the scope stack of
 * `tidy`, and the count of live tensors. Kept in one object so tests can inspect it.
 */
interface EngineState {
  backend: Backend | null;
  gradEnabled: boolean;
  /** Each open `tidy` scope collects the tensors created inside it; `null` marks an untracked region. */
  scopes: Array<Set<Tensor> | null>;
  liveTensors: number;
}

export const engine: EngineState = { backend: null, gradEnabled: true, scopes: [], liveTensors: 0 };

/** A Backend is checked by its shape (a name and kernels), as any object may implement the interface. */
function checkBackendArg(fn: string, b: unknown): void {
  const o = b as Partial<Backend> | null;
  if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || typeof o.fill !== 'function' || typeof o.free !== 'function') {
    fail(fn, 'backend', 'a Backend (createRefBackend(), a WASM backend)', b);
  }
}

export function setBackend(b: Backend): void {
  checkBackendArg('setBackend', b);
  engine.backend = b;
}

export function getBackend(): Backend {
  // The reference backend until setBackend picks another.
  if (!engine.backend) engine.backend = createRefBackend();
  return engine.backend;
}

/** Runs fn with `b` as the active backend, restoring the previous one afterwards. */
export function withBackend<T>(b: Backend, fn: () => T): T {
  checkBackendArg('withBackend', b);
  checkFunction('withBackend', 'fn', fn);
  const prev = engine.backend;
  engine.backend = b;
  try {
    return fn();
  } finally {
    engine.backend = prev;
  }
}

/** Runs fn without recording anything on the tape (inference, optimizer updates, metrics). */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return engine.gradEnabled;
}

/** A storage shared by every tensor that views it (reshape, detach, saved tensors). */
export class StorageRef {
  refs = 1;
  constructor(readonly backend: Backend, readonly storage: Storage) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.backend.free(this.storage);
  }
}

export function trackTensor(t: Tensor): void {
  engine.liveTensors++;
  const top = engine.scopes[engine.scopes.length - 1];
  if (top) top.add(t);
}

export function untrackTensor(t: Tensor): void {
  engine.liveTensors--;
  for (const s of engine.scopes) s?.delete(t);
}

/** Runs fn with tensor creation untracked by any enclosing scope (gradients, saved tensors). */
export function untracked<T>(fn: () => T): T {
  engine.scopes.push(null);
  try {
    return fn();
  } finally {
    engine.scopes.pop();
  }
}

/**
 * Adds to `out` the tensors of `scope` that x holds (x itself, or inside arrays and plain objects).
 * NOTE: membership in the scope stands in for `instanceof Tensor`, which would make engine.ts
 * import tensor.ts at run time (a cycle: tensor.ts imports the engine); only the scope's tensors
 * are looked up afterwards, so the result is the same.
 */
function collect(x: unknown, scope: ReadonlySet<Tensor>, out: Set<Tensor>): void {
  if (scope.has(x as Tensor)) out.add(x as Tensor);
  else if (Array.isArray(x)) for (const v of x) collect(v, scope, out);
  else if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collect(v, scope, out);
}

/**
 * Runs fn in a scope: every tensor created inside and not returned (directly, or in an array or
 * plain object) or passed to `keep` is disposed when fn returns. Returned tensors move to the
 * enclosing scope. Parameters, gradients and optimizer state live outside scopes.
 * @example const loss = tidy(() => crossEntropy(model.forward(x), y));
 */
export function tidy<T>(fn: () => T): T {
  checkFunction('tidy', 'fn', fn);
  const scope = new Set<Tensor>();
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // A throwing fn still owns what it made: without this, every tensor created before the throw
    // would leak (tracked by no scope any more).
    engine.scopes.pop();
    for (const t of scope) if (!t.isDisposed) t.dispose();
    throw err;
  }
  engine.scopes.pop();
  const keepSet = new Set<Tensor>();
  collect(result, scope, keepSet);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent) parent.add(t);
    } else if (!t.isDisposed) t.dispose();
  }
  return result;
}

/** Exempts t from disposal by the enclosing `tidy` scopes. Returns t. */
export function keep<T extends Tensor>(t: T): T {
  if (!isTensor(t)) fail('keep', 't', 'a Tensor', t);
  for (const s of engine.scopes) s?.delete(t);
  return t;
}

/** Live tensors and the bytes the active backend holds: a step that leaks nothing leaves both flat. */
export function memory(): { tensors: number; bytes: number } {
  return { tensors: engine.liveTensors, bytes: getBackend().bytesInUse() };
}
