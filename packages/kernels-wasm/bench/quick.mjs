// Quick single-thread GFLOP/s check of the wasm kernels on the case-study shapes (not a test).
// Usage: pnpm --filter @tapegrad/kernels-wasm build && node packages/kernels-wasm/bench/quick.mjs
// GFLOP/s = 2·M·N·K / t (conv: 2·N·O·OH·OW·C·KH·KW per pass); t is the best of ROUNDS (default
// 15) timed runs, each repeating the call until at least 30 ms have passed. Allocation happens
// outside the timing. Other processes share the cores of the machines this runs on, so the
// minimum (the least disturbed run) is reported, with the load average next to it.
// TAPEGRAD_RELAXED_SIMD=1 times the relaxed-SIMD build instead of the plain one (where supported).
import { cpus, loadavg } from 'node:os';
import { createWasmBackend, kernelsUrl } from '../dist/index.js';

const backend = await createWasmBackend();
const ROUNDS = Number(process.env.ROUNDS ?? 15);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; best of ${ROUNDS} runs`);
// The build createWasmBackend() picked.
console.log(`build ${(await kernelsUrl(true)).pathname.split('/').pop()}`);

function timeMs(fn) {
  for (let i = 0; i < 3; i++) fn();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    let reps = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < 30) { fn(); reps++; t1 = performance.now(); }
    best = Math.min(best, (t1 - t0) / reps);
  }
  return best;
}

const rand = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const results = [];
function report(name, flops, ms) {
  const gflops = flops / (ms * 1e6);
  results.push({ name, ms: +ms.toFixed(3), gflops: +gflops.toFixed(1) });
  console.log(`${name.padEnd(44)} ${ms.toFixed(3).padStart(9)} ms  ${gflops.toFixed(1).padStart(6)} GFLOP/s`);
}

for (const [m, n, k] of [[256, 256, 256], [512, 512, 512], [128, 784, 10]]) {
  for (const [transA, transB] of [[false, false], [false, true], [true, false]]) {
    const a = backend.fromArray(rand(m * k));
    const b = backend.fromArray(rand(k * n));
    const c = backend.alloc(m * n);
    const p = { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0 };
    report(`gemm ${m}x${n}x${k} tA=${+transA} tB=${+transB}`, 2 * m * n * k, timeMs(() => backend.gemmInto(c, a, b, p)));
    for (const s of [a, b, c]) backend.free(s);
  }
}

const convs = [
  { name: 'conv1 x=[128,1,28,28] w=[16,1,3,3]', n: 128, c: 1, h: 28, w: 28, o: 16, needDx: false },
  { name: 'conv2 x=[128,16,26,26] w=[16,16,3,3]', n: 128, c: 16, h: 26, w: 26, o: 16, needDx: true },
];
for (const cv of convs) {
  const g = { n: cv.n, c: cv.c, h: cv.h, w: cv.w, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: cv.h - 2, ow: cv.w - 2, o: cv.o };
  const flops = 2 * g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
  const x = backend.fromArray(rand(g.n * g.c * g.h * g.w));
  const w = backend.fromArray(rand(g.o * g.c * 9));
  const bias = backend.fromArray(rand(g.o));
  const dy = backend.fromArray(rand(g.n * g.o * g.oh * g.ow));
  const fwd = timeMs(() => backend.free(backend.conv2d(x, w, bias, g)));
  const bwdW = timeMs(() => backend.free(backend.conv2dBackwardWeight(dy, x, g)));
  const bwdX = timeMs(() => backend.free(backend.conv2dBackwardInput(dy, w, g)));
  report(`${cv.name} forward`, flops, fwd);
  report(`${cv.name} backward-weight`, flops, bwdW);
  report(`${cv.name} backward-input`, flops, bwdX);
  const passes = cv.needDx ? 3 : 2;
  const total = fwd + bwdW + (cv.needDx ? bwdX : 0);
  report(`${cv.name} fwd+bwd (${cv.needDx ? 'with' : 'no'} dx)`, passes * flops, total);
  for (const s of [x, w, bias, dy]) backend.free(s);
}

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
