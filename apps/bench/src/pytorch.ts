/**
 * PyTorch in the bench: when /usr/bin/python3 can import torch (Debian's python3-torch; the
 * python3 first on PATH may be another interpreter without it), scripts/pytorch_bench.py runs the
 * same models on the same data files and recipe, in a child process per case, with PyTorch's best
 * configuration on these machines (recorded in each result):
 * - GLIBC_TUNABLES raising malloc's mmap and trim thresholds to 1 GiB: without it every fresh
 *   large buffer is a new mmap whose page faults cost PyTorch several times its step time here;
 * - OpenBLAS for the linear layers (Debian's torch links the reference BLAS): the
 *   libopenblas0-pthread package, fetched once with `apt-get download` into apps/bench/.cache and
 *   unpacked with `dpkg-deb -x` (or the system's copy when installed), its openblas-pthread
 *   directory first on LD_LIBRARY_PATH; OPENBLAS_NUM_THREADS=1 for the CNNs (the case study and the
 *   resnet suite's: their GEMMs are small and oneDNN runs the convs on the OpenMP threads), the
 *   thread count for the FNN.
 * Without torch the suite says so and gives no figures: nothing is quoted from elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFashionMnistFiles } from '@tapegrad/nn/node';
import { BATCH_SIZE, EPOCH_IMAGES, QUICK_IMAGES } from './data.js';
import type { E2eResult } from './e2e.js';
import type { ModelKind } from './models.js';
import { mergeE2eRounds } from './rounds.js';
import type { SuiteOptions } from './suite.js';

export const PYTHON = '/usr/bin/python3';
const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCRIPT = join(APP_DIR, 'scripts', 'pytorch_bench.py');
const CACHE_DIR = join(APP_DIR, '.cache');
export const GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824';
/** PyTorch runs on 1 and 2 threads, as the issue's bars name them. */
export const PYTORCH_THREADS = [1, 2] as const;

export interface PytorchConfig {
  python: string;
  torch: string;
  glibcTunables: string;
  /** The openblas-pthread directory put first on LD_LIBRARY_PATH, or null (reference BLAS). */
  openblasDir: string | null;
  openblasSource: 'cache' | 'system' | 'apt-get download' | null;
  /** Why OpenBLAS is not used, when it is not. */
  openblasNote?: string;
}

/** One PyTorch run: the bench's E2eResult plus what ran it. */
export interface PytorchRun extends E2eResult {
  env: Record<string, string>;
  /** BLAS libraries the Python process mapped (from /proc/self/maps): proves which BLAS ran. */
  blas: string[] | null;
  params: number | null;
}

export interface PytorchResult {
  ran: boolean;
  /** Why PyTorch was not run. */
  note?: string;
  config: PytorchConfig | null;
  runs: PytorchRun[];
}

/** torch's version when PYTHON imports it, else the reason it does not. */
export function torchVersion(python = PYTHON): { version: string } | { missing: string } {
  if (!existsSync(python)) return { missing: `${python} does not exist` };
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { version: r.stdout.trim() };
  const last = (r.stderr || r.error?.message || '').trim().split('\n').pop() ?? '';
  return { missing: `${python} cannot import torch (${last}); apt-get install -y python3-torch` };
}

function findOpenblasDir(root: string): string | null {
  const lib = join(root, 'usr', 'lib');
  if (!existsSync(lib)) return null;
  for (const triplet of readdirSync(lib)) {
    const dir = join(lib, triplet, 'openblas-pthread');
    if (existsSync(join(dir, 'libblas.so.3'))) return dir;
  }
  return null;
}

/** Finds or fetches libopenblas0-pthread (see the file comment); never throws. */
export function openblas(log: (line: string) => void): Pick<PytorchConfig, 'openblasDir' | 'openblasSource' | 'openblasNote'> {
  const unpacked = join(CACHE_DIR, 'openblas');
  const cached = findOpenblasDir(unpacked);
  if (cached) return { openblasDir: cached, openblasSource: 'cache' };
  const system = findOpenblasDir('/');
  if (system) return { openblasDir: system, openblasSource: 'system' };
  log(`  fetching libopenblas0-pthread (apt-get download, once, into ${CACHE_DIR}) …`);
  const debs = join(CACHE_DIR, 'debs');
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  const dl = spawnSync('apt-get', ['download', 'libopenblas0-pthread'], { cwd: debs, encoding: 'utf8' });
  const deb = readdirSync(debs).find((f) => f.endsWith('.deb'));
  if (dl.status !== 0 || deb === undefined) {
    return { openblasDir: null, openblasSource: null, openblasNote: `apt-get download libopenblas0-pthread failed: ${(dl.stderr || dl.error?.message || '').trim().split('\n').pop()}` };
  }
  const x = spawnSync('dpkg-deb', ['-x', join(debs, deb), unpacked], { encoding: 'utf8' });
  const dir = findOpenblasDir(unpacked);
  if (x.status !== 0 || dir === null) {
    return { openblasDir: null, openblasSource: null, openblasNote: `dpkg-deb -x ${deb} failed: ${(x.stderr || x.error?.message || '').trim()}` };
  }
  return { openblasDir: dir, openblasSource: 'apt-get download' };
}

