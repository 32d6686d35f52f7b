/** The `peers` suite: TensorFlow.js 4.22 (cpu and wasm backends), kernels and end to end. */
import type { E2eResult } from '../e2e.js';
import type { KernelResult } from '../kernels.js';
import type { SuiteOptions } from '../suite.js';

export interface PeersResult {
  kernels: KernelResult[];
  e2e: E2eResult[];
}

export async function runPeersSuite(o: SuiteOptions): Promise<PeersResult> {
  // tfjs is loaded only when this suite runs (it takes seconds to import).
  const { runTfjs } = await import('./tfjs.js');
  const { runTfjsKernels } = await import('./tfjs-kernels.js');
  const budget = o.quick ? { trainSeconds: 5, inferSeconds: 3 } : { trainSeconds: 60, inferSeconds: 20 };
  o.log(`peers, TensorFlow.js 4.22 (time budget ${budget.trainSeconds} s training / ${budget.inferSeconds} s inference per case, then extrapolated) …`);
  o.log('peer kernels, same shapes …');
  const kernels: KernelResult[] = [];
  for (const backend of ['cpu', 'wasm'] as const) kernels.push(...(await runTfjsKernels(backend, { quick: o.quick, peakGflops: o.shared.peak?.[0]?.gflops ?? null, log: o.log })));
  const e2e: E2eResult[] = [];
  for (const backend of ['cpu', 'wasm'] as const) for (const kind of ['cnn', 'fnn'] as const) e2e.push(await runTfjs(backend, kind, budget, o.log));
  return { kernels, e2e };
}
