import { relative } from 'node:path';

/**
 * Note [interrupting training]: `fit` is synchronous, so a signal handler on the thread that
 * trains would only run after training. `fashion train` therefore trains in a worker thread
 * (train-worker.ts) while the main thread listens for SIGINT/SIGTERM and for a closed stdout
 * (EPIPE); it raises a flag in shared memory, which the worker reads after every batch: the
 * step in progress finishes, the rest of the epoch is abandoned, and the last checkpoint (saved
 * at the end of the previous epoch, atomically) is what `--resume` continues from. A second
 * signal stops at once.
 */

/** Reasons for stopping, as stored in the shared flag (0 = keep going). */
export const STOP_REASONS = ['', 'SIGINT', 'SIGTERM', 'EPIPE'] as const;
export type StopReason = Exclude<(typeof STOP_REASONS)[number], ''>;

/** Exit status for each reason: 128 + the signal number, as a shell reports a signal. */
export const STOP_STATUS: Record<StopReason, number> = { SIGINT: 130, SIGTERM: 143, EPIPE: 141 };

/** Thrown in the worker by the batch callback when the flag is up. */
export class Interrupted extends Error {
  override name = 'Interrupted';
  constructor(
    readonly reason: StopReason,
    readonly run: string,
    /** The epoch being trained (1-based) when the flag was seen. */
    readonly epoch: number,
    readonly checkpoint: string,
    /** Epochs completed in the checkpoint on disk, or null when there is none yet. */
    readonly savedEpoch: number | null,
  ) {
    super(`${reason} during epoch ${epoch} of ${run}`);
  }
}

/** The one line the CLI prints after an interrupted run. */
export function interruptedMessage(i: Pick<Interrupted, 'reason' | 'run' | 'epoch' | 'checkpoint' | 'savedEpoch'>, resumeCommand: string, cause?: string): string {
  const what = cause ?? (i.reason === 'EPIPE' ? 'output closed (EPIPE)' : `interrupted (${i.reason})`);
  if (i.savedEpoch === null) return `${what} during epoch ${i.epoch} of ${i.run}, before the first checkpoint: nothing to resume; run the command again to start over`;
  return `${what} during epoch ${i.epoch} of ${i.run}: the last checkpoint is ${i.checkpoint} (after epoch ${i.savedEpoch}); continue with: ${resumeCommand}`;
}

/**
 * The command line again with --resume (and without --overwrite, which would discard the run):
 * `node <this script> <args> --resume`, the script relative to the working directory.
 */
export function resumeCommand(argv: readonly string[], script = process.argv[1] ?? 'cli.js', cwd = process.cwd()): string {
  const args = argv.filter((a) => a !== '--overwrite' && a !== '--resume');
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['node', relative(cwd, script) || script, ...args, '--resume'].map(quote).join(' ');
}
