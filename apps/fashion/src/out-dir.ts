import { accessSync, constants, mkdirSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CliError } from './errors.js';

/** Pseudo filesystems of the kernel: nothing of ours belongs there (and mkdir can loop on them). */
const REFUSED_ROOTS = ['/proc', '/sys', '/dev'];

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function underRefusedRoot(p: string): string | undefined {
  return REFUSED_ROOTS.find((r) => p === r || p.startsWith(`${r}/`));
}

export interface OutDirCheck {
  /** The directory, resolved. */
  path: string;
  /** The missing directories that `createOutDir` will make, outermost first. */
  missing: string[];
}

/**
 * Checks an output directory without touching anything: it exists and is a writable directory,
 * or its first existing ancestor is. Walks up with statSync (never a recursive mkdir, which loops
 * forever on paths such as /proc/x in Node 20).
 * @throws CliError naming the option, the path and what is wrong
 */
export function checkOutDir(dir: string, option = '--out', access: (p: string) => void = (p) => accessSync(p, constants.W_OK | constants.X_OK)): OutDirCheck {
  if (dir === '') throw new CliError(`${option} must not be empty`);
  const path = resolve(dir);
  const missing: string[] = [];
  let p = path;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = codeOf(e);
      if (code === 'ENOENT' && dirname(p) !== p) {
        missing.unshift(p);
        p = dirname(p);
        continue;
      }
      if (code === 'ENOTDIR') throw new CliError(`${option} ${dir}: a part of ${p} is a file, not a directory`);
      throw new CliError(`${option} ${dir}: cannot use ${p} (${code ?? (e as Error).message})`);
    }
    if (!st.isDirectory()) throw new CliError(`${option} ${dir}: ${p} is ${st.isFile() ? 'a file' : 'not a directory'}, not a directory`);
    break;
  }
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    /* statSync succeeded; keep the path as given */
  }
  const refused = underRefusedRoot(path) ?? underRefusedRoot(real);
  if (refused) throw new CliError(`${option} ${dir}: ${refused} is a kernel pseudo-filesystem, not a place for output; choose another directory`);
  try {
    access(p);
  } catch (e) {
    const code = codeOf(e);
    const why = code === 'EROFS' ? 'is on a read-only filesystem' : code === 'EACCES' || code === 'EPERM' ? 'is not writable by this user' : `cannot be written (${code ?? (e as Error).message})`;
    throw new CliError(`${option} ${dir}: ${p} ${why}`);
  }
  return { path, missing };
}

/** Makes the directories checkOutDir found missing, one level at a time. */
export function createOutDir(check: OutDirCheck, option = '--out'): string {
  for (const d of check.missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (codeOf(e) === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new CliError(`${option}: cannot create ${d} (${codeOf(e) ?? (e as Error).message})`);
    }
  }
  return check.path;
}

/** Removes the directories (innermost first) that are still empty; keeps the others. */
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty, or gone: its parents are not empty either
    }
  }
}

/** checkOutDir then createOutDir. */
export function prepareOutDir(dir: string, option = '--out'): string {
  return createOutDir(checkOutDir(dir, option), option);
}

/**
 * A run name is a name, not a path: letters, digits, '.', '_', '-', not starting with '.', and
 * resolving to a directory directly inside `outAbs`.
 * @throws CliError naming the option and the name
 */
export function checkRunName(name: string, outAbs: string, option = '--name'): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new CliError(`${option} ${JSON.stringify(name)}: a run name is a directory name under --out (letters, digits, '.', '_', '-'; no '/', no '..', not starting with '.')`);
  }
  const dir = resolve(outAbs, name);
  const rel = relative(outAbs, dir);
  if (rel !== name || rel.includes(sep) || isAbsolute(rel)) throw new CliError(`${option} ${JSON.stringify(name)} would resolve to ${dir}, outside --out ${outAbs}`);
  return join(outAbs, name);
}
