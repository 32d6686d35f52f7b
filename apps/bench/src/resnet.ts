/**
 * The `resnet` suite: a second network that is not the case study (issue 13), so that the kernels
 * are not tuned to one shape. A small ResNet-style CNN on random 32×32×3 inputs, batch 64:
 *
 *   stem    Conv2d(3→32, 3×3, p=1, no bias) → BatchNorm2d(32) → ReLU
 *   block1  [Conv2d(32→32, 3×3, p=1) → BN → ReLU → Conv2d(32→32, 3×3, p=1) → BN] + x → ReLU
 *   block2  the same
 *   stage   [Conv2d(32→64, 3×3, s=2, p=1) → BN → ReLU → Conv2d(64→64, 3×3, p=1) → BN]
 *           + Conv2d(32→64, 1×1, s=2) (x) → ReLU
 *   head    global average pool → Linear(64 → 10)
 *
 * Cross-entropy, Adam lr 1e-3. The same model is `resnet()` in scripts/pytorch_bench.py, which the
 * suite runs in this run on 1 and 2 threads. ms per train step (forward, loss, backward, Adam step)
 * is the median of the timed steps, after warm-up steps; tapegrad on 1 thread and on all cores.
 */
import { crossEntropy, manualSeed, mean, rand, relu, setBackend, type Tensor, tidy } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, BatchNorm2d, Conv2d, Linear, Module, ReLU, Residual, Sequential } from '@tapegrad/nn';
import { fmt, renderTable } from '@tapegrad/term';
import { PYTORCH_THREADS, type PytorchConfig, describeConfig, pytorchConfig, pytorchEnv, runScript } from './pytorch.js';
import { mergeResnetRounds } from './rounds.js';
import type { SuiteOptions } from './suite.js';

export const RESNET_BATCH = 64;

function convBn(cin: number, cout: number, stride = 1): Module[] {
  return [new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new BatchNorm2d(cout)];
}

/** Two 3×3 conv + BN with a ReLU between, plus the shortcut (a 1×1 projection when the shape changes). */
function block(cin: number, cout: number, stride: number): Residual {
  return Residual.withProjection(new Sequential([...convBn(cin, cout, stride), new ReLU(), ...convBn(cout, cout)]), cin, cout, stride);
}

/** The suite's ResNet (see the file comment); 96 298 parameters, as PyTorch's (the suite reports both counts). */
export class BenchResnet extends Module {
  readonly stem = this.registerModule('stem', new Sequential([...convBn(3, 32), new ReLU()]));
  readonly blocks = this.registerModule('blocks', new Sequential([block(32, 32, 1), block(32, 32, 1), block(32, 64, 2)]));
  readonly fc = this.registerModule('fc', new Linear(64, 10));

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.stem.forward(x);
      for (const b of this.blocks.layers) h = relu(b.forward(h));
      return this.fc.forward(mean(h, [2, 3]));
    });
  }
}

export interface ResnetRun {
  framework: string;
  threads: number;
  /** Median ms per train step; null with `error`. */
  msPerStep: number | null;
  /** Each round's median, when rounds were merged (Note [alternating rounds]); msPerStep is the least. */
  roundMsPerStep?: (number | null)[];
  /** Every timed step, ms. */
  stepMs: number[];
  warmupSteps: number;
  params: number | null;
  build?: string;
  env?: Record<string, string>;
  error?: string;
}

export interface ResnetResult {
  batch: number;
  /** Alternating rounds merged into the runs (Note [alternating rounds]); absent: one. */
  rounds?: number;
  tapegrad: ResnetRun[];
  pytorch: { ran: boolean; note?: string; config: PytorchConfig | null; runs: ResnetRun[] };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function steps(quick: boolean): { warmup: number; timed: number } {
  return quick ? { warmup: 2, timed: 3 } : { warmup: 5, timed: 20 };
}

async function tapegradRun(threads: number, quick: boolean): Promise<ResnetRun> {
  const backend = await createWasmBackend({ threads });
  setBackend(backend);
  manualSeed(0);
  const model = new BenchResnet();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = rand([RESNET_BATCH, 3, 32, 32], { low: -1, high: 1 });
  const labels = Int32Array.from({ length: RESNET_BATCH }, (_, i) => (i * 7 + 3) % 10);
  const step = (): void => tidy(() => {
    const loss = crossEntropy(model.forward(x), labels);
    loss.item();
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
  });
  const { warmup, timed } = steps(quick);
  for (let i = 0; i < warmup; i++) step();
  const stepMs: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    step();
    stepMs.push(performance.now() - t0);
  }
  const params = model.parameters().reduce((t, p) => t + p.size, 0);
  x.dispose();
  model.dispose();
  optimizer.dispose();
  await backend.dispose();
  return { framework: 'tapegrad', threads, msPerStep: median(stepMs), stepMs, warmupSteps: warmup, params, build: backend.build };
}

