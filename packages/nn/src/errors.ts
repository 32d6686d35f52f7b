import { fail } from './check.js';

/**
 * An expected failure caused by data or files outside the program: a missing dataset, a
 * truncated IDX file, a malformed safetensors header. A CLI catches `DataError` and prints only
 * its message (which names the file and the problem), without a stack trace; any other error is
 * a bug and keeps its stack.
 *
 * @example
 * try { loadFashionMnist({ split: 'test' }); }
 * catch (e) { if (e instanceof DataError) { console.error(e.message); process.exit(1); } throw e; }
 */
export class DataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataError';
  }
}

/**
 * Runs fn; an error it throws comes back as a DataError whose message names `path` (prefixed
 * unless the message already names it). For loading steps whose own errors (loadStateDict,
 * decoding) do not know which file they came from.
 */
export function namingFile<T>(path: string, fn: () => T): T {
  if (typeof path !== 'string') fail('namingFile', 'path', 'a string', path);
  if (typeof fn !== 'function') fail('namingFile', 'fn', 'a function', fn);
  try {
    return fn();
  } catch (e) {
    const message = (e as Error).message;
    throw new DataError(message.includes(path) ? message : `${path}: ${message}`, { cause: e });
  }
}
