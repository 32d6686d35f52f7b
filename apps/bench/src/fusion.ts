/**
 * The `fusion` suite: each fused kernel (Note [fused ops], autograd ops/conv2d-relu.ts) against
 * the unfused kernels it replaces, on the case-study conv layers, in the same process, alternating
 * turns (the fastest turn of each): forward relu(conv2d) against conv2dRelu, and the backward
 * from dy to the bias gradient, reluBackward + sum over [0, 2, 3] against reluBackwardBias; and
 * the whole training step of the case-study CNN (batch 128 of Fashion-MNIST, Adam) with layer
 * fusion on and off (Note [layer fusion] in @tapegrad/nn: `withFusion(false, …)`), the two taking
 * turns in one process: fastest and median turn, the median ratio of a round's two turns, and
 * process CPU time per step. One thread and all cores.
 */
import { crossEntropy, manualSeed, setBackend, tensor, tidy } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, withFusion } from '@tapegrad/nn';
import { fmt, renderTable } from '@tapegrad/term';
import { BATCH_SIZE, benchData } from './data.js';
import { randomStorage } from './kernels.js';
import { buildModel } from './models.js';
import { CONV_LAYERS } from './shapes.js';
import type { SuiteOptions } from './suite.js';
import { bestOfAlternating, median } from './timing.js';

export interface FusionRow {
  name: string;
  threads: number;
  /** ms of the unfused kernels and of the fused one (fastest of alternating turns). */
  unfusedMs: number;
  fusedMs: number;
  /** For the train step: the median turn of each, and the median over rounds of unfused ÷ fused. */
  unfusedMedianMs?: number;
  fusedMedianMs?: number;
  medianRatio?: number;
  /**
   * For the train step: the median over rounds of the process CPU time per step (every thread's,
   * so on all cores it counts the workers' spinning too): on one thread, the time that other
   * processes taking the core cannot inflate.
   */
  unfusedCpuMs?: number;
  fusedCpuMs?: number;
}

/** Wall and process CPU ms per call of each fn, `rounds` round-robin turns of `calls` calls each (after 3 warm-up calls). */
function wallAndCpuTurns(fns: readonly (() => void)[], rounds: number, calls: number): { wall: number[][]; cpu: number[][] } {
  for (const fn of fns) for (let i = 0; i < 3; i++) fn();
  const wall = fns.map(() => [] as number[]);
  const cpu = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) fn();
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      wall[i]!.push((t1 - t0) / calls);
      cpu[i]!.push((c.user + c.system) / 1000 / calls);
    });
  }
  return { wall, cpu };
}

/**
 * One training step of the case-study CNN (forward, cross-entropy, backward, Adam) on the first
 * batch of the training set, as a closure; each call steps the same model and optimizer.
 */
function cnnStep(): { step: () => void; dispose: () => void } {
  manualSeed(0);
  const { train } = benchData();
  const model = buildModel('cnn');
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = tensor(train.images.subarray(0, BATCH_SIZE * 784), [BATCH_SIZE, 1, 28, 28]);
  const labels = train.labels.subarray(0, BATCH_SIZE);
  const step = () => tidy(() => {
    const loss = crossEntropy(model.forward(x), labels);
    loss.item();
    loss.backward();
    opt.step();
    opt.zeroGrad();
  });
  return { step, dispose: () => { x.dispose(); model.dispose(); opt.dispose(); } };
}

