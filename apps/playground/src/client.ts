import type { FromWorker, RequestName, Requests, ToWorker } from './protocol.js';

/** The page's side of the worker: typed requests with promises, and a listener for pushed messages. */
export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly worker: Worker, onMessage: (m: FromWorker) => void) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type !== 'response') return onMessage(m);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    };
    worker.onerror = (e) => onMessage({ type: 'fatal', message: `the training worker failed: ${e.message || 'could not start (see the console)'}` });
  }

  send(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  request<K extends RequestName>(op: K, args: Requests[K]['args'], transfer: Transferable[] = []): Promise<Requests[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ type: 'request', id, request: { op, args } as never }, transfer);
    });
  }
}

/**
 * Wraps an async action so that calls made while one runs collapse into one more run with the
 * latest arguments (a slider dragged across 30 values asks the worker 2 or 3 times, not 30).
 */
export function latestOnly<A>(fn: (args: A) => Promise<void>): (args: A) => void {
  let running = false;
  let queued: { args: A } | null = null;
  const go = (args: A): void => {
    running = true;
    fn(args).finally(() => {
      running = false;
      if (queued) {
        const next = queued.args;
        queued = null;
        go(next);
      }
    });
  };
  return (args: A) => {
    if (running) queued = { args };
    else go(args);
  };
}
