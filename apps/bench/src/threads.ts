/**
 * The `threads` suite (it was packages/kernels-wasm/bench/threads.mjs): each kernel of the case
 * study's shapes on one thread and on every core, in one process, the two backends taking turns
 * round by round (bestOfAlternating) so that the machine's other load hits both alike. Reports
 * the fastest turn of each and the speed-up.
 */
import type { Backend, Storage } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { randomStorage } from './kernels.js';
import { CONV_LAYERS, GEMM_LAYERS, convFlops, gemmSquares } from './shapes.js';
import type { SuiteOptions } from './suite.js';
import { fmt, renderTable } from './table.js';
import { bestOfAlternating } from './timing.js';

export interface ThreadsRow {
  name: string;
  flops: number;
  /** Fastest ms per call on one thread and on `threads`. */
  ms1: number;
  msN: number;
  gflops1: number;
  gflopsN: number;
  /** ms1 ÷ msN. */
  speedup: number;
}

export interface ThreadsResult {
  threads: number;
  rounds: number;
  rows: ThreadsRow[];
  /** Why there are no rows (a one-core machine). */
  note?: string;
}

/** One case, prepared on each backend: the closure to time. */
type Case = { name: string; flops: number; prepare(b: Backend): { run(): void; dispose(): void } };

function cases(quick: boolean): Case[] {
  const out: Case[] = [];
  const gemms = [...gemmSquares(quick).filter((c) => c.m >= 256), ...GEMM_LAYERS.filter((c) => c.m * c.n * c.k >= 2 ** 20)];
  for (const c of gemms) {
    out.push({
      name: c.name,
      flops: 2 * c.m * c.n * c.k,
      prepare(b) {
        const a = randomStorage(b, c.m * c.k, 1);
        const bb = randomStorage(b, c.k * c.n, 2);
        const p = { batch: 1, m: c.m, n: c.n, k: c.k, transA: c.transA ?? false, transB: c.transB ?? false, strideA: 0, strideB: 0 };
        return { run: () => b.free(b.gemm(a, bb, p)), dispose: () => { b.free(a); b.free(bb); } };
      },
    });
  }
  for (const { name, g } of CONV_LAYERS) {
    const passes: [string, (b: Backend, s: Storage[]) => Storage][] = [
      ['forward', (b, [x, w, bias]) => b.conv2d(x!, w!, bias!, g)],
      ['backward-input', (b, [, w, , dy]) => b.conv2dBackwardInput(dy!, w!, g)],
      ['backward-weight', (b, [x, , , dy]) => b.conv2dBackwardWeight(dy!, x!, g)],
    ];
    for (const [pass, call] of passes) {
      out.push({
        name: `${name} ${pass}`,
        flops: convFlops(g),
        prepare(b) {
          const s = [
            randomStorage(b, g.n * g.c * g.h * g.w, 3), randomStorage(b, g.o * g.c * g.kh * g.kw, 4),
            randomStorage(b, g.o, 5), randomStorage(b, g.n * g.o * g.oh * g.ow, 6),
          ];
          return { run: () => b.free(call(b, s)), dispose: () => { for (const x of s) b.free(x); } };
        },
      });
    }
  }
  return out;
}

export async function runThreadsSuite(o: SuiteOptions): Promise<ThreadsResult> {
  const rounds = o.quick ? 5 : 15;
  if (o.cores < 2) {
    const note = 'one core: nothing to split';
    o.log(`threads: ${note}`);
    return { threads: 1, rounds, rows: [], note };
  }
  const one = await createWasmBackend({ threads: 1 });
  const all = await createWasmBackend({ threads: o.cores });
  o.log(`threads 1 against ${o.cores} (${one.build}), fastest of ${rounds} alternating turns …`);
  const rows: ThreadsRow[] = [];
  for (const c of cases(o.quick)) {
    const prepared = [one, all].map((b) => c.prepare(b));
    const [ms1, msN] = bestOfAlternating(prepared.map((p) => p.run), rounds) as [number, number];
    for (const p of prepared) p.dispose();
    const row = { name: c.name, flops: c.flops, ms1, msN, gflops1: c.flops / (ms1 * 1e6), gflopsN: c.flops / (msN * 1e6), speedup: ms1 / msN };
    rows.push(row);
    o.log(`  ${c.name.padEnd(52)} ${ms1.toFixed(3).padStart(8)} ms → ${msN.toFixed(3).padStart(8)} ms  ×${row.speedup.toFixed(2)}`);
  }
  await all.dispose();
  await one.dispose();
  o.log(`\n${threadsTable({ threads: o.cores, rounds, rows })}\n`);
  return { threads: o.cores, rounds, rows };
}

export function threadsTable(r: ThreadsResult): string {
  return renderTable(
    `Kernels on 1 thread and on ${r.threads} (fastest of ${r.rounds} alternating turns, ms per call; GFLOP/s = 2·M·N·K / t)`,
    ['kernel', '1 thr ms', 'GFLOP/s', `${r.threads} thr ms`, 'GFLOP/s', 'speed-up'],
    r.rows.map((x) => [x.name, fmt(x.ms1, 3), fmt(x.gflops1, 1), fmt(x.msN, 3), fmt(x.gflopsN, 1), `×${x.speedup.toFixed(2)}`]),
  );
}
