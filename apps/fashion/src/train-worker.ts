// The worker thread that runs `fashion train` (Note [interrupting training] in interrupt.ts).
// Everything it prints goes to the main thread as messages, in order; the main thread owns
// stdout and stderr (and their errors, e.g. EPIPE).
import { parentPort, workerData } from 'node:worker_threads';
import { codeOf } from './failure.js';
import { Interrupted, STOP_REASONS, type StopReason } from './interrupt.js';
import type { TrainPlan } from './options.js';
import { runTrain } from './train.js';

export interface TrainWorkerData {
  plan: TrainPlan;
  /** [0]: index into STOP_REASONS, raised by the main thread. */
  flag: Int32Array;
  stderrIsTTY: boolean;
  columns?: number;
}

/** What the worker posts to the main thread. */
export type TrainWorkerMessage =
  | { kind: 'out'; fd: 1 | 2; text: string }
  | { kind: 'done'; runs: Awaited<ReturnType<typeof runTrain>> }
  | { kind: 'interrupted'; reason: StopReason; run: string; epoch: number; checkpoint: string; savedEpoch: number | null }
  | { kind: 'error'; name: string; message: string; stack?: string; code?: string };

const data = workerData as TrainWorkerData;
const post = (m: TrainWorkerMessage) => parentPort!.postMessage(m);
const relay = (fd: 1 | 2, isTTY: boolean) =>
  ({
    isTTY,
    columns: data.columns,
    write(text: string | Uint8Array) {
      post({ kind: 'out', fd, text: typeof text === 'string' ? text : new TextDecoder().decode(text) });
      return true;
    },
    on() {
      return this;
    },
    removeListener() {
      return this;
    },
  }) as unknown as NodeJS.WriteStream;

try {
  const runs = await runTrain({
    ...data.plan,
    log: (line) => post({ kind: 'out', fd: 1, text: `${line}\n` }),
    progressStream: relay(2, data.stderrIsTTY),
    stopRequested: () => (STOP_REASONS[Atomics.load(data.flag, 0)] || null) as StopReason | null,
  });
  post({ kind: 'done', runs });
} catch (e) {
  if (e instanceof Interrupted) {
    post({ kind: 'interrupted', reason: e.reason, run: e.run, epoch: e.epoch, checkpoint: e.checkpoint, savedEpoch: e.savedEpoch });
  } else {
    const err = e as Error;
    post({ kind: 'error', name: err?.name ?? 'Error', message: err?.message ?? String(e), stack: err?.stack, code: codeOf(e) });
  }
}
