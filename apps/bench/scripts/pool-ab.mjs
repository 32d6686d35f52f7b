#!/usr/bin/env node
// Same-process A/B of two builds of @tapegrad/kernels-wasm on a case-study model's training steps
// (the worker pool's Note [share stealing] and Note [contended pool]): each build trains its own
// model (Adam, batch 128, shuffled Fashion-MNIST), after 94 warm-up batches, in turns of STEPS
// steps (the order flips every turn); median ms per step of each build. With --busy, a busy-loop
// process runs beside them for the whole measurement (one core taken, as by another program).
//
//   node apps/bench/scripts/pool-ab.mjs OLD_DIR NEW_DIR [--model cnn|fnn] [--threads N] [--steps N] [--turns N] [--busy]
//
// OLD_DIR / NEW_DIR: a built packages/kernels-wasm (dist/ and build/; see fnn-ab.mjs for making a
// copy of one). Run `npx turbo run build --filter=@tapegrad/bench...` first.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { manualSeed, setBackend } from '@tapegrad/autograd';
import { Adam, ArrayDataset, DataLoader, fit } from '@tapegrad/nn';
import { benchData } from '../dist/data.js';
import { buildModel } from '../dist/models.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  model: { type: 'string', default: 'fnn' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '300' },
  turns: { type: 'string', default: '10' }, busy: { type: 'boolean', default: false },
} });
if (positionals.length !== 2) throw new Error('pool-ab: give two kernels-wasm package directories, OLD_DIR NEW_DIR');
if (values.model !== 'cnn' && values.model !== 'fnn') throw new Error(`pool-ab: --model must be cnn or fnn, got ${values.model}`);
const [threads, steps, turns] = [values.threads, values.steps, values.turns].map(Number);
for (const [k, v] of [['threads', threads], ['steps', steps], ['turns', turns]]) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`pool-ab: --${k} must be a positive integer, got ${values[k]}`);
}
const { train } = benchData();
const subset = (first, n) => new ArrayDataset(train.images.subarray(first * 784, (first + n) * 784), train.labels.subarray(first, first + n), [1, 28, 28]);
const runs = [];
for (const dir of positionals) {
  const mod = await import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
  const be = await mod.createWasmBackend({ threads });
  setBackend(be); manualSeed(0);
  const model = buildModel(values.model);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  fit(model, optimizer, { trainLoader: new DataLoader(subset(0, 94 * 128), { batchSize: 128 }), epochs: 1 });
  runs.push({ dir, be, model, optimizer, ms: [] });
}
const busy = values.busy ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : null;
const maxFirst = Math.max(1, Math.floor(60000 / 128) - steps);
try {
  for (let k = 0; k < turns; k++) for (const bi of k % 2 ? [1, 0] : [0, 1]) {
    const r = runs[bi];
    setBackend(r.be);
    const loader = new DataLoader(subset(128 * ((k * 37) % maxFirst), steps * 128), { batchSize: 128, shuffle: true, seed: k });
    const [logs] = fit(r.model, r.optimizer, { trainLoader: loader, epochs: 1 });
    r.ms.push((1000 * logs.seconds) / steps);
  }
} finally {
  busy?.kill();
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
console.log(`${values.model}, ${threads} thread(s), ${turns} turns of ${steps} steps${values.busy ? ', beside a busy process' : ''}: median ms per step`);
for (const r of runs) console.log(`  ${r.dir}: ${med(r.ms).toFixed(3)}  [${r.ms.map((v) => v.toFixed(2)).join(' ')}]`);
console.log(`  new/old ${(med(runs[1].ms) / med(runs[0].ms)).toFixed(3)}`);
for (const r of runs) await r.be.dispose();
