/**
 * Where a kernel call runs: on the calling thread, or split across the worker pool; and the kernel
 * scratch (pack panels, cols of one image, Winograd buffers, partial gradients) that each thread
 * gets from the main thread's allocator, grown on demand and reused across calls.
 */
import type { ConvGeometry } from '@tapegrad/autograd';
import type { SizeClassAllocator, Block } from './allocator.js';
import type { KernelArgs, KernelExports } from './kernels.js';
import type { PoolKernel, WorkerPool } from './worker-pool.js';

/**
 * Elementwise kernels, pooling and reductions over at least this many elements are split across
 * the pool (by element ranges, planes or output rows; every item is computed exactly as on one
 * thread, so the results do not depend on the thread count). Below it, waking a worker (tens of
 * microseconds) costs about what the work does.
 */
export const ELEMENTWISE_THREADS_MIN = 1 << 17;

/** While the pool is contended, one marginal call in this many is split anyway, to measure again. */
export const CONTENDED_PROBE = 32;

/**
 * [begin, end) of part `t` of `count` items cut into `parts` contiguous parts whose boundaries are
 * multiples of `align`. A fixed function of (count, parts), so a given thread count always splits
 * (and for conv backward-weight, sums) the same way.
 */
export function share(count: number, parts: number, t: number, align = 1): [number, number] {
  const at = (i: number) => (i >= parts ? count : Math.floor((i * count) / (parts * align)) * align);
  return [at(t), at(t + 1)];
}

/** What the GEMM and conv drivers (src/gemm.ts, src/conv.ts) need from the backend. */
export interface KernelHost {
  readonly kernels: KernelExports;
  readonly dispatch: Dispatch;
  /** Writes a conv geometry block (Note [geometry block]) and returns its address. */
  geometryBlock(g: ConvGeometry): number;
  /** The f32 at byte address ptr (a look at an operand, as the GEMM's zero sampling takes). */
  f32At(ptr: number): number;
  /** dst[m, n] = src[n, m]ᵀ (contiguous f32 matrices at byte addresses). */
  transposeInto(srcPtr: number, rows: number, cols: number, dstPtr: number): void;
}

export class Dispatch {
  private readonly scratchBlocks = new Map<string, Block>();
  private scratchTotal = 0;
  private scratchPeak = 0;

  /** Marginal calls kept on one thread while the pool was contended (runRows). */
  private probe = 0;
  /** pool: workers for threads > 1, else null (and after dispose). */
  constructor(private readonly kernels: KernelExports, private readonly allocator: SizeClassAllocator, public pool: WorkerPool | null) {}

  /** Threads the split kernels run on (1 without a pool). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Bytes of kernel scratch held now (every thread's, by size class). */
  get scratchBytes(): number {
    return this.scratchTotal;
  }

  /** The most bytes of kernel scratch held at once so far (see resetScratchPeak). */
  get scratchPeakBytes(): number {
    return this.scratchPeak;
  }

  /** Starts a new high-water mark at the scratch held now. */
  resetScratchPeak(): void {
    this.scratchPeak = this.scratchTotal;
  }

  /** Kernel calls that were split across the pool so far. */
  get calls(): number {
    return this.pool?.calls ?? 0;
  }

  /** Worker shares the calling thread ran itself so far (Note [share stealing]). */
  get stolen(): number {
    return this.pool?.stolen ?? 0;
  }

