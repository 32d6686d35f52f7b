/**
 * A pool of kernel workers over one shared WebAssembly.Memory: each worker instantiates the same
 * compiled module over the same memory and runs one kernel call with its own argument list (its
 * image / row range and its own scratch pointers, all chosen by the main thread, whose allocator
 * owns the memory). The main thread runs thread 0's share itself, then waits for the others.
 *
 * Note [kernel worker instances]: build/kernels.wasm is built with `--runtime stub`, no managed
 * objects and no shadow stack: its only mutable global (`log_tail`, of the math library) lives in
 * each instance, and its only data segments are read-only math tables at addresses below
 * `heapBase()`. Instantiating it again over the same memory rewrites those tables with identical
 * bytes and touches nothing the allocator hands out; the pool still waits for every worker to be
 * instantiated before the backend is returned, so no kernel runs while a segment is written.
 *
 * Synchronisation: a separate SharedArrayBuffer (never grown, unlike the memory) viewed as an
 * Int32Array. The main thread writes the op and each thread's arguments with plain stores and its
 * argument count with Atomics.store, then sets `pending` (the shares to run) and bumps `seq` with
 * Atomics (sequentially consistent, so the stores are visible to a worker that sees the new
 * `seq`) and notifies. A share is claimed by swapping its argument count for CLAIMED
 * (Atomics.exchange): whoever gets a count ≥ 0 back runs the share, then decrements `pending`
 * and notifies when it reaches 0.
 *
 * Note [share stealing]: the main thread, once its own share is done, claims every share no
 * worker has claimed yet and runs it itself (with that share's arguments and scratch, so the
 * result is the same whoever runs it). A worker that the OS has not scheduled (another process
 * holds the core) then costs at most its share on the main thread, instead of a wait of a
 * scheduler time slice for every split call: without stealing, the FNN's 12.8 M-multiply-add GEMMs
 * split over 2 threads next to one busy process took 4.8 ms per training step against 0.96
 * unsplit (AMD EPYC Zen 5, 2026-12-04); with it, 1.7. A worker that wakes to a stolen share finds
 * CLAIMED and goes back to waiting without spinning (it was late: its core is contended, and a
 * spin would take the core the main thread needs); Note [contended pool] does the rest.
 *
 * Both sides spin (Atomics.load) for up to SPIN_MS before they block in Atomics.wait: a training
 * step issues dozens of split calls a few microseconds to a millisecond apart, and waking a thread
 * blocked in the kernel costs tens of microseconds, as much as a split relu saves. A worker
 * that sees no call for SPIN_MS goes to sleep, so an idle pool costs no CPU.
 */

import type { KernelArgs, KernelExports, KernelName } from './kernels.js';

/** Control block layout (Int32 indices). */
const SEQ = 0;
const PENDING = 1;
const ERROR = 2;
const OP = 3;
const THREAD_BASE = 8;
/** Per thread: argc (−1: nothing to do, CLAIMED: taken) then up to 23 i32 arguments. */
const THREAD_SLOTS = 24;
/**
 * Split calls of a new pool that do not count towards contention (Note [contended pool]): early
 * on, V8's compiler threads take the cores in bursts, and the workers' code is still tiering up.
 */
const CONTENDED_WARMUP_CALLS = 512;
/** A share's argc once a thread has claimed it (Note [share stealing]). */
const CLAIMED = -2;
const OP_STOP = -1;
const MAX_THREADS = 256;
/** How long a thread spins on the control block before it blocks (see the note above). */
const SPIN_MS = 2;

/**
 * The kernels a worker can run; the index is the op code. Their parameters must all be i32 (the
 * control block carries nothing else): test/exports.test.ts checks that in the declarations.
 */
export const POOL_KERNELS = [
  'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'gemm', 'winogradConv2d', 'winogradConv2dBackwardWeight',
  'winogradConv2dBackwardInput', 'winogradConv2dBackward', 'winogradConv2dReluMaxPool', 'maxPoolReluBackwardBias',
  'directConv2d', 'conv2dReluBackwardWeight',
  'groupedConv2d', 'groupedConv2dBackwardInput', 'groupedConv2dBackwardWeight',
  'unary', 'binaryRow', 'reluBackward', 'reluBackwardBias', 'maxPool2d', 'maxPool2dBackward', 'reduce', 'batchNormChannels', 'batchNormBackward',
  'sgdStepShare', 'adamStepShare',
] as const satisfies readonly KernelName[];
export type PoolKernel = (typeof POOL_KERNELS)[number];

