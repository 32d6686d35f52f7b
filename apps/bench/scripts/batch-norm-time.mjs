#!/usr/bin/env node
// Batch norm kernels on one shape (Note [batch norm sums], Note [batch norm relu] in
// packages/kernels-wasm/assembly/batch-norm.ts): the unfused batchNorm → relu and reluBackward →
// batchNormBackward against the fused batchNormRelu and batchNormReluBackward, taking turns (the
// order flips every round), after 10 warm-up rounds. Reports the median wall time per call.
//
//   node apps/bench/scripts/batch-norm-time.mjs [N,C,H,W] [--threads T] [--rounds R]
//
// Default: the resnet suite's [64, 32, 32, 32] on one thread.
import { parseArgs } from 'node:util';
import { createWasmBackend } from '@tapegrad/kernels-wasm';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '60' } } });
const shape = (positionals[0] ?? '64,32,32,32').split(',').map(Number);
if (shape.length !== 4 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`batch-norm-time: the shape is N,C,H,W (positive integers), got ${positionals[0]}`);
const [threads, rounds] = [Number(values.threads), Number(values.rounds)];
if (!Number.isInteger(threads) || threads < 1) throw new Error(`batch-norm-time: --threads must be a positive integer, got ${values.threads}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`batch-norm-time: --rounds must be a positive integer, got ${values.rounds}`);
const [n, c, h, w] = shape;
const be = await createWasmBackend({ threads });
const size = n * c * h * w;
const rnd = (k, scale = 1, offset = 0) => Float32Array.from({ length: k }, () => (Math.random() - 0.5) * scale + offset);
const x = be.fromArray(rnd(size, 2, 0.3)), dy = be.fromArray(rnd(size));
const rm = be.fromArray(new Float32Array(c)), rv = be.fromArray(new Float32Array(c).fill(1));
const gamma = be.fromArray(rnd(c, 1, 1)), beta = be.fromArray(rnd(c));
const p = { n, c, spatial: h * w, eps: 1e-5, momentum: 0.1, training: true };
const time = (f) => { const t0 = performance.now(); const r = f(); return [performance.now() - t0, r]; };
const freeAll = (...s) => s.forEach((t) => be.free(t));
const t = { batchNorm: [], relu: [], reluBackward: [], batchNormBackward: [], batchNormRelu: [], batchNormReluBackward: [] };
const unfused = () => {
  const [a, bn] = time(() => be.batchNorm(x, rm, rv, gamma, beta, p));
  const [b, y] = time(() => be.relu(bn.y));
  const [c2, dpre] = time(() => be.reluBackward(dy, y));
  const [d, g] = time(() => be.batchNormBackward(dpre, x, bn.saved, gamma, p));
  freeAll(bn.y, bn.saved, y, dpre, g.dx, g.dweight, g.dbias);
  return [a, b, c2, d];
};
const fused = () => {
  const [a, bn] = time(() => be.batchNormRelu(x, rm, rv, gamma, beta, p));
  const [b, g] = time(() => be.batchNormReluBackward(dy, bn.y, x, bn.saved, gamma, p));
  freeAll(bn.y, bn.saved, g.dx, g.dweight, g.dbias);
  return [a, b];
};
for (let r = 0; r < rounds + 10; r++) {
  const order = r % 2 ? [fused, unfused] : [unfused, fused];
  for (const f of order) {
    const ms = f();
    if (r < 10) continue;
    const names = f === fused ? ['batchNormRelu', 'batchNormReluBackward'] : ['batchNorm', 'relu', 'reluBackward', 'batchNormBackward'];
    names.forEach((k, i) => t[k].push(ms[i]));
  }
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const total = (ks) => ks.reduce((s, k) => s + med(t[k]), 0);
console.log(`[${n},${c},${h},${w}], ${threads} thread(s), ${rounds} rounds, median ms per call:`);
for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(22)} ${med(v).toFixed(3)}`);
console.log(`  unfused forward + backward ${total(['batchNorm', 'relu', 'reluBackward', 'batchNormBackward']).toFixed(3)}, fused ${total(['batchNormRelu', 'batchNormReluBackward']).toFixed(3)}`);
await be.dispose();
