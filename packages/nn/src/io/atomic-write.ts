import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkBytes, checkString } from '../check.js';
import { DataError } from '../errors.js';

/**
 * Writes `bytes` to `path` atomically (node only): a temp file in the same directory (so the
 * rename stays on one filesystem), fsync, rename over `path`, then fsync the directory
 * (best-effort) so the rename itself survives a crash. Readers see the old file or the new one,
 * never a half-written checkpoint.
 *
 * @throws DataError naming `path` when the directory is missing or not writable.
 * @example writeFileAtomic('ckpt/epoch-3.safetensors', bytes)
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  checkString('writeFileAtomic', 'path', path);
  checkBytes('writeFileAtomic', 'bytes', bytes);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already failing; keep the first error */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* the temp file may not exist */
    }
    throw new DataError(`${path}: cannot write file atomically (via ${tmp}): ${(e as Error).message}`, { cause: e });
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // NOTE: directory fsync is unsupported on some platforms (Windows); the data itself is synced.
  }
}

/** `writeFileAtomic`'s temp names: `.<name>.<pid>.<random>.tmp`. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.([0-9a-z]+)\.tmp$/;

/**
 * Removes the temp files that `writeFileAtomic` calls in `dir` left behind when their process was
 * killed mid-write (SIGKILL, power cut): those whose pid is no longer alive. Files of live
 * processes, and every other file, are left alone. Returns the paths removed.
 *
 * @throws DataError naming `dir` when it cannot be read (a missing directory is not an error)
 * @example for (const p of removeStaleTempFiles('runs/cnn')) console.log(`removed ${p}`)
 */
export function removeStaleTempFiles(dir: string): string[] {
  checkString('removeStaleTempFiles', 'dir', dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DataError(`removeStaleTempFiles: cannot read ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      /* removed by someone else meanwhile */
    }
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
