import type {
  AdamParams, Backend, BatchNormParams, Conv2dGeometry, ConvGeometry, GemmParams, SgdParams, Shape, Storage,
} from '@tapegrad/autograd';
import { SizeClassAllocator, type Block } from './allocator.js';
import {
  type ConvOptions, convBackward, convBackwardInput, convBackwardWeight, convForward, convReluBackwardWeight, convReluMaxPool, reluConvBackwardWeightFits,
  winogradPoolFits,
} from './conv.js';
import { Dispatch, type KernelHost } from './dispatch.js';
import { GEMM_THREADS_MIN_MACS, type GemmOptions, gemmInto } from './gemm.js';
import {
  BINARY, MAX_PAGES, RED_MAX, RED_SUM, UNARY, canShareMemory, compileKernels, compiledFrom, instantiateKernels,
  type BinaryOp, type KernelExports, type UnaryOp,
} from './kernels.js';
import { WorkerPool, canUseWorkers } from './worker-pool.js';
import { broadcastStrides, collapseAxes, contiguousStrides, numel } from './strides.js';

/**
 * The flush of a backend's deferred convolution (Note [deferred conv]), or null: run before any
 * storage's address is taken, so that no kernel and no reader ever sees its output unwritten.
 */
let flushDeferred: (() => void) | null = null;

/** A WASM storage: `size` f32 elements at byte address `ptr`, inside a block of its size class. */
export class WasmStorage implements Storage {
  freed = false;
  constructor(readonly size: number, readonly block: Block) {}
  get ptr(): number {
    if (flushDeferred !== null) flushDeferred();
    return this.block.ptr;
  }
}

/**
 * Note [deferred conv]: a convolution whose output only feeds the next convolution is written to
 * memory and read back for the whole batch in between: at batch 500 the case study's conv1 output
 * is 21.6 MB, past L2, so conv2 read it from L3 or DRAM (inference 31 µs an image against 27 µs at
 * batch 32). So the public conv2dRelu, when the op says the tape does not keep its output (`taped`
 * false: inference), does not run at once: it checks its arguments, allocates its output and
 * leaves the call pending (at most one, `deferred`) when that output is at least CHAIN_MIN_BYTES
 * and one image's output fits a chunk (chainable). A conv2dRelu or conv2dReluMaxPool whose input
 * is that output then runs the two as a chain over chunks of images (CHAIN_CHUNK_BYTES of the
 * first's output per thread): the first conv writes a chunk of its output, in its place in the
 * full tensor, and the second reads it while it is still in cache. Anything else runs the pending
 * call first: every public method but those two flushes on entry (wrapped in the constructor),
 * and so does taking any storage's address (WasmStorage.ptr), so no kernel and no reader can see
 * the output unwritten, and the inputs cannot change or be freed before it ran (changing them
 * takes a method call). Every image is computed exactly as without the chain (the kernels work per
 * image), so results are bit for bit the same; the output is always written whole, so a tensor
 * read later holds the same values. Inside the backend nothing defers (the fallbacks call
 * conv2dReluNow). Training (taped) defers nothing: forced on at batches 400 and 512, chains
 * measured 0.99× the step time on one thread and 1.01–1.06× on two.
 */
interface DeferredConv {
  x: WasmStorage;
  w: WasmStorage;
  bias: WasmStorage | null;
  g: Conv2dGeometry;
  out: WasmStorage;
}

/**
 * Bytes of the first convolution's output per thread in one chunk of a chain (Note [deferred
 * conv]): half of a 2 MiB L2. Measured on the case study's inference at batch 500 (AMD EPYC Zen 5,
 * 1 thread, same process against the build before): 128 KiB 0.99×, 256 KiB 1.05×, 768 KiB–1.5 MiB
 * 1.07–1.08× the images/s (smaller chunks repeat each call's weight transform and setup more often).
 */
const CHAIN_CHUNK_BYTES = 1 << 20;
/**
 * A chain runs only when the first convolution's whole output is at least this big, past a share
 * of L3 (32 MiB here): at the case study's training batch of 128 (5.5 MB) the chain measured 1.01×
 * (1 thread) and 1.04× (2 threads) the step time before, and 1.00× the inference images/s.
 */
const CHAIN_MIN_BYTES = 16 << 20;
/** Bytes of the f64 scalars block of an optimizer step's shares (7 f64: Note [optimizer shares], assembly/optim.ts). */
const OPTIM_ARGS_BYTES = 56;
/**
 * Methods that do not run a deferred conv on entry (Note [deferred conv]): the chain's consumers,
 * which decide themselves; the helpers the methods use inside (after their own entry: their
 * callers have flushed already, and the consumers call them before deciding); and the
 * bookkeeping that reads no storage. Every other method flushes on entry.
 */
