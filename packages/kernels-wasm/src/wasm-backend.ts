import type {
  AdamParams, Backend, BatchNormParams, Conv2dGeometry, ConvGeometry, GemmParams, SgdParams, Shape, Storage,
} from '@tapegrad/autograd';
import { SizeClassAllocator, type Block } from './allocator.js';
import {
  BINARY, GEMM_BIAS_COL, GEMM_RELU, MAX_PAGES, RED_MAX, RED_SUM, UNARY, canShareMemory, loadKernels,
  type BinaryOp, type KernelExports, type UnaryOp,
} from './kernels.js';
import { broadcastStrides, collapseAxes, contiguousStrides, numel } from './strides.js';

/** A WASM storage: `size` f32 elements at byte address `ptr`, inside a block of its size class. */
export class WasmStorage implements Storage {
  freed = false;
  constructor(readonly size: number, readonly block: Block) {}
  get ptr(): number {
    return this.block.ptr;
  }
}

export interface WasmBackendOptions {
  /** Where to load the module from (default: build/kernels.wasm or build/kernels-single.wasm). */
  wasmUrl?: URL | string;
  /**
   * Shared memory (threads-ready) or not; default: shared where the host allows it (see
   * canShareMemory). A custom wasmUrl must point at the matching build.
   */
  sharedMemory?: boolean;
}

/** Initial memory: 16 MiB; the allocator grows it in large steps. */
const INITIAL_PAGES = 256;
/** Bytes reserved for the geometry block and strided meta blocks of one call. */
const PARAM_BYTES = 4096;

