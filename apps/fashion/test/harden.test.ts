// Issue 12: a careless or hostile command line gets one clear line before any data is read or any
// file is written. One test (or more) per row of the table; the CLI cases spawn the built
// CLI, the logic cases call the modules directly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { MAX_THREADS, planThreads, planTrain, type RawTrainOptions } from '../src/options.js';
import { checkOutDir, checkRunName, createOutDir } from '../src/out-dir.js';

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