  /** Terminates the workers; calls run on this thread afterwards. */
  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.dispose();
  }

  /**
   * Byte address of the scratch block `name` of thread t (thread 0 keeps the single-thread names),
   * at least `bytes` long: reused while big enough, else replaced by a larger one.
   */
  scratch(name: string, bytes: number, t = 0): number {
    const key = t === 0 ? name : `${name}#${t}`;
    const have = this.scratchBlocks.get(key);
    if (have !== undefined && have.classBytes >= bytes) return have.ptr;
    if (have !== undefined) {
      this.allocator.free(have);
      this.scratchTotal -= have.classBytes;
    }
    const block = this.allocator.alloc(Math.max(bytes, 64));
    this.scratchBlocks.set(key, block);
    this.scratchTotal += block.classBytes;
    this.scratchPeak = Math.max(this.scratchPeak, this.scratchTotal);
    return block.ptr;
  }

  private call<K extends PoolKernel>(kernel: K, args: KernelArgs<K>): void {
    // NOTE: TypeScript cannot narrow `this.kernels[kernel]` for a generic K; the signature is
    // exactly KernelExports[K]'s, so this cast restates it rather than loosening it.
    (this.kernels[kernel] as (...a: KernelArgs<K>) => void)(...args);
  }

  /**
   * Runs a kernel that takes an image range [nBegin, nEnd) over images [0, n): on this thread, or
   * split into contiguous shares across the pool (never more threads than images). `argsFor` gives
   * thread t's arguments (its own scratch: it is called for every thread before any kernel runs,
   * so scratch allocation, which may grow the memory, never races a kernel). Returns the threads used.
   */
  runImages<K extends PoolKernel>(kernel: K, n: number, argsFor: (t: number, nBegin: number, nEnd: number) => KernelArgs<K>): number {
    const threads = this.pool === null ? 1 : Math.min(this.pool.threads, n);
    if (this.pool === null || threads <= 1) {
      this.call(kernel, argsFor(0, 0, n));
      return 1;
    }
    const args: (KernelArgs<K> | null)[] = [];
    for (let t = 0; t < this.pool.threads; t++) args.push(t < threads ? argsFor(t, ...share(n, threads, t)) : null);
    this.pool.run(kernel, args);
    return threads;
  }

  /**
   * Runs a kernel over items [0, count) (elements, planes, rows) split into contiguous shares whose
   * boundaries are multiples of `align`, when the pool exists and `work` (elements touched) reaches
   * ELEMENTWISE_THREADS_MIN; else on this thread. `argsFor(begin, end)` gives a share's arguments.
   */
  runSplit<K extends PoolKernel>(kernel: K, count: number, work: number, align: number, argsFor: (begin: number, end: number) => KernelArgs<K>): void {
    const threads = this.pool === null || work < ELEMENTWISE_THREADS_MIN ? 1 : Math.min(this.pool.threads, Math.floor(count / align));
    if (this.pool === null || threads <= 1) {
      this.call(kernel, argsFor(0, count));
      return;
    }
    const args: (KernelArgs<K> | null)[] = [];
    for (let t = 0; t < this.pool.threads; t++) args.push(t < threads ? argsFor(...share(count, threads, t, align)) : null);
    this.pool.run(kernel, args);
  }

  /**
   * Runs a kernel over rows [0, m) split at `align`-row boundaries across the pool, one share per
   * thread (up to ⌊m / align⌋ threads); `argsFor(t, rowBegin, rowEnd)` as in runImages. Returns
   * false (and runs nothing) when there is no pool or only one share.
   */
  runRows<K extends PoolKernel>(
    kernel: K, m: number, align: number, argsFor: (t: number, rowBegin: number, rowEnd: number) => KernelArgs<K>, marginal = false,
  ): boolean {
    const threads = this.pool === null ? 1 : Math.min(this.pool.threads, Math.floor(m / align));
    if (this.pool === null || threads <= 1) return false;
    // A marginal split waits while the pool is contended, but for one call in CONTENDED_PROBE,
    // which measures it again (Note [contended pool], worker-pool.ts).
    if (marginal && this.pool.contended && ++this.probe % CONTENDED_PROBE !== 0) return false;
    const args: (KernelArgs<K> | null)[] = [];
    for (let t = 0; t < this.pool.threads; t++) args.push(t < threads ? argsFor(t, ...share(m, threads, t, align)) : null);
    this.pool.run(kernel, args);
    return true;
  }
}
