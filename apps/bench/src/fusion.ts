/**
 * The `fusion` suite: each fused kernel (Note [fused ops], autograd ops/conv2d-relu.ts) against
 * the unfused kernels it replaces, on the case-study conv layers, in the same process, alternating
 * turns (the fastest turn of each): forward relu(conv2d) against conv2dRelu, and the backward
 * from dy to the bias gradient, reluBackward + sum over [0, 2, 3] against reluBackwardBias. One
 * thread and all cores.
 */
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { fmt, renderTable } from '@tapegrad/term';
import { randomStorage } from './kernels.js';
import { CONV_LAYERS } from './shapes.js';
import type { SuiteOptions } from './suite.js';
import { bestOfAlternating } from './timing.js';

export interface FusionRow {
  name: string;
  threads: number;
  /** ms of the unfused kernels and of the fused one (fastest of alternating turns). */
  unfusedMs: number;
  fusedMs: number;
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
    await be.dispose();
  }
  o.log(`\n${fusionTable(rows)}\n`);
  return rows;
}

export function fusionTable(rows: readonly FusionRow[]): string {
  const body = rows.map((r) => [r.name, String(r.threads), fmt(r.unfusedMs, 3), fmt(r.fusedMs, 3), fmt(r.unfusedMs - r.fusedMs, 3), `${fmt(r.unfusedMs / r.fusedMs, 2)}×`]);
  return renderTable('Fused kernels against the unfused ones, ms per call (fastest of alternating turns in this run)', ['kernels', 'threads', 'unfused', 'fused', 'saved', 'speed-up'], body);
}