export async function runFusionSuite(o: SuiteOptions): Promise<FusionRow[]> {
  const rounds = o.quick ? 5 : 15;
  o.log(`fusion: fused kernels against the unfused ones they replace, fastest of ${rounds} alternating turns …`);
  const rows: FusionRow[] = [];
  for (const threads of o.cores > 1 ? [1, o.cores] : [1]) {
    const be = await createWasmBackend({ threads });
    for (const { name, g } of CONV_LAYERS) {
      const x = randomStorage(be, g.n * g.c * g.h * g.w, 1);
      const w = randomStorage(be, g.o * g.c * g.kh * g.kw, 2);
      const b = randomStorage(be, g.o, 3);
      const ySize = g.n * g.o * g.oh * g.ow;
      const dy = randomStorage(be, ySize, 4);
      const y = be.conv2dRelu(x, w, b, g);
      const s = g.oh * g.ow;
      const [unfusedF, fusedF] = bestOfAlternating([
        () => { const pre = be.conv2d(x, w, b, g); be.free(be.relu(pre)); be.free(pre); },
        () => be.free(be.conv2dRelu(x, w, b, g)),
      ], rounds);
      rows.push({ name: `${name} forward + relu`, threads, unfusedMs: unfusedF!, fusedMs: fusedF! });
      const [unfusedB, fusedB] = bestOfAlternating([
        () => { const d = be.reluBackward(dy, y); be.free(be.sum(d, [g.n, g.o, s], [0, 2])); be.free(d); },
        () => { const r = be.reluBackwardBias(dy, y, g.n, g.o, s); be.free(r.dx); be.free(r.dbias); },
      ], rounds);
      rows.push({ name: `${name} reluBackward + bias sum`, threads, unfusedMs: unfusedB!, fusedMs: fusedB! });
      for (const t of [x, w, b, dy, y]) be.free(t);
    }
    setBackend(be);
    const { step, dispose } = cnnStep();
    // Short turns (4 steps), many rounds: on a shared machine the load changes within seconds, and
    // the ratio of the two turns of one round is what it disturbs least.
    const { wall, cpu } = wallAndCpuTurns([() => withFusion(false, step), step], o.quick ? 6 : 30, o.quick ? 2 : 4);
    const [unfusedTurns, fusedTurns] = wall as [number[], number[]];
    dispose();
    rows.push({
      name: `CNN train step, batch ${BATCH_SIZE} (layer fusion off / on)`, threads,
      unfusedMs: Math.min(...unfusedTurns), fusedMs: Math.min(...fusedTurns), unfusedMedianMs: median(unfusedTurns), fusedMedianMs: median(fusedTurns),
      medianRatio: median(unfusedTurns.map((u, r) => u / fusedTurns[r]!)),
      unfusedCpuMs: median(cpu[0]!), fusedCpuMs: median(cpu[1]!),
    });
    await be.dispose();
  }
  o.log(`\n${fusionTable(rows)}\n`);
  return rows;
}

export function fusionTable(rows: readonly FusionRow[]): string {
  const body = rows.map((r) => [r.name, String(r.threads), fmt(r.unfusedMs, 3), fmt(r.fusedMs, 3), fmt(r.unfusedMs - r.fusedMs, 3), `${fmt(r.unfusedMs / r.fusedMs, 2)}×`]);
  const steps = rows.filter((r) => r.unfusedMedianMs !== undefined && r.fusedMedianMs !== undefined);
  const cpu = (r: FusionRow) => (r.unfusedCpuMs !== undefined && r.fusedCpuMs !== undefined ? `${fmt(r.unfusedCpuMs, 1)} / ${fmt(r.fusedCpuMs, 1)}` : '—');
  const medians = steps.length === 0 ? '' : `\n${renderTable('Train step, median turn (ms) and median over rounds of unfused ÷ fused', ['', 'threads', 'unfused', 'fused', 'speed-up', 'CPU ms/step (all threads)'],
    steps.map((r) => [r.name, String(r.threads), fmt(r.unfusedMedianMs!, 3), fmt(r.fusedMedianMs!, 3), `${fmt(r.medianRatio ?? r.unfusedMedianMs! / r.fusedMedianMs!, 2)}×`, cpu(r)]))}`;
  return renderTable('Fused kernels against the unfused ones, ms per call (fastest of alternating turns in this run)', ['kernels', 'threads', 'unfused', 'fused', 'saved', 'speed-up'], body) + medians;
}
