#!/usr/bin/env node
/**
 * Where a training step's time goes: every Backend method called during a few training steps of
 * the case-study CNN or FNN (batch 128, Adam), timed at the outermost call (a method called from
 * another backend method counts in its caller), per step, next to the whole step's time. The
 * difference is the JavaScript side: the tape, tensor bookkeeping, the loader. Not a benchmark
 * (the wrappers add a little per call); a map of what to speed up.
 *
 *   node dist/profile.js [cnn|fnn|resnet] [--threads N] [--steps N] [--fusion on|off] [--by-shape]
 *
 * `--by-shape` splits the convolution methods by geometry (C→O, H×W, kernel, stride, padding).
 *
 * `resnet` is the resnet suite's network (src/resnet.ts) on its random batch of 64.
 *
 * `--fusion off` profiles the unfused layers (Note [layer fusion] in @tapegrad/nn; the same as
 * TAPEGRAD_FUSION=0). A speed claim comes from the fusion suite's alternating turns instead.
 */
import { parseArgs } from 'node:util';
import { type Conv2dGeometry, crossEntropy, manualSeed, rand, setBackend, tidy } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, fit, setFusion } from '@tapegrad/nn';
import { BATCH_SIZE, benchData } from './data.js';
import { buildModel, type ModelKind } from './models.js';
import { BenchResnet, RESNET_BATCH } from './resnet.js';
import { renderTable } from '@tapegrad/term';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' }, steps: { type: 'string', default: '40' }, fusion: { type: 'string', default: 'on' },
    'by-shape': { type: 'boolean', default: false },
  },
});
const kind = (positionals[0] ?? 'cnn') as ModelKind | 'resnet';
const threads = Number(values.threads);
const steps = Number(values.steps);
if (kind !== 'cnn' && kind !== 'fnn' && kind !== 'resnet') throw new Error(`profile: model must be cnn, fnn or resnet, got ${kind}`);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`profile: --threads must be a positive integer, got ${values.threads}`);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`profile: --steps must be a positive integer, got ${values.steps}`);
if (values.fusion !== 'on' && values.fusion !== 'off') throw new Error(`profile: --fusion must be on or off, got ${values.fusion}`);
setFusion(values.fusion === 'on');

const backend = await createWasmBackend({ threads });
const stats = new Map<string, { ms: number; calls: number }>();
let depth = 0;
const target = backend as unknown as Record<string, unknown>;
for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(backend))) {
  const method = target[name];
  if (name === 'constructor' || typeof method !== 'function') continue;
  target[name] = function (this: unknown, ...args: unknown[]): unknown {
    if (depth > 0) return (method as (...a: unknown[]) => unknown).apply(this, args);
    depth++;
    const t0 = performance.now();
    try {
      return (method as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      depth--;
      // convolutions by geometry (`--by-shape`): which layer's pass the time goes to
      const g = values['by-shape'] && name.startsWith('conv') ? (args.find((a) => typeof a === 'object' && a !== null && 'kh' in a) as Conv2dGeometry | undefined) : undefined;
      const key = g ? `${name} ${g.c}→${g.o} ${g.h}×${g.w} k${g.kh} s${g.sh} p${g.ph}` : name;
      const s = stats.get(key) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - t0;
      s.calls++;
      stats.set(key, s);
    }
  };
}
setBackend(backend);
manualSeed(0);
/** Runs `count` training steps of the chosen model. */
let train: (count: number) => void;
let batchSize = BATCH_SIZE;
if (kind === 'resnet') {
  // the resnet suite's step (src/resnet.ts): one random batch, cross-entropy, Adam
  batchSize = RESNET_BATCH;
  const model = new BenchResnet();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = rand([RESNET_BATCH, 3, 32, 32], { low: -1, high: 1 });
  const labels = Int32Array.from({ length: RESNET_BATCH }, (_, i) => (i * 7 + 3) % 10);
  train = (count) => {
    for (let i = 0; i < count; i++) {
      tidy(() => {
        const loss = crossEntropy(model.forward(x), labels);
        loss.item();
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
      });
    }
  };
} else {
  const images = benchData().train;
  const model = buildModel(kind);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loader = (batches: number) => new DataLoader(
    new ArrayDataset(images.images.subarray(0, batches * BATCH_SIZE * 784), images.labels.subarray(0, batches * BATCH_SIZE), [1, 28, 28]),
    { batchSize: BATCH_SIZE },
  );
  train = (count) => { fit(model, optimizer, { trainLoader: loader(count), epochs: 1 }); };
}
train(kind === 'resnet' ? 3 : 24); // warm-up: JIT, allocator, scratch
stats.clear();
const t0 = performance.now();
train(steps);
const stepMs = (performance.now() - t0) / steps;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const backendMs = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
console.log(renderTable(
  `${kind}, ${threads} thread${threads > 1 ? 's' : ''}, layer fusion ${values.fusion}: ${stepMs.toFixed(2)} ms per step of ${batchSize}` +
    `${kind === 'resnet' ? '' : ` (${((stepMs * 60000) / BATCH_SIZE / 1000).toFixed(1)} s per 60 000-image epoch)`}; ` +
    `backend ${backendMs.toFixed(2)} ms, the rest (JS: tape, tensors, loader) ${(stepMs - backendMs).toFixed(2)} ms`,
  ['backend method', 'ms / step', 'share', 'calls / step'],
  rows.map(([name, s]) => [name, (s.ms / steps).toFixed(3), `${((100 * s.ms) / steps / stepMs).toFixed(1)}%`, (s.calls / steps).toFixed(1)]),
));
await backend.dispose();
