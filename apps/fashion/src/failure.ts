import { TrainingError } from '@tapegrad/nn';
import { DataError } from '@tapegrad/nn/node';
import { CliError } from './errors.js';

/**
 * Note [expected failures]: what the user or the machine can cause (a bad option, a bad file, a
 * full disk, a read-only directory, closed output) is one line `error: ...` and exit status 1;
 * only a bug in the program prints a stack trace, with a line asking to report it, and exits
 * with 70 (EX_SOFTWARE). An I/O error is expected when it carries one of these errno codes.
 */
export const EXPECTED_IO_CODES = new Set([
  'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENOENT', 'EEXIST', 'ENOTEMPTY', 'EBUSY', 'ETXTBSY',
  'EMFILE', 'ENFILE', 'ENAMETOOLONG', 'ELOOP', 'EXDEV', 'EIO', 'EPIPE', 'ECONNRESET', 'EFBIG', 'ESTALE', 'ENXIO',
]);

export const EXIT_BUG = 70;

/** The errno code of an error, when it has one. */
export const codeOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;

/** How the CLI ends on `e`: the text for stderr and the exit status. */
export function describeFailure(e: unknown): { text: string; status: number } {
  if (e instanceof CliError || e instanceof DataError || e instanceof TrainingError) return { text: `error: ${e.message}\n`, status: 1 };
  const code = codeOf(e);
  if (code && EXPECTED_IO_CODES.has(code)) {
    // Node's own messages already name the call and the path: "ENOSPC: no space left on device, write".
    return { text: `error: ${oneLine((e as Error).message)}${hint(code)}\n`, status: 1 };
  }
  const stack = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `thrown: ${String(e)}`;
  return {
    text: `${stack}\n\nThis is a bug in tapegrad, not something you did. Please report it in the tapegrad issue tracker with the command line and the output above.\n`,
    status: EXIT_BUG,
  };
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

function hint(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT') return ' (the disk is full: free some space or choose another --out)';
  if (code === 'EACCES' || code === 'EPERM') return ' (permission denied: choose another --out or fix the permissions)';
  if (code === 'EROFS') return ' (read-only filesystem: choose another --out)';
  return '';
}
