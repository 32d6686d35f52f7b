// Issue 12: a careless or hostile command line gets one clear line before any data is read or any
// file is written. One test (or more) per row of the table; the CLI cases spawn the built
// CLI, the logic cases call the modules directly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '@tapegrad/nn';
import { CliError } from '../src/errors.js';
import { MAX_THREADS, planThreads, planTrain, type RawTrainOptions } from '../src/options.js';
import { checkOutDir, checkRunName, createOutDir } from '../src/out-dir.js';
import { acquireLock, lockOwner, openRuns, updateSummary } from '../src/run-dir.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');

export function fashion(args: string[], opts: { env?: Record<string, string>; timeout?: number; input?: string } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 60_000, input: opts.input });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

export const expectCleanError = (r: ReturnType<typeof fashion>, pattern: RegExp) => {
  expect(r.signal, r.all).toBe(null);
  expect(r.status, r.all).toBe(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for expected errors
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
};

const RAW: RawTrainOptions = { model: 'cnn', recipe: 'default', backend: 'wasm', out: 'runs' };
const planError = (o: Partial<RawTrainOptions>) => {
  try {
    planTrain({ ...RAW, ...o }, 2);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as Error).message;
  }
  throw new Error(`planTrain accepted ${JSON.stringify(o)}`);
};

describe('planTrain: every option checked before anything is read or written', () => {
  it.each([
    [{ trainLimit: 0 }, /--train-limit must be between 1 and 60000, got 0/],
    [{ testLimit: 0 }, /--test-limit must be between 1 and 10000, got 0/],
    [{ testLimit: 10_001 }, /--test-limit .* got 10001/],
    [{ trainLimit: 1.5 }, /--train-limit must be an integer, got 1.5/],
    [{ labelSmoothing: 2 }, /--label-smoothing must be in \[0, 1\), got 2/],
    [{ labelSmoothing: 1 }, /--label-smoothing must be in \[0, 1\), got 1/],
    [{ labelSmoothing: -0.1 }, /--label-smoothing .* got -0.1/],
    [{ dropout: 1 }, /--dropout must be in \[0, 1\), got 1/],
    [{ epochs: 0 }, /--epochs must be between 1 and 100000, got 0/],
    [{ batchSize: 0 }, /--batch-size .* got 0/],
    [{ lr: 0 }, /--lr must be a number in \(0, 10\], got 0/],
    [{ lr: 1e6 }, /--lr .* got 1000000/],
    [{ weightDecay: -1 }, /--weight-decay must be in \[0, 1\), got -1/],
    [{ seed: -3 }, /--seed must be ≥ 0, got -3/],
    [{ earlyStopping: -1 }, /--early-stopping .* got -1/],
    [{ earlyStopping: 2, trainLimit: 5 }, /--train-limit must be ≥ 10 with --early-stopping, got 5|--train-limit must be ≥ 10 with --early-stopping/],
    [{ threads: 1000 }, /--threads must be between 1 and 256, got 1000/],
    [{ threads: 0 }, /--threads must be between 1 and 256, got 0/],
    [{ threads: 2, backend: 'ref' as const }, /--threads applies to the wasm backend only/],
    [{ augment: 'spin:3' }, /--augment: .*unknown augmentation 'spin'/],
    [{ model: 'fnn' as const, batchNorm: true }, /--batch-norm applies to the CNN only/],
    [{ model: 'both' as const, name: 'x' }, /--name needs a single --model/],
    [{ resume: true, overwrite: true }, /--resume and --overwrite contradict each other/],
    [{ name: '../../escaped' }, /--name "..\/..\/escaped": a run name is a directory name/],
    [{ name: 'a/b' }, /--name "a\/b"/],
    [{ name: '..' }, /--name "\.\."/],
    [{ name: '.hidden' }, /--name "\.hidden"/],
    [{ name: '' }, /--name ""/],
  ])('%j is refused', (o, pattern) => {
    expect(planError(o)).toMatch(pattern);
  });

  it('a valid command line becomes a plan: the recipe with the overrides, one run name per model', () => {
    const p = planTrain({ ...RAW, model: 'both', recipe: 'improved', epochs: 3, trainLimit: 200, out: 'x/y' }, 2);
    expect(p.models).toEqual(['cnn', 'fnn']);
    expect(p.names).toEqual(['cnn-improved', 'fnn-improved']);
    expect(p.settings.epochs).toBe(3);
    expect(p.settings.batchNorm).toBe(true);
    expect(p.outAbs).toBe(join(process.cwd(), 'x', 'y'));
    expect(p.notes).toEqual([]);
  });

  it('--threads above the cores is capped at the cores with a note; at or below is kept', () => {
    expect(planThreads(64, 'wasm', 2)).toEqual({ threads: 2, note: expect.stringMatching(/--threads 64: this machine has 2 cores; using 2/) });
    expect(planThreads(2, 'wasm', 2)).toEqual({ threads: 2 });
    expect(planThreads(1, 'wasm', 8)).toEqual({ threads: 1 });
    expect(planThreads(undefined, 'wasm', 2)).toEqual({});
    expect(() => planThreads(MAX_THREADS + 1, 'wasm', 512)).toThrow(/--threads must be between 1 and 256/);
  });
});