const NO_FLUSH = new Set([
  'conv2dRelu', 'conv2dReluMaxPool', 'takeDeferred', 'runConvRelu', 'runDeferred', 'runChain', 'chainsFrom', 'chainable', 'conv2dReluNow', 'own', 'ptr', 'params', 'geometry', 'meta',
  'refreshViews', 'unary', 'binary', 'reduce', 'copyStrided', 'sumRows', 'batchNormForward', 'batchNormGrad', 'f32At', 'geometryBlock',
  'transposeInto', 'optimArgs', 'alloc', 'bytesInUse', 'bytesInUsePeak', 'resetBytesInUsePeak', 'memoryBytes', 'scratchBytes', 'resetScratchPeak',
]);

export interface WasmBackendOptions {
  /** Where to load the module from (default: build/kernels.wasm or build/kernels-single.wasm). */
  wasmUrl?: URL | string;
  /**
   * Shared memory (threads-ready) or not; default: shared where the host allows it (see
   * canShareMemory). A custom wasmUrl must point at the matching build.
   */
  sharedMemory?: boolean;
  /**
   * Threads for conv2d (forward and both backwards), large GEMMs and the large element-wise,
   * pooling and reduction kernels (see README, Threads): the calling thread plus
   * `threads − 1` workers over the same shared memory (worker_threads in Node, Web Workers in
   * cross-origin isolated pages; elsewhere a console warning and 1 thread). Default 1: the
   * deterministic single-thread path. Results are deterministic for a given thread count; conv
   * backward-weight sums per-thread partial gradients, so it can differ from 1 thread by rounding.
   * Call `dispose()` to stop the workers (idle workers never keep a Node process alive).
   */
  threads?: number;
  /**
   * Winograd F(2×2, 3×3) for the 3×3, stride-1 convolutions with enough channels (forward, the
   * stride-1 backward-input, backward-weight): 2.25× fewer multiplies than im2col + GEMM, results
   * equal up to float32 rounding. Default true; false keeps every conv on im2col + GEMM.
   */
  winograd?: boolean;
  /**
   * A direct 3×3 forward for the stride-1 3×3 convolutions with fewer than 8 input channels (conv1
   * of the case study, an RGB stem; Note [direct conv] in assembly/conv/direct.ts; their backward
   * passes run im2col + GEMM either way). Default true; false runs their forward on im2col + GEMM too.
   */
  direct?: boolean;
  /**
   * Tuning: tiles per Winograd block (Note [winograd tile blocks], assembly/conv/winograd.ts; the
   * kernels round it to whole groups of 4 tiles, at least 4). Default: a block whose transformed
   * buffers take about 1 MiB (`winogradBlockTiles(C, O)` of the kernels). The forward results do
   * not depend on it; the weight gradient's rounding does.
   */
  winogradBlockTiles?: number;
  /**
   * Deferred conv chains (Note [deferred conv]): a conv2dRelu of at least 16 MiB of output waits
   * for the conv that reads it, and the two run over chunks of images. Default true; false runs
   * every conv2dRelu at once. Results are bit for bit the same either way.
   */
  convChains?: boolean;
  /**
   * The relaxed-SIMD build (f32x4.relaxed_madd in the GEMM tiles) where the engine supports it
   * (see CompileKernelsOptions in kernels.ts); default true, unless TAPEGRAD_RELAXED_SIMD is `0`
   * or `false` in the environment.
   */
  relaxedSimd?: boolean;
  /**
   * Tuning: GEMMs with fewer multiply-adds (batch·m·n·k) than this stay on one thread when
   * `threads > 1` (default 2^24; see GEMM_THREADS_MIN_MACS).
   */
  gemmThreadsMinMacs?: number;
  /**
   * Tuning: GEMMs skip the multiply-adds of the k steps at which all rows of a packed A panel are
   * zero (Note [zero-skipping A panels], assembly/gemm/skip.ts; the same result bit for bit, as B
   * is checked to be finite). Default true; false always runs the dense tiles.
   */
  gemmSkipZeros?: boolean;
}

/** Initial memory: 16 MiB; the allocator grows it in large steps. */
const INITIAL_PAGES = 256;
/** Bytes reserved for the geometry block and strided meta blocks of one call. */
const PARAM_BYTES = 4096;

/**
 * The tapegrad Backend over build/kernels.wasm: every method runs its arithmetic in WASM; the
 * TypeScript side only allocates, computes strides and writes parameter blocks.
 * Convolutions, large GEMMs and large element-wise / pooling / reduction calls can run on a worker
 * pool (`threads`); everything else runs on the calling thread.
 */
export class WasmBackend implements Backend, KernelHost {
  readonly name = 'wasm';
  readonly dtype = 'float32' as const;
  private readonly allocator: SizeClassAllocator;
  private heapF32: Float32Array;
  private heapI32: Int32Array;
  private heapF64: Float64Array;
  private liveBytes = 0;
  private liveBytesPeak = 0;
  private readonly paramPtr: number;
  /** Where split kernels run (the worker pool, if any) and the kernels' scratch. */
  readonly dispatch: Dispatch;

