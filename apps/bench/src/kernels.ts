/**
 * Kernel suites: GEMM, conv (forward, backward-input, backward-weight), max-pool and the fused Adam
 * step, on the case-study layer shapes, for every backend given. Inputs, outputs and packing
 * scratch are allocated before timing; only the call (and, for kernels that return fresh storage,
 * its free) is timed.
 * NOTE: conv and pool kernels return fresh storage by contract, so their output allocation is
 * inside the timed call. On the WASM backend that is a size-class free-list pop (no memory.grow,
 * no zeroing); on the reference backend it is a new typed array, part of its cost in training too.
 */
import type { AdamParams, Backend, GemmParams, Storage } from '@tapegrad/autograd';
import { CNN_PARAM_SIZES, CONV_LAYERS, FC_WEIGHT_SIZE, FNN_PARAM_SIZES, POOL, convFlops, gemmCases } from './shapes.js';
import { createRefBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { measurePeaks, type PeakResult } from './peak.js';
import { convTotalsTable, kernelTable, peakTable } from './report.js';
import type { SuiteOptions } from './suite.js';
import { type TimeOptions, timeIt } from './timing.js';

export interface KernelResult {
  suite: 'gemm' | 'conv' | 'pool' | 'adam';
  name: string;
  backend: string;
  /** Mean ms per call (benchmark.js). */
  ms: number;
  /** Fastest sample, ms per call. */
  minMs: number;
  rme: number;
  samples: number;
  flops: number | null;
  gflops: number | null;
  /**
   * GFLOP/s of the fastest sample ÷ the measured one-core peak (also its fastest sample) of the
   * multiply-add the build uses: like against like (the mean would add the machine's other load
   * to the kernel's side only).
   */
  peakFraction: number | null;
  /** Set when the kernel could not run (a peer lacking it) or was skipped; ms is then NaN. */
  error?: string;
}

export interface KernelSuiteOptions {
  quick: boolean;
  /** Timing budget: the reference backend gets a small one (it is pure TS and slow). */
  timing: TimeOptions;
  peakGflops: number | null;
  log: (line: string) => void;
  /** Run only these suites (default: all). */
  suites?: readonly KernelResult['suite'][];
  /** Appended to every kernel name (e.g. ' (im2col)' for the WASM backend with Winograd off). */
  nameSuffix?: string;
}

type GemmIntoBackend = Backend & { gemmInto?(out: Storage, a: Storage, b: Storage, p: GemmParams): void };

/** n uniform values in [-1, 1) from a xorshift seed, on the backend. */
export function randomStorage(b: Backend, n: number, seed: number): Storage {
  const data = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    data[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return b.fromArray(data);
}

export function runKernelSuites(backend: Backend, o: KernelSuiteOptions): KernelResult[] {
  const results: KernelResult[] = [];
  const wanted = (suite: KernelResult['suite']): boolean => o.suites === undefined || o.suites.includes(suite);
  const record = (suite: KernelResult['suite'], baseName: string, flops: number | null, fn: () => void): void => {
    const name = baseName + (o.nameSuffix ?? '');
    const t = timeIt(`${backend.name} ${name}`, fn, o.timing);
    const gflops = flops === null ? null : flops / (t.ms * 1e6);
    const peakFraction = flops === null || o.peakGflops === null ? null : flops / (t.minMs * 1e6) / o.peakGflops;
    results.push({ suite, name, backend: backend.name, ms: t.ms, minMs: t.minMs, rme: t.rme, samples: t.samples, flops, gflops, peakFraction });
    const gf = gflops === null ? '' : `  ${gflops.toFixed(2).padStart(7)} GFLOP/s${peakFraction === null ? '' : ` (${(100 * peakFraction).toFixed(0)}% of peak)`}`;
    o.log(`  ${backend.name.padEnd(5)} ${name.padEnd(52)} ${t.ms.toFixed(3).padStart(10)} ms ±${t.rme.toFixed(0)}%${gf}`);
  };
  const free = (...xs: Storage[]): void => { for (const x of xs) backend.free(x); };

  // ---- GEMM: square sizes (also transposed) and the case-study fc layers (shapes.ts) ----
  for (const c of wanted('gemm') ? gemmCases(o.quick) : []) {
    const a = randomStorage(backend, c.m * c.k, 1);
    const b = randomStorage(backend, c.k * c.n, 2);
    const p: GemmParams = { batch: 1, m: c.m, n: c.n, k: c.k, transA: c.transA ?? false, transB: c.transB ?? false, strideA: 0, strideB: 0 };
    const into = (backend as GemmIntoBackend).gemmInto?.bind(backend);
    if (into) {
      const out = backend.alloc(c.m * c.n);
      record('gemm', c.name, 2 * c.m * c.n * c.k, () => into(out, a, b, p));
      free(out);
    } else {
      record('gemm', c.name, 2 * c.m * c.n * c.k, () => free(backend.gemm(a, b, p)));
    }
    free(a, b);
  }

  // ---- conv, the three passes of each case-study layer ----
  for (const { name, g } of wanted('conv') ? CONV_LAYERS : []) {
    const flops = convFlops(g);
    const x = randomStorage(backend, g.n * g.c * g.h * g.w, 3);
    const w = randomStorage(backend, g.o * g.c * g.kh * g.kw, 4);
    const bias = randomStorage(backend, g.o, 5);
    const dy = randomStorage(backend, g.n * g.o * g.oh * g.ow, 6);
    record('conv', `${name} forward`, flops, () => free(backend.conv2d(x, w, bias, g)));
    record('conv', `${name} backward-input`, flops, () => free(backend.conv2dBackwardInput(dy, w, g)));
    record('conv', `${name} backward-weight`, flops, () => free(backend.conv2dBackwardWeight(dy, x, g)));
    free(x, w, bias, dy);
  }

  // ---- max-pool 2x2 ----
  if (wanted('pool')) {
    const g = POOL.g;
    const x = randomStorage(backend, g.n * g.c * g.h * g.w, 7);
    const dy = randomStorage(backend, g.n * g.c * g.oh * g.ow, 8);
    const { y, argmax } = backend.maxPool2d(x, g);
    record('pool', `${POOL.name} forward`, null, () => { const r = backend.maxPool2d(x, g); free(r.y, r.argmax); });
    record('pool', `${POOL.name} backward`, null, () => free(backend.maxPool2dBackward(dy, argmax, g)));
    free(x, dy, y, argmax);
  }

  // ---- fused Adam step: the fc weight, then every parameter of each model as the optimizer runs it ----
  const adamCases = [
    { name: `adam fc weight (${FC_WEIGHT_SIZE})`, sizes: [FC_WEIGHT_SIZE] },
    { name: `adam cnn all params (${CNN_PARAM_SIZES.reduce((s, n) => s + n, 0)})`, sizes: CNN_PARAM_SIZES },
    { name: `adam fnn all params (${FNN_PARAM_SIZES.reduce((s, n) => s + n, 0)})`, sizes: FNN_PARAM_SIZES },
  ];
  for (const c of wanted('adam') ? adamCases : []) {
    const tensors = c.sizes.map((n, i) => ({
      param: randomStorage(backend, n, 10 + i), grad: randomStorage(backend, n, 20 + i),
      m: backend.fill(n, 0), v: backend.fill(n, 0),
    }));
    const p: AdamParams = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
    record('adam', c.name, null, () => {
      for (const t of tensors) backend.adamStep(t.param, t.grad, t.m, t.v, p);
      p.step++;
    });
    for (const t of tensors) free(t.param, t.grad, t.m, t.v);
  }
  return results;
}

export interface KernelsSuiteResult {
  peak: PeakResult[];
  /** The kernels build the wasm rows ran (kernels-relaxed.wasm by default where supported). */
  wasmBuild: string;
  kernels: KernelResult[];
}

/**
 * The `kernels` suite: the one-core peaks, then every kernel on the WASM backend (Winograd on,
 * then the convs with it off), then on the reference backend.
 */
export async function runKernelsSuite(o: SuiteOptions): Promise<KernelsSuiteResult> {
  o.log('measuring the register-only f32x4 peak …');
  const peak = await measurePeaks(o.quick);
  o.shared.peak = peak;
  o.log(`${peakTable(peak)}\n`);
  const wasm = await createWasmBackend();
  // The fraction of peak is taken against the multiply-add the build's GEMM tiles use: the
  // relaxed builds fuse (relaxed_madd), the plain ones run mul + add.
  const peakGflops = wasm.relaxedSimd && peak[1]!.gflops !== null ? peak[1]!.gflops : peak[0]!.gflops;
  const timing = { maxTime: o.quick ? 0.5 : 2 };
  o.log(`kernels, wasm backend (${wasm.build}; % of the ${wasm.relaxedSimd ? 'relaxed_madd' : 'mul+add'} peak) …`);
  const kernels = runKernelSuites(wasm, { quick: o.quick, timing, peakGflops, log: o.log });
  // The same convs without Winograd (im2col + GEMM): the algorithm's gain, and a conv rate that
  // counts the multiply-adds it really does.
  o.log('conv kernels, wasm backend with winograd: false …');
  kernels.push(...runKernelSuites(await createWasmBackend({ winograd: false }), { quick: o.quick, timing, peakGflops, log: o.log, suites: ['conv'], nameSuffix: ' (im2col)' }));
  // NOTE: the reference backend is pure TS and ~50–100× slower: few samples (maxTime 0.2–0.5 s,
  // at least 1), so its figures have wide error bars; they are there to show the gap, not to track.
  o.log('kernels, reference backend (pure TS; few samples) …');
  kernels.push(...runKernelSuites(createRefBackend(), { quick: o.quick, timing: { maxTime: o.quick ? 0.2 : 0.5, minSamples: 1 }, peakGflops, log: o.log }));
  o.log(`\n${kernelTable(kernels)}\n\n${convTotalsTable(kernels)}\n`);
  return { peak, wasmBuild: wasm.build, kernels };
}