// Plain JavaScript, run with `new Worker(src, { eval: true })` in Node and from a Blob URL in
// browsers, so that neither the TS sources (tests) nor a bundler need a separate worker file.
const WORKER_SOURCE = `
'use strict';
// Dynamic import works whether Node runs this as CommonJS or, with --input-type=module, as ESM.
(async () => {
const isNode = typeof self === 'undefined';
const port = isNode ? (await import('node:worker_threads')).parentPort : self;
const NAMES = ${JSON.stringify(POOL_KERNELS)};
function onInit(msg) {
  const { module, memory, control, index } = msg;
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(control);
  const base = ${THREAD_BASE} + index * ${THREAD_SLOTS};
  // Read seq before saying ready: the first job may be posted the moment 'ready' arrives.
  let seen = Atomics.load(ctl, ${SEQ});
  port.postMessage('ready');
  // After a share was stolen (this worker was late: its core is contended), block at once rather
  // than spin: spinning would take the core the main thread needs (Note [share stealing]).
  let late = false;
  for (;;) {
    if (Atomics.load(ctl, ${SEQ}) === seen) {
      const until = performance.now() + (late ? 0 : ${SPIN_MS});
      for (let i = 1; Atomics.load(ctl, ${SEQ}) === seen; i++) {
        if ((i & 255) === 0 && performance.now() > until) { Atomics.wait(ctl, ${SEQ}, seen); break; }
      }
    }
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    // Claim the share first (Note [share stealing]): the main thread may have run it already, or
    // be on a later call whose op and arguments the claim makes visible.
    const argc = Atomics.exchange(ctl, base, ${CLAIMED});
    if (argc < 0) {
      if (Atomics.load(ctl, ${OP}) === ${OP_STOP}) return;
      late = argc === ${CLAIMED};
      continue;
    }
    late = false;
    try {
      const args = [];
      for (let i = 0; i < argc; i++) args.push(ctl[base + 1 + i]);
      kernels[NAMES[Atomics.load(ctl, ${OP})]](...args);
    } catch (e) {
      Atomics.store(ctl, ${ERROR}, index);
      port.postMessage(String(e && e.stack || e));
    }
    if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
  }
}
if (isNode) port.once('message', onInit);
else self.onmessage = (event) => { self.onmessage = null; onInit(event.data); };
})();
`;

/** The part of a browser Worker the pool uses (this package is typed without the DOM lib). */
interface WebWorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
}

/** The part of a Node or Web Worker the pool uses. */
interface PoolWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/**
 * Whether this host can run kernel workers: Node (worker_threads), or a browser page that is
 * cross-origin isolated and has Web Workers.
 */
