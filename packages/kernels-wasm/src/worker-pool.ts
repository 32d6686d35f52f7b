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
 * Int32Array. The main thread writes the op and the per-thread arguments with plain stores, then
 * sets `pending` and bumps `seq` with Atomics (sequentially consistent, so the stores are visible
 * to a worker that sees the new `seq`) and notifies; each worker runs its share, then decrements
 * `pending` and notifies when it reaches 0.
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
/** Per thread: argc (−1: nothing to do) then up to 23 i32 arguments. */
const THREAD_SLOTS = 24;
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
  'unary', 'reluBackward', 'reluBackwardBias', 'maxPool2d', 'maxPool2dBackward', 'reduce', 'batchNormChannels', 'batchNormBackward',
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
  for (;;) {
    if (Atomics.load(ctl, ${SEQ}) === seen) {
      const until = performance.now() + ${SPIN_MS};
      for (let i = 1; Atomics.load(ctl, ${SEQ}) === seen; i++) {
        if ((i & 255) === 0 && performance.now() > until) { Atomics.wait(ctl, ${SEQ}, seen); break; }
      }
    }
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    const op = ctl[${OP}];
    if (op === ${OP_STOP}) return;
    const argc = ctl[base];
    if (argc >= 0) {
      try {
        const args = [];
        for (let i = 0; i < argc; i++) args.push(ctl[base + 1 + i]);
        kernels[NAMES[op]](...args);
      } catch (e) {
        Atomics.store(ctl, ${ERROR}, index);
        port.postMessage(String(e && e.stack || e));
      }
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
    ctl[OP] = op;
    ctl[ERROR] = 0;
    for (let t = 1; t < this.threads; t++) {
      const a = args[t] ?? null;
      const base = THREAD_BASE + t * THREAD_SLOTS;
      if (a !== null && a.length >= THREAD_SLOTS) throw new Error(`kernels-wasm: ${kernel} takes too many arguments for the pool`);
      ctl[base] = a === null ? -1 : a.length;
      if (a !== null) for (let i = 0; i < a.length; i++) ctl[base + 1 + i] = a[i]!;
    }
    Atomics.store(ctl, PENDING, this.threads - 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let mainError: unknown;
    try {
      const a0 = args[0];
      if (a0 !== null && a0 !== undefined) (this.main[kernel] as (...a: KernelArgs<K>) => void)(...a0);
    } catch (e) {
      mainError = e;
    }
    const until = performance.now() + SPIN_MS;
    for (let i = 1; ; i++) {
      const pending = Atomics.load(ctl, PENDING);
      if (pending === 0) break;
      if (this.canBlock && (i & 255) === 0 && performance.now() > until) Atomics.wait(ctl, PENDING, pending);
    }
    if (mainError !== undefined) throw mainError;
    const failed = Atomics.load(ctl, ERROR);
    if (failed !== 0) throw new Error(`kernels-wasm: ${kernel} failed on worker ${failed} (see the message logged above)`);
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
