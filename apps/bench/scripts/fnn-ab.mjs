#!/usr/bin/env node
// Same-process A/B of two builds of @tapegrad/kernels-wasm on the case-study FNN (784→128 ReLU→10,
// batch 128, Adam): each GEMM of its training step and of inference (batch 500) on Fashion-MNIST
// data, then the whole training step and test-set inference, builds taking turns (the order flips
// every round), medians over the rounds and of the paired ratios. Timed both by the wall clock and by this process's CPU
// time (process.cpuUsage), which on a loaded machine leaves out the time spent waiting for a core;
// on one thread it is the steadier figure. Also checks that the two builds give the same GEMM results.
//
//   node apps/bench/scripts/fnn-ab.mjs OLD_DIR NEW_DIR [--rounds N] [--threads N]
//
// OLD_DIR / NEW_DIR: a built packages/kernels-wasm (dist/ and build/), e.g. a copy made before a
// change: mkdir /tmp/kw-old && cp -r packages/kernels-wasm/{dist,build,package.json} /tmp/kw-old &&
// ln -s $PWD/packages/kernels-wasm/node_modules /tmp/kw-old/node_modules. Run `npx turbo run build
// --filter=@tapegrad/bench...` first (this script uses the bench's models and data loader).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { manualSeed, setBackend } from '@tapegrad/autograd';
import { Adam, ArrayDataset, DataLoader, evaluate, fit } from '@tapegrad/nn';
import { benchData } from '../dist/data.js';
import { buildModel } from '../dist/models.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '9' }, threads: { type: 'string', default: '1' } } });
if (positionals.length !== 2) throw new Error('fnn-ab: give two kernels-wasm package directories, OLD_DIR NEW_DIR');
const rounds = Number(values.rounds), threads = Number(values.threads);
const builds = await Promise.all(positionals.map(async (dir) => {
  const mod = await import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
  return { name: dir, be: await mod.createWasmBackend({ threads }) };
}));
const { train, test } = benchData();
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
/** Runs f `reps` times; [wall ms, CPU ms] per run. */
function time(f, reps) {
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) f();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / reps, (c.user + c.system) / 1000 / reps];
}
function uniform(n, seed, scale) { let s = seed >>> 0 || 1; const o = new Float32Array(n); for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; o[i] = ((s / 2 ** 32) * 2 - 1) * scale; } return o; }

// The GEMMs, on the operands a training step of the real model sees: run one step to capture them.
const probe = builds[0].be;
setBackend(probe); manualSeed(0);
const x500 = test.images.subarray(0, 500 * 784);
const w1 = uniform(128 * 784, 1, 1 / 28), b1 = uniform(128, 2, 1 / 28), w2 = uniform(10 * 128, 3, 1 / 11.3), b2 = uniform(10, 4, 1 / 11.3);
const x128 = train.images.subarray(0, 128 * 784);
const h = new Float32Array(128 * 128), dy1 = new Float32Array(128 * 128), dy2 = uniform(128 * 10, 5, 1 / 128);
{ // h = relu(x·w1ᵀ + b1); dy1 = (dy2·w2) where h > 0
  for (let i = 0; i < 128; i++) for (let o = 0; o < 128; o++) {
    let s = b1[o]; for (let p = 0; p < 784; p++) s += x128[i * 784 + p] * w1[o * 784 + p];
    h[i * 128 + o] = Math.max(0, s);
    let g = 0; for (let c = 0; c < 10; c++) g += dy2[i * 10 + c] * w2[c * 128 + o];
    dy1[i * 128 + o] = s > 0 ? g : 0;
  }
}
const P = (m, n, k, transA, transB) => ({ batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0 });
const cases = [
  ['fc1 forward x·W1ᵀ 128×784→128', x128, w1, b1, P(128, 128, 784, false, true)],
  ['fc2 forward h·W2ᵀ 128×128→10', h, w2, b2, P(128, 10, 128, false, true)],
  ['fc2 dx dy2·W2 128×10→128', dy2, w2, null, P(128, 128, 10, false, false)],
  ['fc2 dW dy2ᵀ·h 10×128, k 128', dy2, h, null, P(10, 128, 128, true, false)],
  ['fc1 dW dy1ᵀ·x 128×784, k 128', dy1, x128, null, P(128, 784, 128, true, false)],
  ['inference fc1 500×784→128 +relu', x500, w1, b1, { ...P(500, 128, 784, false, true), relu: true }],
];
const stores = builds.map(({ be }) => cases.map(([, a, b, bias]) => [be.fromArray(a), be.fromArray(b), bias ? be.fromArray(bias) : undefined]));
const call = (bi, ci) => { const [a, b, bias] = stores[bi][ci]; const be = builds[bi].be; be.free(be.gemm(a, b, { ...cases[ci][4], bias })); };
cases.forEach(([name, , , , p], ci) => {
  const [r0, r1] = builds.map(({ be }, bi) => { const [a, b, bias] = stores[bi][ci]; const c = be.gemm(a, b, { ...p, bias }); const v = be.read(c).slice(); be.free(c); return v; });
  let differ = 0; for (let i = 0; i < r0.length; i++) if (!Object.is(r0[i], r1[i])) differ++;
  if (differ > 0) console.log(`NOTE ${name}: ${differ} of ${r0.length} results differ between the builds`);
});
const gemmT = cases.map(() => builds.map(() => ({ wall: [], cpu: [] })));
for (let r = 0; r < rounds; r++) for (let ci = 0; ci < cases.length; ci++) for (const bi of r % 2 ? [1, 0] : [0, 1]) {
  const reps = cases[ci][4].m * cases[ci][4].n * cases[ci][4].k > 4e6 ? 10 : 100;
  time(() => call(bi, ci), 2);
  const [w, c] = time(() => call(bi, ci), reps);
  gemmT[ci][bi].wall.push(w); gemmT[ci][bi].cpu.push(c);
}
console.log(`GEMMs, ${threads} thread(s), medians of ${rounds} alternating rounds (µs; CPU time, wall in brackets; GFLOP/s from CPU time)`);
cases.forEach(([name, , , , p], ci) => {
  const flop = 2 * p.m * p.n * p.k;
  const [o, n] = gemmT[ci].map((t) => [med(t.cpu) * 1000, med(t.wall) * 1000]);
  console.log(`  ${name.padEnd(34)} old ${o[0].toFixed(1)} [${o[1].toFixed(1)}] ${(flop / o[0] / 1e3).toFixed(1)} GF/s   new ${n[0].toFixed(1)} [${n[1].toFixed(1)}] ${(flop / n[0] / 1e3).toFixed(1)} GF/s   new/old ${(n[0] / o[0]).toFixed(3)} [${(n[1] / o[1]).toFixed(3)}]`);
});

