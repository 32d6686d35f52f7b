/**
 * The `winograd` suite (it was packages/kernels-wasm/bench/winograd.mjs): Winograd convolution on
 * one thread at sizes beyond the case study, its three passes timed (fastest of alternating turns)
 * and its scratch peak, against issue 13's memory bar: a 224×224×64 3×3 convolution forward and
 * backward within 64 MiB of kernel scratch.
 */
import type { Conv2dGeometry, Storage } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { fmt, renderTable } from '@tapegrad/term';
import { randomStorage } from './kernels.js';
import { CONV_LAYERS, convFlops } from './shapes.js';
import type { SuiteOptions } from './suite.js';
import { bestOfAlternating } from './timing.js';

/** The scratch bar of issue 13, bytes. */
export const SCRATCH_BAR_BYTES = 64 * 2 ** 20;

export interface WinogradRow {
  name: string;
  pass: 'forward' | 'backward-input' | 'backward-weight';
  ms: number;
  gflops: number;
}

export interface WinogradResult {
  build: string;
  rounds: number;
  rows: WinogradRow[];
  /** Kernel scratch peak over the 224×224×64 passes, bytes. */
  largeScratchPeak: number;
  scratchBarMet: boolean;
}

function same3x3(name: string, n: number, c: number, hw: number, o: number): { name: string; g: Conv2dGeometry } {
  return { name, g: { n, c, h: hw, w: hw, o, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, oh: hw, ow: hw } };
}

const LARGE = same3x3('x=[1,64,224,224] w=[64,64,3,3] p=1', 1, 64, 224, 64);
const SHAPES = [CONV_LAYERS[1]!, same3x3('x=[8,32,32,32] w=[32,32,3,3] p=1', 8, 32, 32, 32), LARGE];

export async function runWinogradSuite(o: SuiteOptions): Promise<WinogradResult> {
  const rounds = o.quick ? 3 : 9;
  const be = await createWasmBackend({ threads: 1 });
  o.log(`winograd: one thread (${be.build}), fastest of ${rounds} turns …`);
  const rows: WinogradRow[] = [];
  let largeScratchPeak = 0;
  for (const { name, g } of SHAPES) {
    const x = randomStorage(be, g.n * g.c * g.h * g.w, 1);
    const w = randomStorage(be, g.o * g.c * g.kh * g.kw, 2);
    const b = randomStorage(be, g.o, 3);
    const dy = randomStorage(be, g.n * g.o * g.oh * g.ow, 4);
    const passes: Array<[WinogradRow['pass'], () => Storage]> = [
      ['forward', () => be.conv2d(x, w, b, g)],
      ['backward-input', () => be.conv2dBackwardInput(dy, w, g)],
      ['backward-weight', () => be.conv2dBackwardWeight(dy, x, g)],
    ];
    if (g === LARGE.g) be.resetScratchPeak();
    for (const [pass, fn] of passes) {
      const [ms] = bestOfAlternating([() => be.free(fn())], rounds) as [number];
      const row = { name, pass, ms, gflops: convFlops(g) / (ms * 1e6) };
      rows.push(row);
      o.log(`  ${`${name} ${pass}`.padEnd(56)} ${ms.toFixed(3).padStart(9)} ms ${row.gflops.toFixed(1).padStart(6)} GFLOP/s`);
    }
    if (g === LARGE.g) largeScratchPeak = be.scratchBytes().peak;
    for (const s of [x, w, b, dy]) be.free(s);
  }
  await be.dispose();
  const result = { build: be.build, rounds, rows, largeScratchPeak, scratchBarMet: largeScratchPeak < SCRATCH_BAR_BYTES };
  o.log(`\n${winogradTable(result)}\n`);
  return result;
}

export function winogradTable(r: WinogradResult): string {
  const body = r.rows.map((x) => [x.name, x.pass, fmt(x.ms, 3), fmt(x.gflops, 1)]);
  const mib = (r.largeScratchPeak / 2 ** 20).toFixed(2);
  return `${renderTable(`Winograd, one thread, fastest of ${r.rounds} (${r.build})`, ['conv', 'pass', 'ms', 'GFLOP/s'], body)}\n224×224×64 scratch peak ${mib} MiB: ${r.scratchBarMet ? 'within' : 'OVER'} the 64 MiB bar`;
}
