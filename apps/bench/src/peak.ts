/**
 * The machine's f32x4 multiply-add peak on one core, measured with a register-only WebAssembly
 * kernel that is encoded here byte by byte (no compiler in the loop, so nothing can rewrite it).
 *
 * The loop body updates ACCUMULATORS independent v128 registers, each with one f32x4.mul and one
 * f32x4.add (acc = acc·a + b): 8 flops per accumulator per step (4 lanes × (1 mul + 1 add)).
 * Enough independent chains hide the mul→add latency, so the figure is throughput-bound.
 * NOTE: plain WASM SIMD has no fused multiply-add, so V8 emits separate mulps/addps; a CPU with
 * two FMA ports therefore shows about half the GFLOP/s of an FMA loop (PyTorch's figure below
 * counts FMA). The relaxed-SIMD `f32x4.relaxed_madd` variant is measured too where the host
 * validates it.
 * With a = 0.999 and b = 0.001 every lane converges to 1, so no denormals or overflow.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { timeIt } from './timing.js';

const ACCUMULATORS = 12;
const UNROLL = 4;
/** Flops per loop iteration: unroll × accumulators × (4 lanes × 2 ops). */
export const FLOPS_PER_ITERATION = UNROLL * ACCUMULATORS * 8;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function f32x4Const(v: number): number[] {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) view.setFloat32(i * 4, v, true);
  return [0xfd, ...uleb(12), ...bytes];
}

const OP = {
  block: 0x02, loop: 0x03, brIf: 0x0d, end: 0x0b, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Sub: 0x6b, void: 0x40,
};
const SIMD = { mul: [0xfd, ...uleb(230)], add: [0xfd, ...uleb(228)], relaxedMadd: [0xfd, ...uleb(0x105)], extractLane: [0xfd, ...uleb(31)] };

/**
 * Encodes `(func (export "peak") (param $iters i32) (result f32))`. With `fused`, each step is one
 * f32x4.relaxed_madd instead of mul + add (same 8 flops).
 */
export function encodePeakModule(fused: boolean): Uint8Array<ArrayBuffer> {
  // locals: 0 = iters (param), 1..ACC = accumulators, ACC+1 = a, ACC+2 = b
  const a = ACCUMULATORS + 1;
  const b = ACCUMULATORS + 2;
  const code: number[] = [];
  for (let i = 1; i <= ACCUMULATORS; i++) code.push(...f32x4Const(i / ACCUMULATORS), OP.localSet, i);
  code.push(...f32x4Const(0.999), OP.localSet, a, ...f32x4Const(0.001), OP.localSet, b);
  code.push(OP.block, OP.void, OP.loop, OP.void);
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 1; i <= ACCUMULATORS; i++) {
      if (fused) code.push(OP.localGet, i, OP.localGet, a, OP.localGet, b, ...SIMD.relaxedMadd, OP.localSet, i);
      else code.push(OP.localGet, i, OP.localGet, a, ...SIMD.mul, OP.localGet, b, ...SIMD.add, OP.localSet, i);
    }
  }
  code.push(OP.localGet, 0, OP.i32Const, 1, OP.i32Sub, OP.localTee, 0, OP.brIf, 0, OP.end, OP.end);
  // Return lane 0 of the sum of all accumulators so that no work is dead.
  code.push(OP.localGet, 1);
  for (let i = 2; i <= ACCUMULATORS; i++) code.push(OP.localGet, i, ...SIMD.add);
  code.push(...SIMD.extractLane, 0, OP.end);
  const locals = [1, ...uleb(ACCUMULATORS + 2), 0x7b];
  const body = [...locals, ...code];
  const name = [...new TextEncoder().encode('peak')];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type 0: (i32) -> f32
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...uleb(name.length), ...name, 0x00, 0]), // export "peak" = func 0
    ...section(10, [1, ...uleb(body.length), ...body]),
  ];
  return Uint8Array.from(bytes);
}

export interface PeakResult {
  variant: 'mul+add' | 'relaxed_madd';
  /** From the fastest sample. */
  gflops: number | null;
  /** From the mean time (for comparison; lower when the machine is busy). */
  meanGflops?: number;
  /** Why there is no figure (e.g. relaxed SIMD not available in this Node). */
  note?: string;
}

/**
 * GFLOP/s of the register-only loop from benchmark.js's fastest sample: a peak is a maximum, and
 * the mean would mostly measure how busy the other processes on this machine were.
 */
export async function measurePeak(fused: boolean, quick: boolean): Promise<PeakResult> {
  const variant = fused ? 'relaxed_madd' : 'mul+add';
  const bytes = encodePeakModule(fused);
  if (!WebAssembly.validate(bytes)) {
    return { variant, gflops: null, note: fused ? 'relaxed SIMD is not enabled in this Node (try --experimental-wasm-relaxed-simd)' : 'module did not validate' };
  }
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes));
  const peak = instance.exports.peak as (iters: number) => number;
  const iters = 200_000;
  let sink = 0;
  const t = timeIt(`peak ${variant}`, () => { sink += peak(iters); }, { maxTime: quick ? 0.5 : 2 });
  if (!Number.isFinite(sink)) throw new Error('peak: accumulators overflowed');
  return { variant, gflops: (FLOPS_PER_ITERATION * iters) / (t.minMs * 1e6), meanGflops: (FLOPS_PER_ITERATION * iters) / (t.ms * 1e6) };
}

/** The relaxed_madd peak in a child process with --experimental-wasm-relaxed-simd (peak-child.ts). */
export function relaxedPeakInChild(quick: boolean): PeakResult {
  const child = fileURLToPath(new URL('./peak-child.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', child, ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as PeakResult;
  } catch {
    return { variant: 'relaxed_madd', gflops: null, note: `child failed: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}` };
  }
}

/** Both peaks of one core: mul+add, and relaxed_madd (here, or in a child where it needs the flag). */
export async function measurePeaks(quick: boolean): Promise<PeakResult[]> {
  const plain = await measurePeak(false, quick);
  const fused = await measurePeak(true, quick);
  return [plain, fused.gflops === null ? relaxedPeakInChild(quick) : fused];
}