// The training step and inference of the model, each build with its own model and optimizer.
const runs = builds.map(({ name, be }) => {
  setBackend(be); manualSeed(0);
  const model = buildModel('fnn');
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  return { name, be, model, optimizer, step: { wall: [], cpu: [] }, infer: { wall: [], cpu: [] } };
});
const loader = (batches, first) => new DataLoader(new ArrayDataset(
  train.images.subarray(first * 784, (first + batches * 128) * 784), train.labels.subarray(first, first + batches * 128), [1, 28, 28]), { batchSize: 128 });
for (const run of runs) { setBackend(run.be); fit(run.model, run.optimizer, { trainLoader: loader(24, 0), epochs: 1 }); }
// Short turns (10 steps; 2 000 test images) taken in pairs, 4 pairs a round: a burst of other load
// then hits both builds of a pair alike, and the median of the paired ratios drops it.
const STEPS = 10;
const pairs = { step: [], infer: [] };
for (let r = 0; r < 4 * rounds; r++) {
  const t = runs.map(() => [0, 0]);
  for (const bi of r % 2 ? [1, 0] : [0, 1]) {
    const run = runs[bi];
    setBackend(run.be);
    const first = 128 * ((r * STEPS) % 400);
    const [w, c] = time(() => fit(run.model, run.optimizer, { trainLoader: loader(STEPS, first), epochs: 1 }), 1);
    run.step.wall.push(w / STEPS); run.step.cpu.push(c / STEPS);
    const at = 2000 * (r % 5);
    const [wi, ci] = time(() => evaluate(run.model, test.images.subarray(at * 784, (at + 2000) * 784), test.labels.subarray(at, at + 2000), [1, 28, 28], { batchSize: 500 }), 1);
    run.infer.wall.push(2000 / wi * 1000); run.infer.cpu.push(2000 / ci * 1000);
    t[bi] = [c, ci];
  }
  pairs.step.push(t[1][0] / t[0][0]); pairs.infer.push(t[1][1] / t[0][1]);
}
console.log(`FNN training step (batch 128, Adam) and inference (test images, batch 500), ${threads} thread(s), medians of ${4 * rounds} turns (CPU time, wall in brackets)`);
for (const run of runs) {
  console.log(`  ${run.name}: step ${med(run.step.cpu).toFixed(3)} ms [${med(run.step.wall).toFixed(3)}] = ${(med(run.step.cpu) * 60000 / 128 / 1000).toFixed(3)} s/epoch; inference ${med(run.infer.cpu).toFixed(0)} img/s [${med(run.infer.wall).toFixed(0)}]`);
}
console.log(`  median of paired new/old CPU-time ratios: step ${med(pairs.step).toFixed(3)}, inference time ${med(pairs.infer).toFixed(3)}`);
for (const { be } of builds) await be.dispose();
