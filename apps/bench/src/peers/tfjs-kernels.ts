/**
 * The kernel suites' shapes on TensorFlow.js 4.22 (cpu and wasm backends), through the same kernels
 * a tfjs training step runs: matMul, Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter (called by
 * name with engine().runKernel, as the conv gradient does), MaxPool and MaxPoolGrad. NHWC, the
 * same sizes and FLOPs as ours. Inputs are created before timing; outputs are read back
 * (dataSync) and disposed inside the timed call, since tfjs may run kernels lazily.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelResult } from '../kernels.js';
import { CONV_LAYERS, POOL, convFlops, gemmCases } from '../shapes.js';
import { timeIt } from '../timing.js';
import { type TfjsBackend, useTfjsBackend } from './tfjs.js';

/** A call slower than this is timed once (after a warm-up call) instead of by benchmark.js. */
const SLOW_CALL_MS = 2000;

export interface PeerKernelOptions {
  quick: boolean;
  peakGflops: number | null;
  log: (line: string) => void;
}

export async function runTfjsKernels(backendName: TfjsBackend, o: PeerKernelOptions): Promise<KernelResult[]> {
  await useTfjsBackend(backendName);
  const backend = `tfjs-${backendName}`;
  const results: KernelResult[] = [];
  const record = (suite: KernelResult['suite'], name: string, flops: number | null, run: () => tf.Tensor | tf.Tensor[]): void => {
    const call = (): void => {
      const out = run();
      const outs = Array.isArray(out) ? out : [out];
      for (const t of outs) t.dataSync();
      tf.dispose(outs);
    };
    let ms: number;
    let minMs: number;
    let rme = 0;
    let samples = 1;
    let note = '';
    try {
      const t0 = performance.now();
      call(); // warm-up (and the probe for very slow kernels)
      const probe = performance.now() - t0;
      if (probe > SLOW_CALL_MS) {
        const t1 = performance.now();
        call();
        ms = minMs = performance.now() - t1;
        note = ' (one timed call)';
      } else {
        const t = timeIt(`${backend} ${name}`, call, { maxTime: o.quick ? 0.5 : 1, minSamples: 2 });
        ({ ms, minMs, rme, samples } = t);
      }
    } catch (e) {
      const error = (e as Error).message;
      results.push({ suite, name, backend, ms: NaN, minMs: NaN, rme: 0, samples: 0, flops, gflops: null, peakFraction: null, error });
      o.log(`  ${backend.padEnd(9)} ${name.padEnd(52)} error: ${error}`);
      return;
    }
    const gflops = flops === null ? null : flops / (ms * 1e6);
    const peakFraction = gflops === null || o.peakGflops === null ? null : gflops / o.peakGflops;
    results.push({ suite, name, backend, ms, minMs, rme, samples, flops, gflops, peakFraction });
    o.log(`  ${backend.padEnd(9)} ${name.padEnd(52)} ${ms.toFixed(3).padStart(10)} ms ±${rme.toFixed(0)}%${gflops === null ? '' : `  ${gflops.toFixed(2).padStart(7)} GFLOP/s`}${note}`);
  };
  const skip = (suite: KernelResult['suite'], name: string, why: string): void => {
    results.push({ suite, name, backend, ms: NaN, minMs: NaN, rme: 0, samples: 0, flops: null, gflops: null, peakFraction: null, error: `skipped: ${why}` });
    o.log(`  ${backend.padEnd(9)} ${name.padEnd(52)} skipped: ${why}`);
  };
  const keep: tf.Tensor[] = [];
  const rnd = (shape: number[]): tf.Tensor => {
    const t = tf.randomUniform(shape, -1, 1);
    keep.push(t);
    return t;
  };

  // The kernels suite's GEMMs (shapes.ts): A is [m, k] ([k, m] with transA), B is [k, n] ([n, k] with transB).
  for (const c of gemmCases(o.quick)) {
    const a = rnd(c.transA ? [c.k, c.m] : [c.m, c.k]);
    const b = rnd(c.transB ? [c.n, c.k] : [c.k, c.n]);
    record('gemm', c.name, 2 * c.m * c.n * c.k, () => tf.matMul(a, b, c.transA ?? false, c.transB ?? false));
  }

  for (const { name, g } of CONV_LAYERS) {
    const flops = convFlops(g);
    const x = rnd([g.n, g.h, g.w, g.c]);
    const w = rnd([g.kh, g.kw, g.c, g.o]);
    const dy = rnd([g.n, g.oh, g.ow, g.o]);
    const attrs = { strides: [1, 1] as [number, number], pad: 'valid' as const, dataFormat: 'NHWC' as const };
    record('conv', `${name} forward`, flops, () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'));
    record('conv', `${name} backward-input`, flops, () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: [g.n, g.h, g.w, g.c] }) as tf.Tensor);
    // NOTE: tfjs cpu's Conv2DBackpropFilter is a scalar loop nest: ~35 s per call for conv2 here.
    if (o.quick && backendName === 'cpu' && g.c > 1) skip('conv', `${name} backward-weight`, 'one call takes ~35 s on tfjs cpu; run without --quick');
    else record('conv', `${name} backward-weight`, flops, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [g.kh, g.kw, g.c, g.o] }) as tf.Tensor);
  }

  {
    const g = POOL.g;
    const x = rnd([g.n, g.h, g.w, g.c]);
    const y = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
    keep.push(y);
    const dy = rnd([g.n, g.oh, g.ow, g.c]);
    record('pool', `${POOL.name} forward`, null, () => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'));
    record('pool', `${POOL.name} backward`, null, () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor);
  }
  tf.dispose(keep);
  return results;
}