/** The environment of one PyTorch child: the config above for `threads` threads. */
export function pytorchEnv(config: PytorchConfig, model: ModelKind | 'resnet', threads: number): Record<string, string> {
  const env: Record<string, string> = {
    GLIBC_TUNABLES: config.glibcTunables,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(model === 'fnn' ? threads : 1),
  };
  if (config.openblasDir) env['LD_LIBRARY_PATH'] = [config.openblasDir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  return env;
}

/** Runs the script with `args` under `env`; its last stdout line is JSON. Throws with its stderr's last line. */
export function runScript(args: string[], env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 * 2 ** 20 });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) {
    throw new Error(`${SCRIPT} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop()}`);
  }
  return JSON.parse(last) as Record<string, unknown>;
}

/** PyTorch configuration for this machine, or null with the reason when torch is missing. */
export function pytorchConfig(log: (line: string) => void): { config: PytorchConfig } | { missing: string } {
  const v = torchVersion();
  if ('missing' in v) return v;
  return { config: { python: PYTHON, torch: v.version, glibcTunables: GLIBC_TUNABLES, ...openblas(log) } };
}

export function describeConfig(c: PytorchConfig): string {
  return `PyTorch ${c.torch} (${c.python}), GLIBC_TUNABLES mmap/trim thresholds 1 GiB, ${c.openblasDir ? `OpenBLAS (${c.openblasSource}: ${c.openblasDir})` : `reference BLAS (${c.openblasNote ?? 'no OpenBLAS'})`}`;
}

function caseStudyRun(config: PytorchConfig, model: ModelKind, threads: number, quick: boolean): PytorchRun {
  const env = pytorchEnv(config, model, threads);
  const base: PytorchRun = {
    framework: `PyTorch ${config.torch}`, backend: 'cpu', model, threads, epochSeconds: null, trainImagesTimed: 0, extrapolated: false,
    trainImagesPerSecond: null, msPerStep: null, inferenceImagesPerSecond: null, inferenceImagesTimed: 0, env, blas: null, params: null,
  };
  try {
    const train = findFashionMnistFiles('train');
    const test = findFashionMnistFiles('test');
    const count = quick ? QUICK_IMAGES : EPOCH_IMAGES;
    // Full runs warm up for one whole epoch and time the second; --quick warms up on 24 batches, as ours.
    const warmup = quick ? 24 * BATCH_SIZE : EPOCH_IMAGES;
    const r = runScript([
      '--model', model, '--threads', String(threads), '--batch', String(BATCH_SIZE), '--train-count', String(count), '--warmup-count', String(warmup),
      '--train-images-file', train.images, '--train-labels-file', train.labels, '--test-images-file', test.images, '--test-labels-file', test.labels,
    ], env);
    const timed = r['trainImagesTimed'] as number;
    const seconds = r['trainSeconds'] as number;
    const inferSeconds = r['inferenceSeconds'] as number;
    return {
      ...base, epochSeconds: (seconds * EPOCH_IMAGES) / timed, trainImagesTimed: timed, extrapolated: timed < EPOCH_IMAGES - BATCH_SIZE,
      trainImagesPerSecond: timed / seconds, msPerStep: (1000 * seconds * BATCH_SIZE) / timed,
      inferenceImagesTimed: r['inferenceImagesTimed'] as number, inferenceImagesPerSecond: (r['inferenceImagesTimed'] as number) / inferSeconds,
      blas: (r['blas'] as string[] | null) ?? null, params: (r['params'] as number | undefined) ?? null,
      note: `loss ${(r['trainLoss'] as number).toFixed(3)}, test accuracy ${(100 * (r['accuracy'] as number)).toFixed(1)}%`,
    };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

/** The pytorch suite's rounds as one result: each run the best of its rounds (Note [alternating rounds]). */
export function mergePytorchRounds(rounds: PytorchResult[]): PytorchResult {
  const first = rounds[0]!;
  return first.ran ? { ...first, runs: mergeE2eRounds(rounds.map((r) => r.runs)) } : first;
}

/** The `pytorch` suite: the case-study CNN and FNN on PyTorch, 1 and 2 threads. */
export async function runPytorchSuite(o: SuiteOptions): Promise<PytorchResult> {
  const found = pytorchConfig(o.log);
  if ('missing' in found) {
    const note = `PyTorch was not run: ${found.missing}`;
    o.log(note);
    return { ran: false, note, config: null, runs: [] };
  }
  const { config } = found;
  o.log(`${describeConfig(config)}; ${o.quick ? `--quick: ${QUICK_IMAGES} images timed after 24 batches of warm-up` : 'second epoch timed, the first warms up'} …`);
  const runs: PytorchRun[] = [];
  for (const model of ['cnn', 'fnn'] as const) {
    for (const threads of PYTORCH_THREADS) {
      const r = caseStudyRun(config, model, threads, o.quick);
      runs.push(r);
      o.log(r.error
        ? `  PyTorch ${model} (${threads} thr): ${r.error}`
        : `  PyTorch ${model} (${threads} thr): ${r.epochSeconds!.toFixed(2)} s/epoch${r.extrapolated ? ' (extrapolated)' : ''}, inference ${r.inferenceImagesPerSecond!.toFixed(0)} images/s (${r.note})`);
    }
  }
  return { ran: true, config, runs };
}
