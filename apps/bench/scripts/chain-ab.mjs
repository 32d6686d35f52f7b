#!/usr/bin/env node
// Deferred conv chains (Note [deferred conv], packages/kernels-wasm/src/wasm-backend.ts) on and
// off in one process: two WASM backends, createWasmBackend({ convChains: true | false }), taking
// turns (the order flips every turn), on the case-study CNN. `--mode infer`: test-set inference
// images/s (evaluate, the bench's batch 500 by default), medians of the turns after 2 of warm-up;
// `--mode train`: ms per training step (Adam, 8 steps a turn, batch --batch), where the autograd op
// passes taped = true and no chain runs (the check that training is unchanged). Prints each
// backend's chain count. Run `npx turbo run build --filter=@tapegrad/bench...` first.
//
//   node apps/bench/scripts/chain-ab.mjs [--mode infer|train] [--threads N] [--batch N] [--turns N]
import { parseArgs } from 'node:util';
import { manualSeed, setBackend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { Adam, ArrayDataset, DataLoader, evaluate, fit } from '@tapegrad/nn';
import { benchData } from '../dist/data.js';
import { buildModel } from '../dist/models.js';

const { values } = parseArgs({ options: {
  mode: { type: 'string', default: 'infer' }, threads: { type: 'string', default: '1' }, batch: { type: 'string' }, turns: { type: 'string', default: '14' },
} });
if (values.mode !== 'infer' && values.mode !== 'train') throw new Error(`chain-ab: --mode must be infer or train, got ${values.mode}`);
const [threads, batch, turns] = [Number(values.threads), Number(values.batch ?? (values.mode === 'infer' ? 500 : 400)), Number(values.turns)];
for (const [k, v] of [['threads', threads], ['batch', batch], ['turns', turns]]) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`chain-ab: --${k} must be a positive integer, got ${values[k]}`);
}
if (turns < 3) throw new Error('chain-ab: --turns must be at least 3 (the first 2 warm up)');
const { train, test } = benchData();
const runs = [];
for (const convChains of [false, true]) {
  const backend = await createWasmBackend({ threads, convChains });
  setBackend(backend);
  manualSeed(0);
  const model = buildModel('cnn');
  runs.push({ convChains, backend, model, optimizer: new Adam(model.parameters(), { lr: 1e-3 }), figures: [] });
}
const subset = (first, n) => new ArrayDataset(train.images.subarray(first * 784, (first + n) * 784), train.labels.subarray(first, first + n), [1, 28, 28]);
for (let turn = 0; turn < turns; turn++) {
  for (const run of turn % 2 ? [...runs].reverse() : runs) {
    setBackend(run.backend);
    let figure;
    if (values.mode === 'infer') {
      const t0 = performance.now();
      evaluate(run.model, test.images, test.labels, [1, 28, 28], { batchSize: batch });
      figure = test.count / ((performance.now() - t0) / 1000);
    } else {
      const loader = new DataLoader(subset((turn * 8 * batch) % (train.count - 8 * batch), 8 * batch), { batchSize: batch });
      figure = (fit(run.model, run.optimizer, { trainLoader: loader, epochs: 1 })[0].seconds / 8) * 1000;
    }
    if (turn >= 2) run.figures.push(figure);
  }
}
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const unit = values.mode === 'infer' ? 'images/s' : 'ms per step';
for (const run of runs) {
  console.log(`convChains ${run.convChains}: ${median(run.figures).toFixed(values.mode === 'infer' ? 0 : 2)} ${unit} (${run.backend.chainedConvs} chains; ${values.mode}, batch ${batch}, ${threads} thread(s))`);
}
console.log(`on / off: ${(median(runs[1].figures) / median(runs[0].figures)).toFixed(3)}`);
process.exit(0);