describe('output directory and run names', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fashion-outdir-'));
  });

  it('a missing directory is created one level at a time; an existing one is kept', () => {
    const c = checkOutDir(join(tmp, 'a', 'b', 'c'));
    expect(c.missing).toEqual([join(tmp, 'a'), join(tmp, 'a', 'b'), join(tmp, 'a', 'b', 'c')]);
    expect(existsSync(join(tmp, 'a'))).toBe(false); // checking touches nothing
    createOutDir(c);
    expect(existsSync(join(tmp, 'a', 'b', 'c'))).toBe(true);
    expect(checkOutDir(join(tmp, 'a')).missing).toEqual([]);
  });

  it('/proc, /sys and /dev are refused without trying to create anything (Node 20 loops on mkdir -p /proc/x)', () => {
    expect(() => checkOutDir('/proc/rel-run')).toThrow(/--out \/proc\/rel-run: \/proc is a kernel pseudo-filesystem/);
    expect(() => checkOutDir('/sys/kernel/x')).toThrow(/\/sys is a kernel pseudo-filesystem/);
    expect(() => checkOutDir('/dev/shm-no/x')).toThrow(/\/dev is a kernel pseudo-filesystem/);
  });

  it('a regular file, or a path through one, is refused', () => {
    const f = join(tmp, 'file');
    writeFileSync(f, 'x');
    expect(() => checkOutDir(f)).toThrow(new RegExp(`${f} is a file, not a directory`));
    expect(() => checkOutDir(join(f, 'sub'))).toThrow(/is a file, not a directory/);
  });

  it('a read-only or unwritable location is refused naming it', () => {
    const denied = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    expect(() => checkOutDir(join(tmp, 'ro', 'x'), '--out', denied('EROFS'))).toThrow(new RegExp(`${tmp} is on a read-only filesystem`));
    expect(() => checkOutDir(tmp, '--out', denied('EACCES'))).toThrow(/is not writable by this user/);
  });

  it('run names are names: anything resolving outside --out is refused', () => {
    expect(checkRunName('cnn-rot', tmp)).toBe(join(tmp, 'cnn-rot'));
    expect(checkRunName('v1.2_x', tmp)).toBe(join(tmp, 'v1.2_x'));
    for (const bad of ['../x', '..', '/etc', 'a/b', 'a\\b', '.x', '', 'x'.repeat(200)]) expect(() => checkRunName(bad, tmp)).toThrow(CliError);
  });
});

