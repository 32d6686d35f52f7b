import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@tapegrad/nn/node';
import { CliError } from './errors.js';
import type { SummaryRow } from './summary.js';

/**
 * Note [run directory ownership]: a run directory belongs to one process at a time. The owner
 * holds `<run>/.lock`, created with O_EXCL and holding its pid, removed when the process exits.
 * A lock whose pid is dead (`kill(pid, 0)` says ESRCH) is stale — the owner was SIGKILLed or the
 * machine went down — and is taken over. `summary.json` is shared by every run under --out, so it
 * is read, merged and written (atomically) under `<out>/.summary.lock`.
 */

const codeOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Is a process with this pid alive (EPERM: alive, but someone else's)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === 'EPERM';
  }
}

/** The pid in a lock file; undefined when it is empty or garbled. */
export function lockOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const held = new Set<string>();
let exitHook = false;

/**
 * Takes the lock file at `path` for this process, waiting up to `waitMs` for a live owner.
 * Returns the release function (also run on process exit).
 * @throws CliError naming the owner's pid and the lock file when a live process holds it
 */
export function acquireLock(path: string, what: string, waitMs = 0): () => void {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw new CliError(`${path}: cannot create the lock file (${codeOf(e) ?? (e as Error).message})`);
    }
    const owner = lockOwner(path);
    let ageMs = 0;
    try {
      ageMs = Date.now() - statSync(path).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // An empty lock is one being written this instant, or one whose writer died right after creating it.
    const stale = owner !== undefined ? !processAlive(owner) : ageMs > 10_000;
    if (stale) {
      try {
        unlinkSync(path);
      } catch {
        /* another process took it over first */
      }
      continue;
    }
    if (Date.now() < deadline) {
      sleep(50);
      continue;
    }
    throw new CliError(`${what} is in use by process ${owner ?? '(unknown)'} (lock file ${path}); wait for it to finish or stop it`);
  }
  held.add(path);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of held) releaseLock(p);
    });
  }
  return () => releaseLock(path);
}

function releaseLock(path: string): void {
  if (!held.delete(path)) return;
  try {
    if (lockOwner(path) === process.pid) unlinkSync(path);
  } catch {
    /* already gone */
  }
}

export interface RunDir {
  dir: string;
  release(): void;
}

/** The files a finished run leaves, and the one an interrupted run leaves. */
const FINISHED = ['metrics.json', 'model.safetensors'];
const CHECKPOINT = 'checkpoint.safetensors';

/**
 * Takes ownership of the run directories (creating them), then checks that none holds a run the
 * user did not ask to continue (`resume`) or replace (`overwrite`); with `overwrite`, removes the
 * old run's files. All locks are taken before any file is removed.
 * @throws CliError naming the directory and both options
 */
export function openRuns(dirs: readonly string[], opts: { resume: boolean; overwrite: boolean }): RunDir[] {
  const opened: RunDir[] = [];
  try {
    for (const dir of dirs) {
      let created = false;
      try {
        mkdirSync(dir);
        created = true;
      } catch (e) {
        if (codeOf(e) !== 'EEXIST') throw new CliError(`${dir}: cannot create the run directory (${codeOf(e) ?? (e as Error).message})`);
        if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is a file, not a run directory`);
      }
      const release = acquireLock(join(dir, '.lock'), `run directory ${dir}`);
      opened.push({
        dir,
        release: () => {
          release();
          if (created) {
            try {
              rmdirSync(dir); // only if the run never wrote anything (e.g. the data was missing)
            } catch {
              /* not empty: keep */
            }
          }
        },
      });
    }
    for (const { dir } of opened) {
      const finished = FINISHED.filter((f) => existsSync(join(dir, f)));
      const interrupted = finished.length === 0 && existsSync(join(dir, CHECKPOINT));
      if (opts.overwrite || opts.resume || (!finished.length && !interrupted)) continue;
      throw new CliError(
        finished.length
          ? `${dir} holds a finished run (${finished.join(', ')}); pass --resume to continue it or --overwrite to replace it, or choose another --name or --out`
          : `${dir} holds an interrupted run (${CHECKPOINT}); pass --resume to continue it or --overwrite to start it again`,
      );
    }
    if (opts.overwrite) {
      for (const { dir } of opened) for (const f of [...FINISHED, CHECKPOINT]) if (existsSync(join(dir, f))) unlinkSync(join(dir, f));
    }
  } catch (e) {
    for (const r of opened) r.release();
    throw e;
  }
  return opened;
}

const isRow = (r: unknown): r is SummaryRow => typeof r === 'object' && r !== null && typeof (r as SummaryRow).name === 'string';

/** Rows rebuilt from `<out>/<run>/metrics.json`, for a summary that had to be set aside. */
function rowsFromMetrics(out: string): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const name of readdirSync(out).sort()) {
    try {
      const m = JSON.parse(readFileSync(join(out, name, 'metrics.json'), 'utf8')) as SummaryRow;
      if (isRow(m)) rows.push({ name: m.name, model: m.model, recipe: m.recipe, testAccuracy: m.testAccuracy, parameters: m.parameters, trainSeconds: m.trainSeconds });
    } catch {
      /* not a finished run */
    }
  }
  return rows;
}

/**
 * Merges `fresh` rows into `<out>/summary.json` (replacing rows of the same name) under
 * `<out>/.summary.lock`, written atomically. A corrupt summary is named in one line, renamed
 * aside to `summary.json.corrupt-<time>` and rebuilt from the runs' metrics.json.
 */
export function updateSummary(out: string, fresh: readonly SummaryRow[], log: (s: string) => void): SummaryRow[] {
  const path = join(out, 'summary.json');
  const release = acquireLock(join(out, '.summary.lock'), path, 30_000);
  try {
    let previous: SummaryRow[] = [];
    if (existsSync(path)) {
      let problem: string | undefined;
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as { rows?: unknown };
        if (!Array.isArray(parsed?.rows) || !parsed.rows.every(isRow)) problem = 'it has no list of rows with names';
        else previous = parsed.rows;
      } catch (e) {
        problem = (e as Error).message;
      }
      if (problem !== undefined) {
        const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(path, aside);
        previous = rowsFromMetrics(out).filter((r) => !fresh.some((f) => f.name === r.name));
        log(`warning: ${path} was unreadable (${problem}); moved it to ${aside} and rebuilt the summary from the runs' metrics.json`);
      }
    }
    const rows = [...previous.filter((p) => !fresh.some((f) => f.name === p.name)), ...fresh];
    writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify({ rows }, null, 2)}\n`));
    return rows;
  } finally {
    release();
  }
}