function pytorchRun(config: PytorchConfig, threads: number, quick: boolean): ResnetRun {
  const env = pytorchEnv(config, 'resnet', threads);
  const { warmup, timed } = steps(quick);
  const base: ResnetRun = { framework: `PyTorch ${config.torch}`, threads, msPerStep: null, stepMs: [], warmupSteps: warmup, params: null, env };
  try {
    const r = runScript(['--model', 'resnet', '--threads', String(threads), '--batch', String(RESNET_BATCH), '--steps', String(timed), '--warmup-steps', String(warmup)], env);
    const stepMs = (r['stepSeconds'] as number[]).map((s) => s * 1000);
    return { ...base, msPerStep: median(stepMs), stepMs, params: r['params'] as number };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}

export async function runResnetSuite(o: SuiteOptions): Promise<ResnetResult> {
  const { warmup, timed } = steps(o.quick);
  o.log(`resnet: batch ${RESNET_BATCH} of 32×32×3, median of ${timed} train steps after ${warmup} of warm-up …`);
  const tapegrad: ResnetRun[] = [];
  for (const threads of o.cores > 1 ? [1, o.cores] : [1]) {
    const r = await tapegradRun(threads, o.quick);
    tapegrad.push(r);
    o.log(`  tapegrad wasm resnet (${threads} thr): ${r.msPerStep!.toFixed(1)} ms/step (${r.params} parameters)`);
  }
  const found = pytorchConfig(o.log);
  let pytorch: ResnetResult['pytorch'];
  if ('missing' in found) {
    const note = `PyTorch was not run: ${found.missing}`;
    o.log(`  ${note}`);
    pytorch = { ran: false, note, config: null, runs: [] };
  } else {
    o.log(`  ${describeConfig(found.config)}`);
    const runs = PYTORCH_THREADS.map((threads) => {
      const r = pytorchRun(found.config, threads, o.quick);
      o.log(r.error ? `  PyTorch resnet (${threads} thr): ${r.error}` : `  PyTorch resnet (${threads} thr): ${r.msPerStep!.toFixed(1)} ms/step (${r.params} parameters)`);
      return r;
    });
    pytorch = { ran: true, config: found.config, runs };
  }
  return { batch: RESNET_BATCH, tapegrad, pytorch };
}

/** The resnet suite's rounds as one result: each run the best of its rounds (Note [alternating rounds]). */
export function mergeResnetSuite(rounds: ResnetResult[]): ResnetResult {
  const first = rounds[0]!;
  return {
    ...first,
    rounds: rounds.length,
    tapegrad: mergeResnetRounds(rounds.map((r) => r.tapegrad)),
    pytorch: first.pytorch.ran ? { ...first.pytorch, runs: mergeResnetRounds(rounds.map((r) => r.pytorch.runs)) } : first.pytorch,
  };
}

export function resnetTable(r: ResnetResult): string {
  const pt = (threads: number): ResnetRun | undefined => r.pytorch.runs.find((x) => x.threads === threads && x.msPerStep !== null);
  const rows = r.tapegrad.map((t) => {
    const p1 = pt(1);
    const p2 = pt(2);
    return [`tapegrad ${t.threads} thr`, fmt(t.msPerStep, 1), fmt(p1?.msPerStep, 1), fmt(p2?.msPerStep, 1),
      p1 && t.msPerStep ? fmt(t.msPerStep / p1.msPerStep!, 2) : '—', p2 && t.msPerStep ? fmt(t.msPerStep / p2.msPerStep!, 2) : '—'];
  });
  const best = (r.rounds ?? 1) > 1 ? `, the least of ${r.rounds} alternating rounds` : '';
  const title = `ResNet-style CNN on 32×32×3, batch ${r.batch}: median ms per train step (forward, backward, Adam)${best}; ratio = tapegrad ÷ PyTorch`;
  const absent = r.pytorch.ran ? '' : `\n${r.pytorch.note ?? 'PyTorch was not run'}`;
  return `${renderTable(title, ['run', 'ms/step', 'PyTorch 1 thr', 'PyTorch 2 thr', 'vs PyTorch 1', 'vs PyTorch 2'], rows)}${absent}`;
}