describe('fashion CLI: bad command lines fail at once, with one line, writing nothing', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fashion-harden-'));
  });
  const T = (...extra: string[]) => ['train', '--model', 'cnn', '--threads', '1', '--train-limit', '200', '--test-limit', '100', '--epochs', '1', '--no-progress', '--no-report', ...extra];

  it('--out /proc/rel-run: refused at once (it used to hang forever)', () => {
    expectCleanError(fashion(T('--out', '/proc/rel-run'), { timeout: 30_000 }), /\/proc is a kernel pseudo-filesystem/);
  });

  it('--out under /sys, or a regular file: refused', () => {
    expectCleanError(fashion(T('--out', '/sys/tapegrad-run')), /\/sys is a kernel pseudo-filesystem/);
    const f = join(tmp, 'a-file');
    writeFileSync(f, '');
    expectCleanError(fashion(T('--out', f)), /is a file, not a directory/);
  });

  it('--name ../../escaped: refused, nothing written outside --out (nor inside)', () => {
    const out = join(tmp, 'o', 'x');
    expectCleanError(fashion(T('--name', '../../escaped', '--out', out)), /--name "\.\.\/\.\.\/escaped"/);
    expect(existsSync(join(tmp, 'escaped'))).toBe(false);
    expect(existsSync(join(tmp, 'o'))).toBe(false);
  });

  it('--train-limit 0, --test-limit 0, --label-smoothing 2, --threads 1000: refused before the data is read', () => {
    const out = join(tmp, 'limits');
    expectCleanError(fashion(T('--out', out, '--train-limit', '0')), /--train-limit must be between 1 and 60000, got 0/);
    expectCleanError(fashion(T('--out', out, '--test-limit', '0')), /--test-limit must be between 1 and 10000, got 0/);
    expectCleanError(fashion(T('--out', out, '--label-smoothing', '2')), /--label-smoothing must be in \[0, 1\), got 2/);
    expectCleanError(fashion(['train', '--threads', '1000', '--out', out]), /--threads must be between 1 and 256, got 1000/);
    expect(existsSync(out)).toBe(false);
  });

  it('analyze --limit 0 and report --runs /nonexistent: refused', () => {
    expectCleanError(fashion(['analyze', '--limit', '0', '--out', join(tmp, 'an')]), /--limit must be between 1 and 10000, got 0/);
    expectCleanError(fashion(['report', '--runs', '/nonexistent']), /--runs \/nonexistent: no such directory/);
    const f = join(tmp, 'runs-file');
    writeFileSync(f, '');
    expectCleanError(fashion(['report', '--runs', f]), /is a file, not a runs directory/);
  });

  it('eval --out: an existing metrics.json is not replaced without --overwrite; a file as --out is refused', () => {
    const dir = join(tmp, 'eval');
    mkdirSync(dir);
    writeFileSync(join(dir, 'metrics.json'), '{"keep": true}\n');
    expectCleanError(fashion(['eval', '--model', 'cnn', '--weights', join(tmp, 'none.safetensors'), '--out', dir]), /metrics\.json exists; pass --overwrite/);
    expectCleanError(fashion(['eval', '--model', 'cnn', '--weights', join(tmp, 'none.safetensors'), '--out', join(dir, 'metrics.json')]), /is a file, not a directory/);
    expect(readdirSync(dir)).toEqual(['metrics.json']);
  });
});