export function canUseWorkers(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { process?: { versions?: { node?: string } }; crossOriginIsolated?: boolean; Worker?: unknown };
  if (g.process?.versions?.node !== undefined) return true;
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

export class WorkerPool {
  private readonly ctl: Int32Array;
  private disposed = false;
  /** Calls split across the pool so far (tests and benchmarks check that a call was split). */
  calls = 0;
  /** Worker shares the main thread ran itself (Note [share stealing]). */
  stolen = 0;
  /**
   * Test hook: the main thread runs every worker share itself, with that share's arguments and
   * scratch, as stealing does; the workers get none (test/threads.test.ts).
   */
  stealFirst = false;
  /**
   * How often, lately, the main thread waited for a worker longer than its own share took (a
   * moving average over split calls, weight 1/64: Note [contended pool]).
   */
  private slowShare = 0;
  /** Atomics.wait is not allowed on a browser's main thread: spin there instead. */
  private readonly canBlock: boolean;

  private constructor(readonly threads: number, private readonly workers: PoolWorker[], control: SharedArrayBuffer, private readonly main: KernelExports) {
    this.ctl = new Int32Array(control);
    const g = globalThis as { process?: { versions?: { node?: string } }; document?: unknown };
    this.canBlock = g.process?.versions?.node !== undefined || g.document === undefined;
  }

  /**
   * Starts `threads − 1` workers over `memory` (the main thread is thread 0) and resolves once each
   * has instantiated `module`. Workers are unref'd in Node: idle, they never keep the process alive.
   */
  static async create(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, main: KernelExports): Promise<WorkerPool> {
    if (threads > MAX_THREADS) throw new Error(`kernels-wasm: threads: ${threads} is more than the pool supports (${MAX_THREADS})`);
    const control = new SharedArrayBuffer(4 * (THREAD_BASE + threads * THREAD_SLOTS));
    // No share to claim until the first call (a fresh buffer's zeros would read as argc 0).
    const slots = new Int32Array(control);
    for (let t = 0; t < threads; t++) slots[THREAD_BASE + t * THREAD_SLOTS] = CLAIMED;
    const workers: PoolWorker[] = [];
    const ready: Promise<void>[] = [];
    const isNode = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
    const NodeWorker = isNode ? (await import('node:worker_threads')).Worker : undefined;
    for (let index = 1; index < threads; index++) {
      if (NodeWorker !== undefined) {
        const worker = new NodeWorker(WORKER_SOURCE, { eval: true, name: `kernels-wasm ${index}` });
        ready.push(new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`kernels-wasm: worker ${index} exited with code ${code}`)));
        }));
        worker.on('message', (m) => { if (m !== 'ready') console.error(`kernels-wasm: worker ${index}: ${m}`); });
        workers.push(worker);
        // unref only once ready: until then the pending 'ready' must keep the process alive.
        ready[ready.length - 1] = ready[ready.length - 1]!.then(() => { worker.unref(); });
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const WebWorker = (globalThis as unknown as { Worker: new (url: string, options: object) => WebWorkerLike }).Worker;
        const worker = new WebWorker(url, { name: `kernels-wasm ${index}` });
        ready.push(new Promise<void>((resolve, reject) => {
          worker.onmessage = () => {
            worker.onmessage = (e) => console.error(`kernels-wasm: worker ${index}: ${e.data}`);
            URL.revokeObjectURL(url); // only once the script has surely been loaded
            resolve();
          };
          worker.onerror = (e) => reject(new Error(`kernels-wasm: worker ${index}: ${e.message}`));
        }));
        workers.push(worker);
      }
      workers[workers.length - 1]!.postMessage({ module, memory, control, index });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new WorkerPool(threads, workers, control, main);
  }

  /**
   * Runs `kernel` once per thread with `args[t]` (null: thread t has nothing to do) and returns
   * when all are done. args[0] runs on the calling thread. All arguments are i32.
   */
  run<K extends PoolKernel>(kernel: K, args: readonly (KernelArgs<K> | null)[]): void {
    if (this.disposed) throw new Error('kernels-wasm: the backend was disposed');
    const ctl = this.ctl;
    const op = POOL_KERNELS.indexOf(kernel);
    this.calls++;
    for (let t = 1; t < this.threads; t++) {
      const a = args[t] ?? null;
      if (a !== null && a.length >= THREAD_SLOTS) throw new Error(`kernels-wasm: ${kernel} takes too many arguments for the pool`);
    }
    ctl[OP] = op;
    ctl[ERROR] = 0;
    let shares = 0;
    for (let t = 1; t < this.threads; t++) {
      const a = args[t] ?? null;
      const base = THREAD_BASE + t * THREAD_SLOTS;
      if (a !== null) for (let i = 0; i < a.length; i++) ctl[base + 1 + i] = a[i]!;
      if (a !== null) shares++;
      // The test hook leaves every share claimed: the main thread runs them below.
      Atomics.store(ctl, base, a === null || this.stealFirst ? CLAIMED : a.length);
    }
    Atomics.store(ctl, PENDING, this.stealFirst ? 0 : shares);
    const t0 = performance.now();
    const stolenBefore = this.stolen;
    let mainError: unknown;
    if (this.stealFirst) {
      for (let t = 1; t < this.threads; t++) {
        const e = this.runStolen(kernel, args[t]);
        mainError ??= e;
      }
    }
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    // Every share runs even after one threw (the first error is reported).
    const ownError = this.runShare(kernel, args[0]);
    const stealError = this.steal(kernel, args);
    mainError = mainError ?? ownError ?? stealError;
    const t1 = performance.now();
    const until = t1 + SPIN_MS;
    for (let i = 1; ; i++) {
      const pending = Atomics.load(ctl, PENDING);
      if (pending === 0) break;
      if (this.canBlock && (i & 255) === 0 && performance.now() > until) Atomics.wait(ctl, PENDING, pending);
    }
    const waited = performance.now() - t1;
    const slow = this.stolen !== stolenBefore || waited > t1 - t0;
    // While contended only the probes split (Note [contended pool]): each weighs more. Evaluated on
    // every call and applied only after the warm-up (counted 0 or 1): as a branch first taken at
    // call 513, it deoptimised this method's TurboFan code (16 times in a 2-thread CNN run,
    // `node --trace-deopt`: no type feedback for the fields yet).
    const counted = this.calls > CONTENDED_WARMUP_CALLS ? 1 : 0;
    this.slowShare += (counted * ((slow ? 1 : 0) - this.slowShare)) / (this.isContended ? 4 : 64);
    // Hysteresis: on above 0.4, off again only below 0.2.
    const over = this.slowShare > (this.isContended ? 0.2 : 0.4);
    this.isContended = counted === 1 ? over : this.isContended;
    if (mainError !== undefined) throw mainError;
    const failed = Atomics.load(ctl, ERROR);
    if (failed !== 0) throw new Error(`kernels-wasm: ${kernel} failed on worker ${failed} (see the message logged above)`);
  }

  /**
   * Note [contended pool]: whether the workers have lately been slower than the main thread, so
   * that splitting a call costs more than it saves. A split call is slow when a worker had not
   * claimed its share by the time the main thread finished its own (which then ran it: Note
   * [share stealing]), or the main thread waited for a worker longer than its own share took;
   * the pool is contended when over 40 % of the recent split calls were slow (a moving average of
   * weight 1/64, so that a burst of a few dozen, as V8's background threads cause in a young
   * process on a quiet machine, does not count), and stays so until under 20 % (then only the
   * probes below split, and each has weight 1/4). The first CONTENDED_WARMUP_CALLS split calls do
   * not count. Callers for whom a split is marginal (GEMMs under GEMM_THREADS_ALWAYS_MACS) then
   * run on one thread, and split one call in CONTENDED_PROBE to measure again; the choice never
   * changes a result (a split computes every item as one thread does). Measured on the FNN's
   * training step, 2 threads, AMD EPYC Zen 5 (2026-12-04, `apps/bench/scripts/pool-ab.mjs`, the
   * build before this against this one, same process, alternating): quiet, 0.95 → 0.66 ms; beside
   * one busy process, 0.98 → 1.19 ms (split with stealing but without this estimate: 1.7 ms).
   */
  get contended(): boolean {
    return this.isContended;
  }
  private isContended = false;

  /**
   * Runs on this thread every worker share of the current call (`args`) not yet claimed (Note
   * [share stealing]); returns the first error a share threw.
   */
  private steal<K extends PoolKernel>(kernel: K, args: readonly (KernelArgs<K> | null)[]): unknown {
    const ctl = this.ctl;
    let error: unknown;
    for (let t = 1; t < this.threads; t++) {
      const base = THREAD_BASE + t * THREAD_SLOTS;
      if (Atomics.exchange(ctl, base, CLAIMED) < 0) continue;
      const e = this.runStolen(kernel, args[t]);
      error ??= e;
      if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
    }
    return error;
  }

  /** A worker's share run on this thread (counted in `stolen`); returns what it threw. */
  private runStolen<K extends PoolKernel>(kernel: K, a: KernelArgs<K> | null | undefined): unknown {
    if (a === null || a === undefined) return undefined;
    this.stolen++;
    return this.runShare(kernel, a);
  }

  /** Runs one share on this thread; returns what it threw (undefined if nothing). */
  private runShare<K extends PoolKernel>(kernel: K, a: KernelArgs<K> | null | undefined): unknown {
    if (a === null || a === undefined) return undefined;
    try {
      (this.main[kernel] as (...a: KernelArgs<K>) => void)(...a);
    } catch (e) {
      return e;
    }
    return undefined;
  }

  /** Stops and terminates the workers; the pool cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.ctl[OP] = OP_STOP;
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
