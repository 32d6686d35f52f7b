/**
 * The `memory` suite: what a training step needs of WASM memory (issue 13: "peak WASM memory of a
 * CNN training step reported by the bench"). For the case-study CNN (batch 128) and the resnet
 * suite's network (batch 64), each on a fresh backend on 1 thread and on all cores, a few train
 * steps (forward, loss, backward, Adam) are run and three high-water marks read:
 * - memory.buffer.byteLength: the linear memory, which never shrinks, so its size after the steps
 *   is the peak; it holds everything below (and the allocator's free lists);
 * - bytesInUsePeak: tensor storage (activations, saved tensors, gradients, parameters, optimizer
 *   state) live at once;
 * - scratchBytes().peak: kernel scratch (pack panels, im2col cols, Winograd tile blocks, partial
 *   gradients of each thread).
 * The memory size after the first step and after the last tells whether steady-state steps grow it.
 */
import { crossEntropy, manualSeed, rand, setBackend, tidy } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, type Module } from '@tapegrad/nn';
import { fmt, renderTable } from '@tapegrad/term';
import { BATCH_SIZE } from './data.js';
import { buildModel } from './models.js';
import { BenchResnet, RESNET_BATCH } from './resnet.js';
import type { SuiteOptions } from './suite.js';

export type MemoryModel = 'cnn' | 'resnet';

export interface MemoryRow {
  model: MemoryModel;
  batch: number;
  threads: number;
  steps: number;
  /** memory.buffer.byteLength after the first step and after the last (the peak: it never shrinks). */
  memoryAfterFirstStep: number;
  memoryPeak: number;
  /** High-water mark of live tensor storage over the steps. */
  tensorPeak: number;
  /** High-water mark of kernel scratch over the steps. */
  scratchPeak: number;
  build: string;
}

const SHAPES: Record<MemoryModel, { batch: number; input: [number, number, number]; make: () => Module }> = {
  cnn: { batch: BATCH_SIZE, input: [1, 28, 28], make: () => buildModel('cnn') },
  resnet: { batch: RESNET_BATCH, input: [3, 32, 32], make: () => new BenchResnet() },
};

export async function measureMemory(model: MemoryModel, threads: number, steps: number): Promise<MemoryRow> {
  const backend = await createWasmBackend({ threads });
  setBackend(backend);
  manualSeed(0);
  const { batch, input, make } = SHAPES[model];
  const net = make();
  const optimizer = new Adam(net.parameters(), { lr: 1e-3 });
  const x = rand([batch, ...input]);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  backend.resetScratchPeak();
  backend.resetBytesInUsePeak();
  const step = (): void => tidy(() => {
    const loss = crossEntropy(net.forward(x), labels);
    loss.item();
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
  });
  step();
  const memoryAfterFirstStep = backend.memoryBytes();
  for (let i = 1; i < steps; i++) step();
  const row: MemoryRow = {
    model, batch, threads, steps, memoryAfterFirstStep, memoryPeak: backend.memoryBytes(),
    tensorPeak: backend.bytesInUsePeak(), scratchPeak: backend.scratchBytes().peak, build: backend.build,
  };
  x.dispose();
  net.dispose();
  optimizer.dispose();
  await backend.dispose();
  return row;
}

export async function runMemorySuite(o: SuiteOptions): Promise<MemoryRow[]> {
  const steps = o.quick ? 3 : 5;
  o.log(`memory: WASM memory high-water over ${steps} train steps on a fresh backend …`);
  const rows: MemoryRow[] = [];
  for (const model of ['cnn', 'resnet'] as const) {
    for (const threads of o.cores > 1 ? [1, o.cores] : [1]) rows.push(await measureMemory(model, threads, steps));
  }
  o.log(`\n${memoryTable(rows)}\n`);
  return rows;
}

const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 2);

export function memoryTable(rows: readonly MemoryRow[]): string {
  const body = rows.map((r) => [
    `${r.model} batch ${r.batch}`, String(r.threads), mib(r.memoryPeak), mib(r.tensorPeak), mib(r.scratchPeak), mib(r.tensorPeak + r.scratchPeak),
    r.memoryPeak === r.memoryAfterFirstStep ? 'flat' : `grew from ${mib(r.memoryAfterFirstStep)}`,
  ]);
  return renderTable(
    'Peak WASM memory of a training step (MiB): linear memory (memory.buffer.byteLength, never shrinks), of it tensors live at once\n' +
      'and kernel scratch (high-water marks); "after step 1": whether later steps grew the memory',
    ['model', 'threads', 'memory', 'tensors peak', 'scratch peak', 'tensors + scratch', 'after step 1'],
    body,
  );
}
