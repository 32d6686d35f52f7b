import { rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CliError } from './errors.js';
import { codeOf, EXPECTED_IO_CODES } from './failure.js';
import { interruptedMessage, resumeCommand, STOP_REASONS, STOP_STATUS, type StopReason } from './interrupt.js';
import type { TrainPlan } from './options.js';
import type { RunMetrics } from './train.js';
import type { TrainWorkerData, TrainWorkerMessage } from './train-worker.js';

let active = false;
/** True while a training worker runs: its stdout errors and signals are handled here. */
export const trainingActive = (): boolean => active;

/** A failure in the worker that is a bug: rethrown on the main thread with the worker's stack. */
class WorkerBug extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/**
 * Runs `fashion train` in a worker thread while this thread handles SIGINT/SIGTERM and errors
 * of stdout (Note [interrupting training] in interrupt.ts). Resolves with the runs; an
 * interrupted run prints one line saying where the last checkpoint is and how to resume, and
 * exits 130 (SIGINT), 143 (SIGTERM) or 141 (stdout closed, EPIPE).
 */
export async function runTrainInWorker(plan: TrainPlan, argv: readonly string[] = process.argv.slice(2)): Promise<RunMetrics[]> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const data: TrainWorkerData = { plan, flag, stderrIsTTY: Boolean(process.stderr.isTTY), columns: process.stderr.columns };
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: data });
  let stopping: StopReason | null = null;
  let outClosed = false;
  let exitStatusOverride: number | null = null;
  let outError: string | undefined;
  let settled = false;

  const stopNow = (reason: StopReason) => {
    // Second request, or the worker cannot be reached: no step to wait for; the checkpoint on
    // disk is whole (written atomically). Locks held by this process are released.
    releaseOwnLocks(plan);
    process.stderr.write(`\nstopped at once (${reason} again); the last checkpoint, if any, is in ${join(plan.out, '<run>', 'checkpoint.safetensors')}; continue with: ${resumeCommand(argv)}\n`);
    process.exit(STOP_STATUS[reason]);
  };
  const request = (reason: StopReason) => {
    if (stopping) return stopNow(stopping);
    stopping = reason;
    Atomics.store(flag, 0, STOP_REASONS.indexOf(reason));
  };
  const onSigint = () => request('SIGINT');
  const onSigterm = () => request('SIGTERM');
  const onOutError = (e: unknown) => {
    if (outClosed) return;
    outClosed = true;
    if (codeOf(e) !== 'EPIPE') {
      // Any other failure of stdout (ENOSPC on /dev/full, EIO...) stops too, named in the line.
      outError = `error: cannot write the output (${(e as Error).message})`;
      exitStatusOverride = 1;
    }
    request('EPIPE');
  };
  active = true;
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.stdout.on('error', onOutError);

  const write = (fd: 1 | 2, text: string) => {
    if (fd === 1) {
      if (!outClosed) process.stdout.write(text);
    } else process.stderr.write(text);
  };
  try {
    return await new Promise<RunMetrics[]>((resolve, reject) => {
      worker.on('message', (m: TrainWorkerMessage) => {
        if (m.kind === 'out') write(m.fd, m.text);
        else if (m.kind === 'done') {
          settled = true;
          if (stopping === 'EPIPE') {
            // The output closed while the last batches ran: the run finished before it could stop.
            process.stderr.write(`${outError ?? 'output closed (EPIPE)'}; the run had finished: its files are in ${plan.out}\n`);
            process.exit(exitStatusOverride ?? STOP_STATUS.EPIPE);
          }
          resolve(m.runs);
        }
        else if (m.kind === 'interrupted') {
          if (process.stderr.isTTY) process.stderr.write('\x1B[?25h\n'); // the progress bar hid the cursor
          process.stderr.write(`${interruptedMessage(m, resumeCommand(argv), outError)}\n`);
          process.exitCode = exitStatusOverride ?? STOP_STATUS[m.reason];
          process.exit();
        } else {
          settled = true;
          if (['CliError', 'DataError', 'TrainingError'].includes(m.name)) reject(new CliError(m.message));
          else if (m.code && EXPECTED_IO_CODES.has(m.code)) reject(Object.assign(new Error(m.message), { code: m.code }));
          else reject(new WorkerBug(m.name, m.message, m.stack));
        }
      });
      worker.on('error', (e) => reject(e));
      worker.on('exit', (code) => {
        if (settled) return;
        if (stopping) {
          // Stopped before training began (loading the data): nothing was trained, nothing to resume.
          process.stderr.write(`${outError ?? `interrupted (${stopping})`} before training started\n`);
          process.exit(exitStatusOverride ?? STOP_STATUS[stopping]);
        }
        reject(new WorkerBug('Error', `the training worker exited with code ${code} without a result`));
      });
    });
  } finally {
    active = false;
    process.stdout.off('error', onOutError);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** Removes the run locks this process holds (a worker stopped at once cannot release them). */
function releaseOwnLocks(plan: TrainPlan): void {
  for (const name of plan.names) {
    const lock = join(plan.outAbs, name, '.lock');
    try {
      if (Number(readFileSync(lock, 'utf8')) === process.pid) rmSync(lock);
    } catch {
      /* no lock */
    }
  }
}
