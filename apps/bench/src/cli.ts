#!/usr/bin/env node
/**
 * tapegrad's benchmark runner. Everything runs in one sitting, so the ratios compare figures taken
 * under the same machine load.
 *
 *   node dist/cli.js [--quick] [--out FILE] [--skip-peers] [--only kernels|e2e|peers]
 *
 * Writes a table to the terminal and every figure, the machine and the git commit to a JSON file
 * (default bench-results/bench-<timestamp>.json, relative to the working directory).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRefBackend } from '@tapegrad/autograd';
import { availableParallelism } from 'node:os';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { type E2eResult, runE2e } from './e2e.js';
import { type KernelResult, runKernelSuites } from './kernels.js';
import { machineInfo } from './machine.js';
import { type PeakResult, measurePeak } from './peak.js';
import { PYTORCH_REFERENCE } from './reference.js';
import { e2eTable, kernelPeerTable, kernelTable, peakTable } from './report.js';

type Part = 'kernels' | 'e2e' | 'peers';
const PARTS: readonly Part[] = ['kernels', 'e2e', 'peers'];

interface Args {
  quick: boolean;
  out: string | null;
  skipPeers: boolean;
  only: Part | null;
}

const USAGE = 'usage: node dist/cli.js [--quick] [--out FILE] [--skip-peers] [--only kernels|e2e|peers]';

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, out: null, skipPeers: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a.split('=')[0]} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--skip-peers') args.skipPeers = true;
    else if (a === '--out' || a.startsWith('--out=')) args.out = value();
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = value();
      if (!PARTS.includes(v as Part)) throw new Error(`--only must be one of ${PARTS.join(', ')}, got "${v}"\n${USAGE}`);
      args.only = v as Part;
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${a}"\n${USAGE}`);
  }
  return args;
}

/**
 * The relaxed-SIMD (FMA) peak needs a V8 flag in Node 20, so it is measured in a child process
 * started with it; the child runs this file with --peak-child and prints JSON.
 */
function relaxedPeakInChild(quick: boolean): PeakResult {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url), '--peak-child', ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as PeakResult;
  } catch {
    return { variant: 'relaxed_madd', gflops: null, note: `child failed: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}` };
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--peak-child')) {
    console.log(JSON.stringify(await measurePeak(true, process.argv.includes('--quick'))));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const wants = (p: Part): boolean => (args.only ? args.only === p : p !== 'peers' || !args.skipPeers);
  const log = (line: string): void => console.log(line);
  const started = new Date();
  const machine = machineInfo();
  log(`tapegrad bench ${args.quick ? '--quick ' : ''}· ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · ${machine.commit?.slice(0, 10) ?? 'no git'}${machine.dirty ? ' (dirty)' : ''}`);
  log(`started ${started.toISOString()}; other processes share this machine, so figures are noisy\n`);

  const peaks: PeakResult[] = [];
  let wasmBuild: string | null = null;
  let kernels: KernelResult[] = [];
  const peerKernels: KernelResult[] = [];
  const ours: E2eResult[] = [];
  const peers: E2eResult[] = [];

  if (wants('kernels')) {
    log('measuring the register-only f32x4 peak …');
    peaks.push(await measurePeak(false, args.quick));
    const fused = await measurePeak(true, args.quick);
    peaks.push(fused.gflops === null ? relaxedPeakInChild(args.quick) : fused);
    log(`${peakTable(peaks)}\n`);
    const wasm = await createWasmBackend();
    wasmBuild = wasm.build;
    // The fraction of peak is taken against the multiply-add the build's GEMM tiles use: the
    // relaxed builds fuse (relaxed_madd), the plain ones run mul + add.
    const peakGflops = wasm.relaxedSimd && peaks[1]!.gflops !== null ? peaks[1]!.gflops : peaks[0]!.gflops;
    log(`kernels, wasm backend (${wasm.build}; % of the ${wasm.relaxedSimd ? 'relaxed_madd' : 'mul+add'} peak) …`);
    kernels = runKernelSuites(wasm, { quick: args.quick, timing: { maxTime: args.quick ? 0.5 : 2 }, peakGflops, log });
    // The same convs without Winograd (im2col + GEMM): the algorithm's gain, and a conv rate that
    // counts the multiply-adds it really does.
    log('conv kernels, wasm backend with winograd: false …');
    kernels.push(...runKernelSuites(await createWasmBackend({ winograd: false }), {
      quick: args.quick, timing: { maxTime: args.quick ? 0.5 : 2 }, peakGflops, log, suites: ['conv'], nameSuffix: ' (im2col)',
    }));
    // NOTE: the reference backend is pure TS and ~50–100× slower: few samples (maxTime 0.2–0.5 s,
    // at least 1), so its figures have wide error bars; they are there to show the gap, not to track.
    log('kernels, reference backend (pure TS; few samples) …');
    kernels.push(...runKernelSuites(createRefBackend(), { quick: args.quick, timing: { maxTime: args.quick ? 0.2 : 0.5, minSamples: 1 }, peakGflops, log }));
    log(`\n${kernelTable(kernels)}\n`);
  }
  if (wants('e2e')) {
    log(`end to end, tapegrad wasm, 1 thread${args.quick ? ' (--quick: 6 400 training images, extrapolated per epoch)' : ''} …`);
    const cores = availableParallelism();
    for (const kind of ['cnn', 'fnn'] as const) {
      ours.push(await runE2e(kind, args.quick, log, 1));
      if (cores > 1) ours.push(await runE2e(kind, args.quick, log, cores));
    }
  }
  if (wants('peers')) {
    const budget = args.quick ? { trainSeconds: 5, inferSeconds: 3 } : { trainSeconds: 60, inferSeconds: 20 };
    log(`peers, TensorFlow.js 4.22 (time budget ${budget.trainSeconds} s training / ${budget.inferSeconds} s inference per case, then extrapolated) …`);
    const { runTfjs } = await import('./peers/tfjs.js');
    const { runTfjsKernels } = await import('./peers/tfjs-kernels.js');
    log('peer kernels, same shapes …');
    for (const backend of ['cpu', 'wasm'] as const) peerKernels.push(...(await runTfjsKernels(backend, { quick: args.quick, peakGflops: peaks[0]?.gflops ?? null, log })));
    log(`\n${kernelPeerTable(kernels, peerKernels)}\n`);
    for (const backend of ['cpu', 'wasm'] as const) for (const kind of ['cnn', 'fnn'] as const) peers.push(await runTfjs(backend, kind, budget, log));
  }
  if (ours.length || peers.length) log(`\n${e2eTable(ours, peers)}`);

  const finished = new Date();
  const out = resolve(args.out ?? `bench-results/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const json = {
    schema: 1,
    quick: args.quick,
    only: args.only,
    started: started.toISOString(),
    finished: finished.toISOString(),
    machine,
    wasmBuild,
    peak: peaks,
    kernels,
    peerKernels,
    e2e: { tapegrad: ours, peers },
    pytorchReference: PYTORCH_REFERENCE,
  };
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  log(`\nwrote ${out} (${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s)`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
