#!/usr/bin/env node
/**
 * Where a training step's time goes: every Backend method called during a few training steps of
 * the case-study CNN or FNN (batch 128, Adam), timed at the outermost call (a method called from
 * another backend method counts in its caller), per step, next to the whole step's time. The
 * difference is the JavaScript side: the tape, tensor bookkeeping, the loader. Not a benchmark
 * (the wrappers add a little per call); a map of what to speed up.
 *
 *   node dist/profile.js [cnn|fnn] [--threads N] [--steps N] [--fusion on|off]
 *
 * `--fusion off` profiles the unfused layers (Note [layer fusion] in @tapegrad/nn; the same as
 * TAPEGRAD_FUSION=0). A speed claim comes from the fusion suite's alternating turns instead.
 */
import { parseArgs } from 'node:util';
import { manualSeed, setBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, fit, setFusion } from '@tapegrad/nn';
import { BATCH_SIZE, benchData } from './data.js';
import { buildModel, type ModelKind } from './models.js';
import { renderTable } from '@tapegrad/term';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '1' }, steps: { type: 'string', default: '40' }, fusion: { type: 'string', default: 'on' } },
});
const kind = (positionals[0] ?? 'cnn') as ModelKind;
const threads = Number(values.threads);
const steps = Number(values.steps);
if (kind !== 'cnn' && kind !== 'fnn') throw new Error(`profile: model must be cnn or fnn, got ${kind}`);
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
      const s = stats.get(name) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - t0;
      s.calls++;
      stats.set(name, s);
    }
  };
}
setBackend(backend);
manualSeed(0);
const { train } = benchData();
const model = buildModel(kind);
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const loader = (batches: number) => new DataLoader(
  new ArrayDataset(train.images.subarray(0, batches * BATCH_SIZE * 784), train.labels.subarray(0, batches * BATCH_SIZE), [1, 28, 28]),
  { batchSize: BATCH_SIZE },
);
fit(model, optimizer, { trainLoader: loader(24), epochs: 1 }); // warm-up: JIT, allocator, scratch
stats.clear();
const t0 = performance.now();
fit(model, optimizer, { trainLoader: loader(steps), epochs: 1 });
const stepMs = (performance.now() - t0) / steps;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const backendMs = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
console.log(renderTable(
  `${kind}, ${threads} thread${threads > 1 ? 's' : ''}, layer fusion ${values.fusion}: ${stepMs.toFixed(2)} ms per step of ${BATCH_SIZE} (${((stepMs * 60000) / BATCH_SIZE / 1000).toFixed(1)} s per 60 000-image epoch); ` +
    `backend ${backendMs.toFixed(2)} ms, the rest (JS: tape, tensors, loader) ${(stepMs - backendMs).toFixed(2)} ms`,
  ['backend method', 'ms / step', 'share', 'calls / step'],
  rows.map(([name, s]) => [name, (s.ms / steps).toFixed(3), `${((100 * s.ms) / steps / stepMs).toFixed(1)}%`, (s.calls / steps).toFixed(1)]),
));
await backend.dispose();