  private constructor(
    readonly kernels: KernelExports, readonly memory: WebAssembly.Memory, pool: WorkerPool | null, private readonly conv: ConvOptions,
    private readonly gemmOptions: GemmOptions,
  ) {
    this.heapF32 = new Float32Array(memory.buffer);
    this.heapI32 = new Int32Array(memory.buffer);
    this.heapF64 = new Float64Array(memory.buffer);
    this.allocator = new SizeClassAllocator(memory, kernels.heapBase(), () => this.refreshViews());
    this.paramPtr = this.allocator.alloc(PARAM_BYTES).ptr;
    this.dispatch = new Dispatch(kernels, this.allocator, pool);
    // Note [deferred conv]: every public method but the chain's consumers runs a pending conv first.
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(WasmBackend.prototype)) {
      const d = Object.getOwnPropertyDescriptor(WasmBackend.prototype, name);
      if (name === 'constructor' || NO_FLUSH.has(name) || d === undefined || typeof d.value !== 'function') continue;
      const method = d.value as (...a: unknown[]) => unknown;
      self[name] = function (this: WasmBackend, ...args: unknown[]): unknown {
        if (this.deferred !== null) this.runDeferred();
        return method.apply(this, args);
      };
    }
  }

  /** The pending conv2dRelu (Note [deferred conv]), or null. */
  private deferred: DeferredConv | null = null;
  /** Whether conv2dRelu may defer (createWasmBackend's convChains). */
  private chainsOn = true;
  /** Chains run so far (Note [deferred conv]): the tests' and the bench's check that one ran. */
  chainedConvs = 0;

  /** The pending conv2dRelu, no longer pending (Note [deferred conv]), or null. */
  private takeDeferred(): DeferredConv | null {
    const d = this.deferred;
    this.deferred = null;
    flushDeferred = null;
    return d;
  }

  /** conv2dRelu of `c` on its images [n0, n0 + n) (all of them by default): raw addresses, no flush. */
  private runConvRelu(c: DeferredConv, n0 = 0, n = c.g.n): void {
    const g = c.g;
    convForward(
      this, c.x.block.ptr + 4 * n0 * g.c * g.h * g.w, c.w.block.ptr, c.bias !== null ? c.bias.block.ptr : 0,
      c.out.block.ptr + 4 * n0 * g.o * g.oh * g.ow, n === g.n ? g : { ...g, n }, this.conv, true,
    );
  }

  /** Runs the pending conv2dRelu, if any (Note [deferred conv]). */
  private runDeferred(): void {
    const d = this.takeDeferred();
    if (d !== null) this.runConvRelu(d);
  }

  /**
   * Runs the pending conv2dRelu (whose output is the second conv's input) and `second` over chunks
   * of images (Note [deferred conv]); second(n0, n) runs the second conv on images [n0, n0 + n).
   */
  private runChain(second: (n0: number, n: number) => void): void {
    const d = this.takeDeferred()!;
    const chunk = this.threads * Math.floor(CHAIN_CHUNK_BYTES / (4 * d.g.o * d.g.oh * d.g.ow));
    for (let n0 = 0; n0 < d.g.n; n0 += chunk) {
      const n = Math.min(chunk, d.g.n - n0);
      this.runConvRelu(d, n0, n);
      second(n0, n);
    }
    this.chainedConvs++;
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const shared = options.sharedMemory ?? canShareMemory();
    let threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm backend: threads must be a positive integer, got ${options.threads}`);
    if (threads > 1 && !(shared && canUseWorkers())) {
      console.warn(
        `kernels-wasm: threads: ${threads} needs a shared WebAssembly.Memory and workers (in a browser: a cross-origin ` +
        'isolated page, COOP/COEP headers); running on 1 thread',
      );
      threads = 1;
    }
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
    const module = await compileKernels(shared, options.wasmUrl, { relaxedSimd: options.relaxedSimd });
    const kernels = await instantiateKernels(module, memory);
    const pool = threads > 1 ? await WorkerPool.create(threads, module, memory, kernels) : null;
    const blockTiles = options.winogradBlockTiles ?? 0;
    if (!Number.isInteger(blockTiles) || blockTiles < 0) {
      throw new Error(`wasm backend: winogradBlockTiles must be a non-negative integer (0: the default), got ${options.winogradBlockTiles}`);
    }
    const conv: ConvOptions = { winograd: options.winograd ?? true, direct: options.direct ?? true, winogradBlockTiles: blockTiles };
    const gemm: GemmOptions = { threadsMinMacs: options.gemmThreadsMinMacs ?? GEMM_THREADS_MIN_MACS, skipZeros: options.gemmSkipZeros ?? true };
    if (options.convChains !== undefined && typeof options.convChains !== 'boolean') {
      throw new Error(`wasm backend: convChains must be true or false, got ${String(options.convChains)}`);
    }
    const backend = new WasmBackend(kernels, memory, pool, conv, gemm);
    backend.chainsOn = options.convChains ?? true;
    backend.build = compiledFrom(module)?.pathname.split('/').pop() ?? 'unknown';
    return backend;
  }

  /**
   * File name of the kernels build this backend runs (kernels.wasm, kernels-relaxed.wasm,
   * kernels-single.wasm, kernels-single-relaxed.wasm, or a custom wasmUrl's).
   */
  build = 'unknown';

  /** Whether the GEMM multiply-adds are relaxed-SIMD (fused on FMA machines): the relaxed builds. */
  get relaxedSimd(): boolean {
    return this.build.includes('relaxed');
  }

  /** Threads the expensive kernels run on (1 unless created with `threads`, and after dispose). */
  get threads(): number {
    return this.dispatch.threads;
  }

  /** Kernel calls that were split across the worker pool so far (0 on one thread). */
  get parallelCalls(): number {
    return this.dispatch.calls;
  }

  /**
   * Worker shares of those calls that the calling thread ran itself because no worker had
   * started them when its own share was done (Note [share stealing] in src/worker-pool.ts).
   */
  get stolenShares(): number {
    return this.dispatch.stolen;
  }

  /** Terminates the worker threads; the backend stays usable, on one thread. */
  async dispose(): Promise<void> {
    await this.dispatch.dispose();
  }

  /** Views over memory.buffer must be re-created after memory.grow. */
  f32At(ptr: number): number {
    return this.heapF32[ptr >> 2]!;
  }

  private refreshViews(): void {
    this.heapF32 = new Float32Array(this.memory.buffer);
    this.heapI32 = new Int32Array(this.memory.buffer);
    this.heapF64 = new Float64Array(this.memory.buffer);
  }

  /** A Float32Array view of a storage's elements (valid until the next allocation). */
  view(s: Storage): Float32Array {
    const w = this.own(s);
    return this.heapF32.subarray(w.ptr >> 2, (w.ptr >> 2) + w.size);
  }

  /**
   * Bytes of kernel scratch (pack panels, cols, Winograd blocks, partial gradients of every thread)
   * held now, and the most held at once since creation or `resetScratchPeak()`. Not counted in
   * `bytesInUse()`; a function of the shapes seen, never of timing.
   */
  scratchBytes(): { current: number; peak: number } {
    return { current: this.dispatch.scratchBytes, peak: this.dispatch.scratchPeakBytes };
  }

  /** Starts a new scratch high-water mark (see scratchBytes). */
  resetScratchPeak(): void {
    this.dispatch.resetScratchPeak();
  }

  /**
   * The most bytes of tensor storage live at once (`bytesInUse()`'s high-water mark) since creation
   * or `resetBytesInUsePeak()`. With `scratchBytes().peak` it says what a step needs; `memoryBytes()`
   * also holds the allocator's free lists.
   */
  bytesInUsePeak(): number {
    return this.liveBytesPeak;
  }

  /** Starts a new high-water mark of bytesInUse at the bytes live now. */
  resetBytesInUsePeak(): void {
    this.liveBytesPeak = this.liveBytes;
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

  /** Writes i32 values into the parameter block and returns its address. */
  private params(values: readonly number[], offsetInts = 0): number {
    if ((values.length + offsetInts) * 4 > PARAM_BYTES) throw new Error(`wasm backend: ${values.length} parameters exceed the parameter block`);
    this.heapI32.set(values, (this.paramPtr >> 2) + offsetInts);
    return this.paramPtr + offsetInts * 4;
  }

  /** @internal Writes a conv geometry block (Note [geometry block]) and returns its address. */
  geometryBlock(g: ConvGeometry): number {
    return this.geometry(g);
  }

  /** @internal dst[cols, rows] = src[rows, cols]ᵀ between byte addresses. */
  transposeInto(srcPtr: number, rows: number, cols: number, dstPtr: number): void {
    this.copyStrided(srcPtr, [1, cols], dstPtr, [rows, 1], [cols, rows]);
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
    if (this.liveBytes > this.liveBytesPeak) this.liveBytesPeak = this.liveBytes;
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
    const [xPtr, op_] = [this.ptr(x), UNARY[op]];
    // Shares start on 16-byte boundaries so the f32x4 loops stay aligned.
    this.dispatch.runSplit('unary', x.size, x.size, 4, (b, e) => [op_, xPtr + 4 * b, out.ptr + 4 * b, e - b]);
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
  erf(x: Storage): Storage { return this.unary('erf', x); }

  reluBackward(dy: Storage, x: Storage): Storage {
    const out = this.alloc(x.size);
    const [dyPtr, xPtr] = [this.ptr(dy), this.ptr(x)];
    this.dispatch.runSplit('reluBackward', x.size, x.size, 4, (b, e) => [dyPtr + 4 * b, xPtr + 4 * b, out.ptr + 4 * b, e - b]);
    return out;
  }

  private binary(op: BinaryOp, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage {
    const out = this.alloc(numel(outShape));
    if (out.size === 0) return out;
    const { shape, strides } = collapseAxes(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
    const [aPtr, bPtr, op_] = [this.ptr(a), this.ptr(b), BINARY[op]];
    if (shape.length === 1) {
      // One run of elements (same shapes, or a scalar operand: stride 0): split like the unary ops,
      // shares on 16-byte boundaries; each element is computed as on one thread.
      const [as, bs] = strides.map((st) => st[0]!) as [number, number];
      this.dispatch.runSplit('binaryRow', out.size, out.size, 4, (lo, hi) => [op_, aPtr + 4 * lo * as, as, bPtr + 4 * lo * bs, bs, out.ptr + 4 * lo, hi - lo]);
      return out;
    }
    this.kernels.binary(op_, aPtr, bPtr, out.ptr, shape.length, this.meta(shape, strides));
    return out;
  }

  add(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('add', a, aShape, b, bShape, outShape); }
  sub(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('sub', a, aShape, b, bShape, outShape); }
  mul(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('mul', a, aShape, b, bShape, outShape); }
  div(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('div', a, aShape, b, bShape, outShape); }
  pow(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage { return this.binary('pow', a, aShape, b, bShape, outShape); }
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
      const [r, src] = [dims[j]!.extent, current.ptr];
      // Output rows are independent: split the outer axis.
      if (out.size > 0) this.dispatch.runSplit('reduce', outer, outer * r * inner, 1, (b, e) => [op, src + 4 * b * r * inner, out.ptr + 4 * b * inner, e - b, r, inner]);
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
    const addresses = { a: this.ptr(a), b: this.ptr(b), out: this.ptr(out), bias: p.bias !== undefined ? this.ptr(p.bias) : 0 };
    gemmInto(this, addresses, p, this.gemmOptions);
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

  conv2d(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.n * g.o * g.oh * g.ow);
    if (out.size > 0) convForward(this, this.ptr(x), this.ptr(w), bias !== null ? this.ptr(bias) : 0, out.ptr, g, this.conv);
    return out;
  }

  /**
   * conv2d with ReLU in the kernel's epilogue (Note [fused conv epilogue], src/conv.ts); deferred
   * until its output is used, and chained with a conv2dRelu or conv2dReluMaxPool that takes it as
   * input (Note [deferred conv]).
   */
  conv2dRelu(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry, taped?: boolean): Storage {
    const chained = this.chainsFrom(x, g);
    const call: DeferredConv = { x: this.own(x), w: this.own(w), bias: bias !== null ? this.own(bias) : null, g, out: this.alloc(g.n * g.o * g.oh * g.ow) };
    if (chained) {
      // computed: a chain's second conv does not wait in turn (a third conv reads it from memory)
      this.runChain((n0, n) => this.runConvRelu(call, n0, n));
      return call.out;
    }
    this.runDeferred();
    // Only an output the tape does not keep (inference: training measured no faster with chains)
    // and that a chain could take is deferred.
    if (taped === false && this.chainable(g)) {
      this.deferred = call;
      flushDeferred = () => this.runDeferred();
    } else if (call.out.size > 0) {
      this.runConvRelu(call);
    }
    return call.out;
  }

  /** conv2dRelu run at once (the backend's own fallbacks: nothing inside the backend defers). */
  private conv2dReluNow(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.n * g.o * g.oh * g.ow);
    if (out.size > 0) convForward(this, this.ptr(x), this.ptr(w), bias !== null ? this.ptr(bias) : 0, out.ptr, g, this.conv, true);
    return out;
  }

  /**
   * Whether a conv2dRelu of geometry g may start a chain (Note [deferred conv]): its output is at
   * least CHAIN_MIN_BYTES, one image's fits a chunk (larger images gain nothing from chunks), and
   * the batch spans more than one chunk.
   */
  private chainable(g: Conv2dGeometry): boolean {
    const outBytes = 4 * g.o * g.oh * g.ow;
    return this.chainsOn && outBytes > 0 && outBytes <= CHAIN_CHUNK_BYTES && g.n * outBytes >= CHAIN_MIN_BYTES && g.n > this.threads * Math.floor(CHAIN_CHUNK_BYTES / outBytes);
  }

  /**
   * Whether a conv with input x and geometry g (images [N, C, H, W]) chains with the pending
   * conv2dRelu (Note [deferred conv]): x is its output (which cannot have been freed: free flushes)
   * and the batch spans more than one chunk.
   */
  private chainsFrom(x: Storage, g: Conv2dGeometry): boolean {
    const d = this.deferred;
    if (d === null || d.out !== x) return false;
    const g1 = d.g;
    return g.n === g1.n && g.c === g1.o && g.h === g1.oh && g.w === g1.ow && this.chainable(g1);
  }

  reluBackwardBias(dy: Storage, y: Storage, n: number, c: number, s: number): { dx: Storage; dbias: Storage } {
    // NOTE: with one channel the unfused sum is one pass over all N·S values (reduce drops
    // extent-1 axes and merges the two reduced ones), which row sums cannot reproduce: compose
    // (and for the empty cases).
    if (c <= 1 || n === 0) {
      const d = this.reluBackward(dy, y);
      return { dx: d, dbias: this.sum(d, [n, c, s], [0, 2]) };
    }
    const dx = this.alloc(n * c * s);
    const [dyPtr, yPtr] = [this.ptr(dy), this.ptr(y)];
    // Images split across threads, each writing its rows' sums ([N, C], in order of the unfused
    // sum's first pass); this thread then adds the rows over n in order, as the unfused sum's
    // second pass: the same dbias on every thread count, bit for bit the unfused one.
    // NOTE: an earlier version split channels (each thread summing its channels over every
    // image): with the case study's C = 16 in shares of one 64-byte line of dbias, only one thread
    // ever had work. The row sums cost N·C floats (8 KiB at N = 128) and one reduce over them.
    const rows = this.alloc(n * c);
    this.dispatch.runSplit('reluBackwardBias', n, n * c * s, 1, (b, e) => [dyPtr, yPtr, dx.ptr, rows.ptr, c, s, b, e]);
    return { dx, dbias: this.sumRows(rows, n, c) };
  }

  /**
   * Σ over n of per-image row sums [N, C] (freed or returned), in order: the second pass of the
   * unfused sum(dx, [0, 2]) that reluBackwardBias and its fused relatives reproduce. One image: the
   * rows are the sums (the unfused sum has no second pass either).
   */
  private sumRows(rows: Storage, n: number, c: number): Storage {
    if (n === 1) return rows;
    const dbias = this.alloc(c);
    this.kernels.reduce(RED_SUM, this.ptr(rows), dbias.ptr, 1, n, c);
    this.free(rows);
    return dbias;
  }

  /**
   * maxPool2d(relu(conv2d)) (autograd's Note [fused conv pool]): pooled in the Winograd output
   * transform where it fits (winogradPoolFits, src/conv.ts), else conv2dRelu then maxPool2d.
   */
  conv2dReluMaxPool(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry, pool: ConvGeometry): { y: Storage; argmax: Storage } {
    const fits = winogradPoolFits(g, pool, this.conv) && g.n > 0 && g.o > 0;
    const chained = fits && this.chainsFrom(x, g);
    if (!chained) this.runDeferred();
    if (!fits) {
      const pre = this.conv2dReluNow(x, w, bias, g);
      const out = this.maxPool2d(pre, pool);
      this.free(pre);
      return out;
    }
    const [xs, ws, bs] = [this.own(x), this.own(w), bias !== null ? this.own(bias) : null];
    const y = this.alloc(pool.n * pool.c * pool.oh * pool.ow);
    const argmax = this.alloc(y.size);
    const [xPtr, wPtr, biasPtr, yPtr, argmaxPtr] = [xs.block.ptr, ws.block.ptr, bs !== null ? bs.block.ptr : 0, y.block.ptr, argmax.block.ptr];
    if (chained) {
      const imageFloats = g.c * g.h * g.w, pooledFloats = pool.c * pool.oh * pool.ow;
      this.runChain((n0, n) => convReluMaxPool(this, xPtr + 4 * n0 * imageFloats, wPtr, biasPtr, yPtr + 4 * n0 * pooledFloats, argmaxPtr + 4 * n0 * pooledFloats, { ...g, n }, this.conv));
    } else {
      convReluMaxPool(this, xPtr, wPtr, biasPtr, yPtr, argmaxPtr, g, this.conv);
    }
    return { y, argmax };
  }

  maxPoolReluBackwardBias(dy: Storage, argmax: Storage, y: Storage, pool: ConvGeometry): { dx: Storage; dbias: Storage } {
    const { n, c } = pool;
    const dx = this.alloc(n * c * pool.h * pool.w);
    const rows = this.alloc(n * c);
    if (dx.size > 0) {
      const [dyPtr, argmaxPtr, yPtr, geom] = [this.ptr(dy), this.ptr(argmax), this.ptr(y), this.geometry(pool)];
      // images split across threads, each writing its planes' sums; then the rows added over n in order
      this.dispatch.runSplit('maxPoolReluBackwardBias', n, dx.size, 1, (b, e) => [dyPtr, argmaxPtr, yPtr, dx.ptr, rows.ptr, geom, c, b, e]);
    }
    // One channel: the unfused dbias (reluBackwardBias's NOTE) is one sum over all N·S values.
    if (c === 1 && n > 1) {
      this.free(rows);
      return { dx, dbias: this.sum(dx, [n, c, pool.h * pool.w], [0, 2]) };
    }
    if (n === 0 || c === 0) {
      this.free(rows);
      return { dx, dbias: this.fill(c, 0) };
    }
    return { dx, dbias: this.sumRows(rows, n, c) };
  }

  /**
   * dw (and dbias) of relu(conv2d) for a first layer without storing the ReLU's backward (Note
   * [fused relu backward-weight], src/conv.ts) where the weight gradient runs im2col + dot products,
   * else reluBackwardBias (or reluBackward) then conv2dBackwardWeight. Bit for bit the composition.
   */
  conv2dReluBackwardWeight(dy: Storage, y: Storage, x: Storage, g: Conv2dGeometry, withBias: boolean): { dw: Storage; dbias: Storage | null } {
    // One channel or no work: the composition (reluBackwardBias's dbias is then one sum, not row sums).
    if (!reluConvBackwardWeightFits(g, this.conv) || g.o <= 1 || g.n === 0 || g.oh * g.ow === 0 || g.c === 0) {
      const { dx: dpre, dbias } = withBias ? this.reluBackwardBias(dy, y, g.n, g.o, g.oh * g.ow) : { dx: this.reluBackward(dy, y), dbias: null };
      const dw = this.conv2dBackwardWeight(dpre, x, g);
      this.free(dpre);
      return { dw, dbias };
    }
    const dw = this.alloc(g.o * g.c * g.kh * g.kw);
    const rows = this.alloc(g.n * g.o);
    convReluBackwardWeight(this, this.ptr(dy), this.ptr(y), this.ptr(x), dw.ptr, rows.ptr, g);
    if (!withBias) {
      this.free(rows);
      return { dw, dbias: null };
    }
    return { dw, dbias: this.sumRows(rows, g.n, g.o) };
  }

  conv2dBackwardInput(dy: Storage, w: Storage, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.n * g.c * g.h * g.w);
    if (out.size > 0) convBackwardInput(this, this.ptr(dy), this.ptr(w), out.ptr, g, this.conv);
    return out;
  }

  conv2dBackwardWeight(dy: Storage, x: Storage, g: Conv2dGeometry): Storage {
    const out = this.alloc(g.o * (g.c / (g.groups ?? 1)) * g.kh * g.kw);
    if (out.size > 0) convBackwardWeight(this, this.ptr(dy), this.ptr(x), out.ptr, g, this.conv);
    return out;
  }

  conv2dBackward(dy: Storage, x: Storage, w: Storage, g: Conv2dGeometry): { dx: Storage; dw: Storage } {
    const dx = this.alloc(g.n * g.c * g.h * g.w);
    const dw = this.alloc(g.o * (g.c / (g.groups ?? 1)) * g.kh * g.kw);
    if (dx.size > 0 && dw.size > 0) convBackward(this, this.ptr(dy), this.ptr(x), this.ptr(w), dx.ptr, dw.ptr, g, this.conv);
    else {
      if (dx.size > 0) convBackwardInput(this, this.ptr(dy), this.ptr(w), dx.ptr, g, this.conv);
      if (dw.size > 0) convBackwardWeight(this, this.ptr(dy), this.ptr(x), dw.ptr, g, this.conv);
    }
    return { dx, dw };
  }

  // ---- pooling ----

  maxPool2d(x: Storage, g: ConvGeometry): { y: Storage; argmax: Storage } {
    const y = this.alloc(g.n * g.c * g.oh * g.ow);
    const argmax = this.alloc(y.size);
    if (y.size > 0) {
      const [xPtr, geom] = [this.ptr(x), this.geometry(g)];
      this.dispatch.runSplit('maxPool2d', g.n * g.c, x.size, 1, (b, e) => [xPtr, y.ptr, argmax.ptr, geom, b, e]);
    }
    return { y, argmax };
  }

  maxPool2dBackward(dy: Storage, argmax: Storage, g: ConvGeometry): Storage {
    const dx = this.alloc(g.n * g.c * g.h * g.w);
    if (dx.size > 0) {
      const [dyPtr, argmaxPtr, geom] = [this.ptr(dy), this.ptr(argmax), this.geometry(g)];
      this.dispatch.runSplit('maxPool2dBackward', g.n * g.c, dx.size, 1, (b, e) => [dyPtr, argmaxPtr, dx.ptr, geom, b, e]);
    }
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
    return this.batchNormForward(x, runningMean, runningVar, weight, bias, p, false);
  }

  /** relu(batchNorm(x)), the ReLU in the normalising pass (Note [batch norm relu], assembly/batch-norm.ts). */
  batchNormRelu(x: Storage, runningMean: Storage, runningVar: Storage, weight: Storage | null, bias: Storage | null, p: BatchNormParams): { y: Storage; saved: Storage } {
    return this.batchNormForward(x, runningMean, runningVar, weight, bias, p, true);
  }

  batchNormBackward(dy: Storage, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage } {
    return this.batchNormGrad(dy, null, x, saved, weight, p);
  }

  /** batchNormBackward of reluBackward(dy, y), dy masked as it is read (Note [batch norm relu]). */
  batchNormReluBackward(dy: Storage, y: Storage, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage } {
    return this.batchNormGrad(dy, y, x, saved, weight, p);
  }

  private batchNormForward(
    x: Storage, runningMean: Storage, runningVar: Storage, weight: Storage | null, bias: Storage | null, p: BatchNormParams, relu: boolean,
  ): { y: Storage; saved: Storage } {
    const y = this.alloc(x.size);
    const saved = this.alloc(2 * p.c);
    // Note [batch norm block] (assembly/batch-norm.ts): the arguments, for the pool's i32-only calls.
    const block = this.params([
      this.ptr(x), y.ptr, this.ptr(runningMean), this.ptr(runningVar), weight !== null ? this.ptr(weight) : 0,
      bias !== null ? this.ptr(bias) : 0, saved.ptr, p.n, p.c, p.spatial, p.training ? 1 : 0, relu ? 1 : 0,
    ]);
    this.heapF64[(block + 48) >> 3] = p.eps;
    this.heapF64[(block + 56) >> 3] = p.momentum;
    // Channels are independent: split them (each computed exactly as on one thread).
    this.dispatch.runSplit('batchNormChannels', p.c, x.size, 1, (b, e) => [block, b, e]);
    return { y, saved };
  }

  /** The batch norm backward; with `y` (batchNormRelu's output) of the ReLU's masked dy. */
  private batchNormGrad(dy: Storage, y: Storage | null, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage } {
    const dx = this.alloc(x.size);
    const dweight = this.alloc(p.c);
    const dbias = this.alloc(p.c);
    const [dyPtr, yPtr, xPtr, savedPtr, weightPtr] = [this.ptr(dy), y !== null ? this.ptr(y) : 0, this.ptr(x), this.ptr(saved), weight !== null ? this.ptr(weight) : 0];
    const training = p.training ? 1 : 0;
    this.dispatch.runSplit('batchNormBackward', p.c, x.size, 1, (b, e) => [
      dyPtr, yPtr, xPtr, savedPtr, weightPtr, dx.ptr, dweight.ptr, dbias.ptr, p.n, p.c, p.spatial, training, b, e,
    ]);
    return { dx, dweight, dbias };
  }

  // ---- randomness ----

  dropoutMask(size: number, p: number, seed: number): Storage {
    const out = this.alloc(size);
    this.kernels.dropoutMask(out.ptr, 0, size, p, seed >>> 0);
    return out;
  }

  // ---- optimizers ----

  // The steps split by element ranges across the pool (Note [optimizer shares], assembly/optim.ts):
  // `work` counts the four (SGD: three) arrays a step streams, so a 784×128 weight (the FNN's fc1,
  // 100 352 parameters, 0.09 ms of a 0.8 ms step on one thread) splits where a lone relu of that
  // size would not.

  sgdStep(param: Storage, grad: Storage, momentumBuf: Storage | null, p: SgdParams): void {
    const [pPtr, gPtr, bufPtr] = [this.ptr(param), this.ptr(grad), momentumBuf !== null ? this.ptr(momentumBuf) : 0];
    const args = this.optimArgs([p.lr, p.momentum, p.dampening, p.nesterov ? 1 : 0, p.weightDecay, p.firstStep ? 1 : 0]);
    this.dispatch.runSplit('sgdStepShare', param.size, 3 * param.size, 4, (b, e) => [pPtr, gPtr, bufPtr, b, e, args]);
  }

  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamParams): void {
    const [pPtr, gPtr, mPtr, vPtr] = [this.ptr(param), this.ptr(grad), this.ptr(m), this.ptr(v)];
    const args = this.optimArgs([p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled ? 1 : 0, p.step]);
    this.dispatch.runSplit('adamStepShare', param.size, 4 * param.size, 4, (b, e) => [pPtr, gPtr, mPtr, vPtr, b, e, args]);
  }

  /** The f64 scalars of an optimizer step into their block (Note [optimizer shares]); returns its address. */
  private optimArgs(values: readonly number[]): number {
    const ptr = this.dispatch.scratch('optimArgs', OPTIM_ARGS_BYTES);
    this.heapF64.set(values, ptr >> 3);
    return ptr;
  }
}