/**
 * The tapegrad Backend over build/kernels.wasm: every method runs its arithmetic in WASM; the
 * TypeScript side only allocates, computes strides and writes parameter blocks.
 * Single-threaded for now; the kernels already take row / image ranges for a worker pool.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly dtype = 'float32' as const;
  private readonly allocator: SizeClassAllocator;
  private heapF32: Float32Array;
  private heapI32: Int32Array;
  private liveBytes = 0;
  /** Kernel scratch (pack panels, cols of one image), grown on demand and reused across calls. */
  private readonly scratch = new Map<string, Block>();
  private readonly paramPtr: number;

  private constructor(readonly kernels: KernelExports, readonly memory: WebAssembly.Memory) {
    this.heapF32 = new Float32Array(memory.buffer);
    this.heapI32 = new Int32Array(memory.buffer);
    this.allocator = new SizeClassAllocator(memory, kernels.heapBase(), () => this.refreshViews());
    this.paramPtr = this.allocator.alloc(PARAM_BYTES).ptr;
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const shared = options.sharedMemory ?? canShareMemory();
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
    return new WasmBackend(await loadKernels(memory, shared, options.wasmUrl), memory);
  }

  /** Views over memory.buffer must be re-created after memory.grow. */
  private refreshViews(): void {
    this.heapF32 = new Float32Array(this.memory.buffer);
    this.heapI32 = new Int32Array(this.memory.buffer);
  }

  /** A Float32Array view of a storage's elements (valid until the next allocation). */
  view(s: Storage): Float32Array {
    const w = this.own(s);
    return this.heapF32.subarray(w.ptr >> 2, (w.ptr >> 2) + w.size);
  }

  /** Current size of linear memory in bytes (flat across steady-state training steps). */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private own(s: Storage): WasmStorage {
    if (!(s instanceof WasmStorage)) throw new Error('wasm backend: storage was not allocated by this backend');
    if (s.freed) throw new Error(`wasm backend: use of a freed storage (size ${s.size})`);
    return s;
  }

  private ptr(s: Storage): number {
    return this.own(s).ptr;
  }

  private scratchPtr(name: string, bytes: number): number {
    const have = this.scratch.get(name);
    if (have !== undefined && have.classBytes >= bytes) return have.ptr;
    if (have !== undefined) this.allocator.free(have);
    const block = this.allocator.alloc(Math.max(bytes, 64));
    this.scratch.set(name, block);
    return block.ptr;
  }

  /** Writes i32 values into the parameter block and returns its address. */
  private params(values: readonly number[], offsetInts = 0): number {
    if ((values.length + offsetInts) * 4 > PARAM_BYTES) throw new Error(`wasm backend: ${values.length} parameters exceed the parameter block`);
    this.heapI32.set(values, (this.paramPtr >> 2) + offsetInts);
    return this.paramPtr + offsetInts * 4;
  }

  private geometry(g: ConvGeometry): number {
    return this.params([g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow]);
  }

  /** Note [strided meta block] (assembly/strided.ts): shape, one stride array per operand, counters. */
  private meta(shape: readonly number[], strides: readonly (readonly number[])[]): number {
    const values = [...shape];
    for (const s of strides) values.push(...s);
    values.push(...shape.map(() => 0));
    return this.params(values);
  }

  // ---- memory ----

  alloc(size: number): WasmStorage {
    const s = new WasmStorage(size, this.allocator.alloc(size * 4));
    this.liveBytes += size * 4;
    return s;
  }

  fromArray(data: ArrayLike<number>): Storage {
    const s = this.alloc(data.length);
    this.heapF32.set(data, s.ptr >> 2);
    return s;
  }

  read(s: Storage): Float32Array {
    return this.view(s).slice();
  }

  free(s: Storage): void {
    const w = this.own(s);
    w.freed = true;
    this.liveBytes -= w.size * 4;
    this.allocator.free(w.block);
  }

  bytesInUse(): number {
    return this.liveBytes;
  }

  fill(size: number, value: number): Storage {
    const out = this.alloc(size);
    this.kernels.fill(out.ptr, size, value);
    return out;
  }

  copyInPlace(dst: Storage, src: Storage): void {
    this.kernels.copy(this.ptr(dst), this.ptr(src), dst.size);
  }

  // ---- elementwise ----

  private unary(op: UnaryOp, x: Storage): Storage {
    const out = this.alloc(x.size);
    this.kernels.unary(UNARY[op], this.ptr(x), out.ptr, x.size);
    return out;
  }

  neg(x: Storage): Storage { return this.unary('neg', x); }
  exp(x: Storage): Storage { return this.unary('exp', x); }
  log(x: Storage): Storage { return this.unary('log', x); }
  sqrt(x: Storage): Storage { return this.unary('sqrt', x); }
  abs(x: Storage): Storage { return this.unary('abs', x); }
  sign(x: Storage): Storage { return this.unary('sign', x); }
  relu(x: Storage): Storage { return this.unary('relu', x); }
  sigmoid(x: Storage): Storage { return this.unary('sigmoid', x); }
  tanh(x: Storage): Storage { return this.unary('tanh', x); }

  reluBackward(dy: Storage, x: Storage): Storage {
    const out = this.alloc(x.size);
    this.kernels.reluBackward(this.ptr(dy), this.ptr(x), out.ptr, x.size);
    return out;
  }

  private binary(op: BinaryOp, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage {
    const out = this.alloc(numel(outShape));
    if (out.size === 0) return out;
    const { shape, strides } = collapseAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
    this.kernels.binary(BINARY[op], this.ptr(a), this.ptr(b), out.ptr, shape.length, this.meta(shape, strides));
    return out;
  }

  add(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('add', a, aShape, b, bShape, outShape); }
  sub(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('sub', a, aShape, b, bShape, outShape); }
  mul(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('mul', a, aShape, b, bShape, outShape); }
  div(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('div', a, aShape, b, bShape, outShape); }
  pow(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('pow', a, aShape, b, bShape, outShape); }
  maximum(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('maximum', a, aShape, b, bShape, outShape); }
  minimum(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('minimum', a, aShape, b, bShape, outShape); }
  greater(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('greater', a, aShape, b, bShape, outShape); }
  equal(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('equal', a, aShape, b, bShape, outShape); }

  where(cond: Storage, condShape: Shape, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage {
    const out = this.alloc(numel(outShape));
    if (out.size === 0) return out;
    const { shape, strides } = collapseAxes(outShape, [
      broadcastStrides(condShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape),
    ]);
    this.kernels.where(this.ptr(cond), this.ptr(a), this.ptr(b), out.ptr, shape.length, this.meta(shape, strides));
    return out;
  }

  addInPlace(dst: Storage, src: Storage): void {
    const d = this.ptr(dst);
    this.kernels.binaryRow(BINARY.add, d, 1, this.ptr(src), 1, d, dst.size);
  }

  // ---- reductions ----

  /**
   * Reduces one run of axes at a time, innermost first: x viewed as [outer, r, inner] -> [outer, inner].
   * Extent-1 axes are dropped and neighbouring axes of the same kind merged first, so the common
   * cases (all axes, leading axes, trailing axes, [N, C, HW] -> [C]) take one or two passes.
   */
  private reduce(op: number, x: Storage, shape: Shape, axes: readonly number[]): Storage {
    const dims: { extent: number; reduced: boolean }[] = [];
    shape.forEach((extent, d) => {
      if (extent === 1) return;
      const reduced = axes.includes(d);
      const last = dims[dims.length - 1];
      if (last !== undefined && last.reduced === reduced) last.extent *= extent;
      else dims.push({ extent, reduced });
    });
    const outSize = dims.reduce((n, d) => (d.reduced ? n : n * d.extent), 1);
    let current = this.own(x);
    for (;;) {
      const j = dims.map((d) => d.reduced).lastIndexOf(true);
      if (j < 0) break;
      const outer = dims.slice(0, j).reduce((n, d) => n * d.extent, 1);
      const inner = dims.slice(j + 1).reduce((n, d) => n * d.extent, 1);
      const out = this.alloc(outer * inner);
      if (out.size > 0) this.kernels.reduce(op, current.ptr, out.ptr, outer, dims[j]!.extent, inner);
      if (current !== x) this.free(current);
      current = out;
      dims.splice(j, 1);
    }
    if (current !== x) return current;
    const copy = this.alloc(outSize);
    this.kernels.copy(copy.ptr, current.ptr, outSize);
    return copy;
  }

  sum(x: Storage, shape: Shape, axes: readonly number[]): Storage { return this.reduce(RED_SUM, x, shape, axes); }
  max(x: Storage, shape: Shape, axes: readonly number[]): Storage { return this.reduce(RED_MAX, x, shape, axes); }

  // ---- layout ----

  /** dst[offset + idx·dstStrides] = src[offset + idx·srcStrides] over `shape`. */
  private copyStrided(src: number, srcStrides: readonly number[], dst: number, dstStrides: readonly number[], shape: Shape): void {
    if (numel(shape) === 0) return;
    const c = collapseAxes(shape, [srcStrides, dstStrides]);
    this.kernels.copyStrided(src, dst, c.shape.length, this.meta(c.shape, c.strides));
  }

  broadcastTo(x: Storage, shape: Shape, outShape: Shape): Storage {
    const out = this.alloc(numel(outShape));
    this.copyStrided(this.ptr(x), broadcastStrides(shape, outShape), out.ptr, contiguousStrides(outShape), outShape);
    return out;
  }

  permute(x: Storage, shape: Shape, perm: readonly number[]): Storage {
    const outShape = perm.map((p) => shape[p]!);
    const strides = contiguousStrides(shape);
    const out = this.alloc(numel(outShape));
    this.copyStrided(this.ptr(x), perm.map((p) => strides[p]!), out.ptr, contiguousStrides(outShape), outShape);
    return out;
  }

  slice(x: Storage, shape: Shape, starts: readonly number[], sizes: readonly number[]): Storage {
    const strides = contiguousStrides(shape);
    const offset = starts.reduce((o, s, d) => o + s * strides[d]!, 0);
    const out = this.alloc(numel(sizes));
    this.copyStrided(this.ptr(x) + offset * 4, strides, out.ptr, contiguousStrides(sizes), sizes);
    return out;
  }

  pad(x: Storage, shape: Shape, before: readonly number[], after: readonly number[], value: number): Storage {
    const outShape = shape.map((e, d) => e + before[d]! + after[d]!);
    const outStrides = contiguousStrides(outShape);
    const out = this.fill(numel(outShape), value) as WasmStorage;
    const offset = before.reduce((o, b, d) => o + b * outStrides[d]!, 0);
    this.copyStrided(this.ptr(x), contiguousStrides(shape), out.ptr + offset * 4, outStrides, shape);
    return out;
  }

  concat(xs: readonly Storage[], shapes: readonly Shape[], axis: number): Storage {
    const outShape = [...shapes[0]!];
    outShape[axis] = shapes.reduce((n, s) => n + s[axis]!, 0);
    const outStrides = contiguousStrides(outShape);
    const out = this.alloc(numel(outShape));
    let offset = 0;
    xs.forEach((x, i) => {
      const shape = shapes[i]!;
      this.copyStrided(this.ptr(x), contiguousStrides(shape), out.ptr + offset * outStrides[axis]! * 4, outStrides, shape);
      offset += shape[axis]!;
    });
    return out;
  }

  // ---- linear algebra and convolution ----

  /** gemm into a caller-owned output `out` ([batch, m, n]); what `gemm` and the benchmarks use. */
  gemmInto(out: Storage, a: Storage, b: Storage, p: GemmParams): void {
    const { batch, m, n, k } = p;
    if (batch === 0 || m === 0 || n === 0) return;
    const packA = this.scratchPtr('packA', this.kernels.gemmPackABytes(m, k));
    const packB = this.scratchPtr('packB', this.kernels.gemmPackBBytes(n, k));
    const flags = (p.bias !== undefined ? GEMM_BIAS_COL : 0) | (p.relu === true ? GEMM_RELU : 0);
    this.kernels.gemm(
      this.ptr(a), this.ptr(b), this.ptr(out), p.bias !== undefined ? this.ptr(p.bias) : 0,
      batch, m, n, k, p.transA ? 1 : 0, p.transB ? 1 : 0, p.strideA, p.strideB, m * n, flags,
      packA, packB, 0, m,
    );
  }

  gemm(a: Storage, b: Storage, p: GemmParams): Storage {
    const out = this.alloc(p.batch * p.m * p.n);
    this.gemmInto(out, a, b, p);
    return out;
  }

  im2col(x: Storage, g: ConvGeometry): Storage {
    const out = this.alloc(g.n * g.c * g.kh * g.kw * g.oh * g.ow);
    if (out.size > 0) this.kernels.im2col(this.ptr(x), out.ptr, this.geometry(g), 0, g.n);
    return out;
  }

  col2im(cols: Storage, g: ConvGeometry): Storage {
    const out = this.alloc(g.n * g.c * g.h * g.w);
    if (out.size > 0) this.kernels.col2im(this.ptr(cols), out.ptr, this.geometry(g), 0, g.n);
    return out;
  }

  /** Scratch for the per-image conv kernels (assembly/conv.ts): cols of one image and the A pack. */
  private convScratch(rowsA: number, k: number, g: ConvGeometry): [number, number] {
    return [
      this.scratchPtr('cols', g.c * g.kh * g.kw * g.oh * g.ow * 4),
      this.scratchPtr('packA', this.kernels.gemmPackABytes(rowsA, k)),
    ];
  }

  conv2d(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.n * g.o * g.oh * g.ow);
    if (out.size === 0) return out;
    const ckk = g.c * g.kh * g.kw;
    const [cols, packA] = this.convScratch(g.o, ckk, g);
    this.kernels.conv2d(this.ptr(x), this.ptr(w), bias !== null ? this.ptr(bias) : 0, out.ptr, g.o, this.geometry(g), cols, packA, 0, g.n);
    return out;
  }

  conv2dBackwardInput(dy: Storage, w: Storage, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.n * g.c * g.h * g.w);
    if (out.size === 0) return out;
    const ckk = g.c * g.kh * g.kw;
    const phT = g.dh * (g.kh - 1) - g.ph;
    const pwT = g.dw * (g.kw - 1) - g.pw;
    // NOTE: with stride 1, dx = conv2d(dy, flipped wᵀ, padding d·(k−1)−p): a forward conv whose GEMM
    // has K = O·KH·KW instead of K = O, which the 4x8 tile runs much faster. Worth it once C fills
    // most of a 4-row tile; otherwise (and for strides > 1) GEMM into cols + col2im.
    if (g.sh === 1 && g.sw === 1 && phT >= 0 && pwT >= 0 && g.c >= 4) {
      const wFlip = this.scratchPtr('wFlip', g.o * ckk * 4);
      this.kernels.flipConvWeight(this.ptr(w), wFlip, g.o, g.c, g.kh, g.kw);
      const gT: Conv2dGeometry = { ...g, c: g.o, h: g.oh, w: g.ow, ph: phT, pw: pwT, oh: g.h, ow: g.w, o: g.c };
      const [cols, packA] = this.convScratch(gT.o, g.o * g.kh * g.kw, gT);
      this.kernels.conv2d(this.ptr(dy), wFlip, 0, out.ptr, gT.o, this.geometry(gT), cols, packA, 0, g.n);
      return out;
    }
    const [cols, packA] = this.convScratch(ckk, g.o, g);
    this.kernels.conv2dBackwardInput(this.ptr(dy), this.ptr(w), out.ptr, g.o, this.geometry(g), cols, packA, 0, g.n);
    return out;
  }

  conv2dBackwardWeight(dy: Storage, x: Storage, g: Conv2dGeometry): Storage {
    const ckk = g.c * g.kh * g.kw;
    const out = this.alloc(g.o * ckk);
    if (out.size === 0) return out;
    const cols = this.scratchPtr('cols', ckk * g.oh * g.ow * 4);
    const dwt = this.scratchPtr('packA', ckk * g.o * 4);
    const packB = this.scratchPtr('packB', this.kernels.gemmPackBBytes(g.o, g.oh * g.ow));
    this.kernels.conv2dBackwardWeight(this.ptr(dy), this.ptr(x), out.ptr, g.o, this.geometry(g), cols, dwt, packB, 0, g.n);
    return out;
  }

  // ---- pooling ----

  maxPool2d(x: Storage, g: ConvGeometry): { y: Storage; argmax: Storage } {
    const y = this.alloc(g.n * g.c * g.oh * g.ow);
    const argmax = this.alloc(y.size);
    if (y.size > 0) this.kernels.maxPool2d(this.ptr(x), y.ptr, argmax.ptr, this.geometry(g), 0, g.n * g.c);
    return { y, argmax };
  }

  maxPool2dBackward(dy: Storage, argmax: Storage, g: ConvGeometry): Storage {
    const dx = this.alloc(g.n * g.c * g.h * g.w);
    if (dx.size > 0) this.kernels.maxPool2dBackward(this.ptr(dy), this.ptr(argmax), dx.ptr, this.geometry(g), 0, g.n * g.c);
    return dx;
  }

  avgPool2d(x: Storage, g: ConvGeometry): Storage {
    const y = this.alloc(g.n * g.c * g.oh * g.ow);
    if (y.size > 0) this.kernels.avgPool2d(this.ptr(x), y.ptr, this.geometry(g), 0, g.n * g.c);
    return y;
  }

  avgPool2dBackward(dy: Storage, g: ConvGeometry): Storage {
    const dx = this.alloc(g.n * g.c * g.h * g.w);
    if (dx.size > 0) this.kernels.avgPool2dBackward(this.ptr(dy), dx.ptr, this.geometry(g), 0, g.n * g.c);
    return dx;
  }

  // ---- softmax and losses ----

  logSoftmax(x: Storage, rows: number, cols: number): Storage {
    const y = this.alloc(rows * cols);
    this.kernels.logSoftmax(this.ptr(x), y.ptr, rows, cols);
    return y;
  }

  logSoftmaxBackward(dy: Storage, y: Storage, rows: number, cols: number): Storage {
    const dx = this.alloc(rows * cols);
    this.kernels.logSoftmaxBackward(this.ptr(dy), this.ptr(y), dx.ptr, rows, cols);
    return dx;
  }

  crossEntropy(logits: Storage, targets: Storage, rows: number, cols: number, labelSmoothing: number): { loss: Storage; logp: Storage } {
    const loss = this.alloc(rows);
    const logp = this.alloc(rows * cols);
    this.kernels.crossEntropy(this.ptr(logits), this.ptr(targets), loss.ptr, logp.ptr, rows, cols, labelSmoothing);
    return { loss, logp };
  }

  crossEntropyBackward(dloss: Storage, logp: Storage, targets: Storage, rows: number, cols: number, labelSmoothing: number): Storage {
    const dx = this.alloc(rows * cols);
    this.kernels.crossEntropyBackward(this.ptr(dloss), this.ptr(logp), this.ptr(targets), dx.ptr, rows, cols, labelSmoothing);
    return dx;
  }

  // ---- normalisation ----

  batchNorm(x: Storage, runningMean: Storage, runningVar: Storage, weight: Storage | null, bias: Storage | null, p: BatchNormParams): { y: Storage; saved: Storage } {
    const y = this.alloc(x.size);
    const saved = this.alloc(2 * p.c);
    this.kernels.batchNorm(
      this.ptr(x), y.ptr, this.ptr(runningMean), this.ptr(runningVar), weight !== null ? this.ptr(weight) : 0,
      bias !== null ? this.ptr(bias) : 0, saved.ptr, p.n, p.c, p.spatial, p.eps, p.momentum, p.training ? 1 : 0,
    );
    return { y, saved };
  }

  batchNormBackward(dy: Storage, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage } {
    const dx = this.alloc(x.size);
    const dweight = this.alloc(p.c);
    const dbias = this.alloc(p.c);
    this.kernels.batchNormBackward(
      this.ptr(dy), this.ptr(x), this.ptr(saved), weight !== null ? this.ptr(weight) : 0, dx.ptr, dweight.ptr, dbias.ptr,
      p.n, p.c, p.spatial, p.training ? 1 : 0,
    );
    return { dx, dweight, dbias };
  }

  // ---- randomness ----

  dropoutMask(size: number, p: number, seed: number): Storage {
    const out = this.alloc(size);
    this.kernels.dropoutMask(out.ptr, 0, size, p, seed >>> 0);
    return out;
  }

  // ---- optimizers ----

  sgdStep(param: Storage, grad: Storage, momentumBuf: Storage | null, p: SgdParams): void {
    this.kernels.sgdStep(
      this.ptr(param), this.ptr(grad), momentumBuf !== null ? this.ptr(momentumBuf) : 0, param.size,
      p.lr, p.momentum, p.dampening, p.nesterov ? 1 : 0, p.weightDecay, p.firstStep ? 1 : 0,
    );
  }

  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamParams): void {
    this.kernels.adamStep(
      this.ptr(param), this.ptr(grad), this.ptr(m), this.ptr(v), param.size,
      p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled ? 1 : 0, p.step,
    );
  }
}

