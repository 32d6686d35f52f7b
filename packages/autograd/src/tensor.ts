import type { Backend, Shape, Storage } from './backend.js';
import { checkBool, checkOptions, checkShape, fail, isShape, isTensor, TENSOR_BRAND } from './check.js';
import { getBackend, StorageRef, trackTensor, untrackTensor } from './engine.js';
import { broadcastShapes, checkedSize, fmt, sizeOf } from './shape.js';
import { type BackwardOptions, type Node, runBackward } from './tape.js';

/**
 * An n-dimensional array of numbers in a backend's memory (float32, or float64 on the reference
 * backend for gradient checks), with an optional gradient.
 *
 * Storage is released by `dispose()` or by the `tidy` scope the tensor was created in. Views made
 * by `reshape`/`detach` share storage, which is freed when the last of them goes.
 */
export class Tensor {
  /** d(root)/d(this), filled by `backward()` on leaves that require grad. Owned by this tensor. */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, or null for a leaf. */
  gradFn: Node | null = null;
  private ref: StorageRef | null;

  constructor(ref: StorageRef, readonly shape: Shape, public requiresGrad = false) {
    if (!(ref instanceof StorageRef)) fail('Tensor', 'ref', 'a StorageRef (make tensors with tensor(), zeros() or Tensor.fromStorage())', ref);
    if (typeof requiresGrad !== 'boolean') checkBool('Tensor', 'requiresGrad', requiresGrad);
    const size = ref.storage.size;
    const needed = checkedSize('Tensor', 'shape', shape);
    if (size !== needed) {
      if (typeof size !== 'number') fail('Tensor', 'storage', "a backend's Storage", ref.storage);
      throw new Error(`Tensor: storage holds ${size} elements but shape ${fmt(shape)} needs ${needed}`);
    }
    this.ref = ref;
    trackTensor(this);
  }

  /** Wraps freshly allocated storage (takes ownership). */
  static fromStorage(storage: Storage, shape: Shape, backend?: Backend): Tensor {
    // NOTE: every op's result comes through here; the checks cost a comparison or two (the
    // storage's size is checked against the shape by the constructor).
    if (typeof storage !== 'object' || storage === null) fail('Tensor.fromStorage', 'storage', "a backend's Storage", storage);
    if (backend !== undefined && (typeof backend !== 'object' || backend === null || typeof backend.free !== 'function')) fail('Tensor.fromStorage', 'backend', 'a Backend', backend);
    return new Tensor(new StorageRef(backend ?? getBackend(), storage), shape);
  }

  get backend(): Backend {
    return this.live().backend;
  }

  get storage(): Storage {
    return this.live().storage;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.ref === null;
  }

  private live(): StorageRef {
    if (!this.ref) throw new Error(`Tensor ${fmt(this.shape)}: used after dispose()`);
    return this.ref;
  }

  /** A new tensor over the same storage (no copy, no graph). Internal building block of views. */
  share(shape: Shape = this.shape): Tensor {
    if (shape !== this.shape && !isShape(shape)) checkShape('Tensor.share', 'shape', shape);
    return new Tensor(this.live().retain(), shape);
  }

  /** A tensor over the same storage that is cut off from the tape. */
  detach(): Tensor {
    return this.share();
  }

  /** A row-major float32 copy of the values. */
  toFloat32Array(): Float32Array {
    const d = this.backend.read(this.storage);
    return d instanceof Float32Array ? d : Float32Array.from(d);
  }

  /** A row-major copy in the storage's own precision (Float64Array on a float64 backend). */
  toArray(): Float32Array | Float64Array {
    return this.backend.read(this.storage);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor has shape ${fmt(this.shape)}, expected exactly one element`);
    return this.backend.read(this.storage)[0]!;
  }

  /**
   * Back-propagates from this tensor. `grad` defaults to 1 for a one-element tensor; a tensor with
   * more elements needs an explicit gradient of its own shape (as in PyTorch). `retainGraph`
   * keeps the saved tensors so the graph can be swept again (`retain_graph`).
   */
  backward(grad?: Tensor, opts: BackwardOptions = {}): void {
    if (grad !== undefined && grad !== null && !isTensor(grad)) fail('backward', 'grad', 'a Tensor or undefined', grad);
    checkOptions('backward', opts, ['retainGraph']);
    if (opts.retainGraph !== undefined) checkBool('backward', 'retainGraph', opts.retainGraph);
    if (!this.requiresGrad) {
      throw new Error(`backward: tensor ${fmt(this.shape)} does not require grad (no input of the ops that made it has requiresGrad)`);
    }
    let seed = grad;
    if (!seed) {
      if (this.size !== 1) {
        throw new Error(`backward: grad can be implicitly created only for a one-element output, but the tensor has shape ${fmt(this.shape)}; pass a gradient of that shape`);
      }
      seed = Tensor.fromStorage(this.backend.fill(1, 1), this.shape, this.backend);
    } else if (sizeOf(seed.shape) !== this.size || seed.shape.length !== this.shape.length || seed.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`backward: gradient has shape ${fmt(seed.shape)} but the tensor has shape ${fmt(this.shape)}`);
    }
    try {
      runBackward(this, seed, addGradients, opts);
    } finally {
      if (!grad) seed.dispose();
    }
  }

  /** Releases the storage (when no view shares it) and this tensor's hold on the tape. Idempotent. */
  dispose(): void {
    if (!this.ref) return;
    this.ref.release();
    this.ref = null;
    untrackTensor(this);
    this.grad?.dispose();
    this.grad = null;
    if (this.gradFn) {
      this.gradFn.release();
      this.gradFn = null;
    }
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

// Lets check.ts recognise a Tensor without importing this module (Note [argument checks]).
Object.defineProperty(Tensor.prototype, TENSOR_BRAND, { value: true });

/**
 * a + b for the tape's gradient accumulation: the forward of ops/add.ts (checks, broadcasting and
 * kernel; backward runs with the tape off, so nothing is recorded), written out here because
 * importing ops/add.ts would be an import cycle (the ops import tensor.ts).
 */
function addGradients(a: Tensor, b: Tensor): Tensor {
  const backend = getBackend();
  for (const x of [a, b]) {
    if (x.isDisposed) throw new Error(`add: input ${fmt(x.shape)} was used after dispose()`);
    if (x.backend !== backend) throw new Error(`add: tensor ${fmt(x.shape)} lives on backend ${x.backend.name} but the active backend is ${backend.name}`);
  }
  const outShape = broadcastShapes('add', a.shape, b.shape);
  return Tensor.fromStorage(backend.add(a.storage, a.shape, b.storage, b.shape, outShape), outShape, backend);
}