/** The pid of a process that has exited (its pid is free, as a SIGKILLed run's would be). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('run directories: one owner at a time, finished runs kept, summary.json merged under a lock', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fashion-rundir-'));
  });

  it('a lock held by a live process is refused naming its pid; a stale one (dead pid) is taken over', () => {
    const lock = join(tmp, '.lock');
    const release = acquireLock(lock, 'run directory X');
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquireLock(lock, 'run directory X')).toThrow(new RegExp(`run directory X is in use by process ${process.pid} \\(lock file ${lock}\\)`));
    release();
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, `${deadPid()}\n`);
    const again = acquireLock(lock, 'run directory X');
    expect(lockOwner(lock)).toBe(process.pid);
    again();
  });

  it('a finished or interrupted run is refused naming --resume and --overwrite; --overwrite removes the old files', () => {
    const dir = join(tmp, 'cnn');
    mkdirSync(dir);
    writeFileSync(join(dir, 'checkpoint.safetensors'), 'old');
    expect(() => openRuns([dir], { resume: false, overwrite: false })).toThrow(/holds an interrupted run \(checkpoint\.safetensors\); pass --resume to continue it or --overwrite/);
    writeFileSync(join(dir, 'metrics.json'), '{}');
    writeFileSync(join(dir, 'model.safetensors'), 'old');
    expect(() => openRuns([dir], { resume: false, overwrite: false })).toThrow(/holds a finished run \(metrics\.json, model\.safetensors\); pass --resume to continue it or --overwrite to replace it/);
    expect(existsSync(join(dir, '.lock'))).toBe(false); // the refused attempt released its lock
    const [resumed] = openRuns([dir], { resume: true, overwrite: false });
    expect(readdirSync(dir).sort()).toEqual(['.lock', 'checkpoint.safetensors', 'metrics.json', 'model.safetensors']);
    resumed!.release();
    const [replaced] = openRuns([dir], { resume: false, overwrite: true });
    expect(readdirSync(dir)).toEqual(['.lock']);
    replaced!.release();
    expect(existsSync(dir)).toBe(true); // it existed before: kept although empty
  });

  it('a corrupt summary.json is named in one line, set aside and rebuilt from the runs', () => {
    const out = join(tmp, 'sum');
    mkdirSync(join(out, 'old'), { recursive: true });
    writeFileSync(join(out, 'old', 'metrics.json'), JSON.stringify({ name: 'old', model: 'cnn', recipe: 'default', testAccuracy: 0.9, parameters: 1, trainSeconds: 2, epochs: [] }));
    writeFileSync(join(out, 'summary.json'), '{"rows": [');
    const lines: string[] = [];
    const rows = updateSummary(out, [{ name: 'new', model: 'fnn', recipe: 'default', testAccuracy: 0.8, parameters: 3, trainSeconds: 4 }], (s) => lines.push(s));
    expect(rows.map((r) => r.name)).toEqual(['old', 'new']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^warning: ${join(out, 'summary.json')} was unreadable .*moved it to ${join(out, 'summary.json')}\\.corrupt-`));
    expect(readdirSync(out).filter((f) => f.startsWith('summary.json.corrupt-'))).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows).toHaveLength(2);
  });

  it('four processes updating summary.json at once lose no row', async () => {
    const out = join(tmp, 'concurrent');
    mkdirSync(out);
    const runDir = join(here, '..', 'dist', 'run-dir.js');
    const script = (k: number) =>
      `const { updateSummary } = await import(${JSON.stringify(runDir)});
       for (let i = 0; i < 5; i++) updateSummary(${JSON.stringify(out)}, [{ name: 'p${k}-' + i, model: 'cnn', recipe: 'default', testAccuracy: 0.5, parameters: 1, trainSeconds: 1 }], () => {});`;
    const codes = await Promise.all([0, 1, 2, 3].map((k) => new Promise<number | null>((done) => {
      spawn(process.execPath, ['--input-type=module', '-e', script(k)], { stdio: 'inherit' }).on('exit', done);
    })));
    expect(codes).toEqual([0, 0, 0, 0]);
    const names = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows as { name: string }[]).map((r) => r.name).sort();
    expect(names).toHaveLength(20);
    expect(new Set(names).size).toBe(20);
  });
});

describe('fashion CLI: concurrent and repeated runs (200 training images, 1 epoch)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fashion-runs-'));
  });
  const T = (out: string, ...extra: string[]) => ['train', '--model', 'cnn', '--threads', '1', '--train-limit', '200', '--test-limit', '100', '--epochs', '1', '--batch-size', '50', '--no-progress', '--no-report', '--out', out, ...extra];

  it('a second run on the same directory while the first trains is refused; the first goes on until interrupted', async () => {
    const out = join(tmp, 'busy');
    // Long enough that it is still training when the second starts, on any machine; stopped by SIGINT.
    const first = spawn(process.execPath, [cli, ...T(out, '--epochs', '200')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstOut = '';
    first.stdout.on('data', (d) => (firstOut += d));
    first.stderr.on('data', (d) => (firstOut += d));
    const firstExit = new Promise<number | null>((done) => first.on('exit', done));
    const lock = join(out, 'cnn', '.lock');
    for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(lock), firstOut).toBe(true);
    const second = await new Promise<ReturnType<typeof fashion>>((done) => {
      const c = spawn(process.execPath, [cli, ...T(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d) => (stdout += d));
      c.stderr.on('data', (d) => (stderr += d));
      c.on('exit', (status, signal) => done({ status, signal, stdout, stderr, all: stdout + stderr }));
    });
    expectCleanError(second, new RegExp(`run directory ${join(out, 'cnn')} is in use by process ${first.pid} \\(lock file ${lock}\\)`));
    expect(first.exitCode, firstOut).toBe(null); // still training
    first.kill('SIGINT');
    expect(await firstExit, firstOut).toBe(130);
    expect(firstOut).not.toMatch(/error:/);
    expect(existsSync(lock)).toBe(false);
  });

  it('a finished run is not replaced without --overwrite; --overwrite replaces it; a stale temp file is removed; --threads 64 is capped with a note', () => {
    const out = join(tmp, 'again');
    const r1 = fashion(T(out, '--threads', '64'));
    expect(r1.status, r1.all).toBe(0);
    expect(r1.stdout).toMatch(/--threads 64: this machine has \d+ cores?; using \d+/);
    const model = readFileSync(join(out, 'cnn', 'model.safetensors'));
    expectCleanError(fashion(T(out, '--seed', '1')), /holds a finished run \(metrics\.json, model\.safetensors\); pass --resume to continue it or --overwrite to replace it/);
    expect(Buffer.compare(readFileSync(join(out, 'cnn', 'model.safetensors')), model)).toBe(0);
    const stale = join(out, 'cnn', `.checkpoint.safetensors.${deadPid()}.abc123.tmp`);
    writeFileSync(stale, 'half a checkpoint');
    const r2 = fashion(T(out, '--seed', '1', '--overwrite'));
    expect(r2.status, r2.all).toBe(0);
    expect(r2.stdout).toContain(`removed ${stale}, left by a write that was interrupted`);
    expect(existsSync(stale)).toBe(false);
    expect(Buffer.compare(readFileSync(join(out, 'cnn', 'model.safetensors')), model)).not.toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows.map((r: { name: string }) => r.name)).toEqual(['cnn']);
  });
});

describe('fashion train --resume: a bad checkpoint is one line naming the file and the field (checked by the library)', () => {
  let tmp: string;
  let out: string;
  let ckpt: string;
  let good: Uint8Array;
  const T = (...extra: string[]) => ['train', '--model', 'cnn', '--threads', '1', '--train-limit', '200', '--test-limit', '100', '--epochs', '2', '--batch-size', '50', '--no-progress', '--no-report', '--out', out, ...extra];
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fashion-ckpt-'));
    out = join(tmp, 'runs');
    const r = fashion(T('--epochs', '2'));
    expect(r.status, r.all).toBe(0);
    ckpt = join(out, 'cnn', 'checkpoint.safetensors');
    good = new Uint8Array(readFileSync(ckpt));
  });
  const withMeta = (edit: (m: Record<string, any>) => void) => {
    const { tensors, metadata } = decodeSafetensors(good, ckpt);
    const meta = JSON.parse(metadata['tapegrad_checkpoint']!);
    edit(meta);
    writeFileSync(ckpt, encodeSafetensors(tensors, { tapegrad_checkpoint: JSON.stringify(meta) }));
  };

  it.each([
    ['epoch 99', (m: Record<string, any>) => (m.epoch = 99), /checkpoint field epoch must be at most the run's 2 epochs, got number 99/],
    ['epoch "x"', (m: Record<string, any>) => (m.epoch = 'x'), /checkpoint field epoch must be an integer ≥ 0, got string "x"/],
    ['epoch -1', (m: Record<string, any>) => (m.epoch = -1), /checkpoint field epoch must be an integer ≥ 0, got number -1/],
    ['lr null', (m: Record<string, any>) => (m.optimizer.groups[0].lr = null), /groups\[0\]\.lr must be a finite learning rate ≥ 0, got null/],
    ['steps -1', (m: Record<string, any>) => (m.optimizer.steps[0] = -1), /checkpoint field optimizer\.steps\[0\] must be an integer ≥ 0, got number -1/],
    ['params []', (m: Record<string, any>) => (m.optimizer.steps = []), /refers to parameter 0, but the checkpoint has 0/],
  ])('%s', (_n, edit, pattern) => {
    withMeta(edit);
    const r = fashion(T('--resume'));
    expectCleanError(r, pattern);
    expect(r.stderr).toContain(ckpt);
    expect(r.stdout).not.toMatch(/resuming/);
  });

  it('control: the unedited checkpoint resumes after epoch 2', () => {
    writeFileSync(ckpt, good);
    const r = fashion(T('--resume'));
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/resuming from .*checkpoint\.safetensors after epoch 2/);
  });
});
