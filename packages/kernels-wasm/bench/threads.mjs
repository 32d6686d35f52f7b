// threads=1 against threads=N (default 2) on the case-study shapes, in one process (not a test).
// Usage: pnpm --filter @tapegrad/kernels-wasm build && node packages/kernels-wasm/bench/threads.mjs [N]
// Timing as in quick.mjs: best of ROUNDS (default 15) runs, each repeating the call for >= 30 ms;
// the two backends alternate round by round so that load from other jobs hits both alike.
// GFLOP/s = 2·M·N·K / t (conv: 2·N·O·OH·OW·C·KH·KW per pass). Add --json for machine output.
import { cpus, loadavg } from 'node:os';
import { createWasmBackend } from '../dist/index.js';

const THREADS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const backends = [await createWasmBackend(), await createWasmBackend({ threads: THREADS })];
const la = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average ${la()} on ${cpus().length} cores; threads 1 vs ${THREADS}; best of ${ROUNDS} runs`);

function once(fn) {
  let reps = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < 30) { fn(); reps++; t1 = performance.now(); }
  return (t1 - t0) / reps;
}

/** Best ms of fns[i] (one per backend), alternating. */
function timeBoth(fns) {
  for (const fn of fns) for (let i = 0; i < 3; i++) fn();
  const best = fns.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, i) => { best[i] = Math.min(best[i], once(fn)); });
  return best;
}

const rand = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const results = [];
function report(name, flops, [ms1, msN]) {
  const row = { name, threads1: { ms: +ms1.toFixed(3), gflops: +(flops / (ms1 * 1e6)).toFixed(1) },
    [`threads${THREADS}`]: { ms: +msN.toFixed(3), gflops: +(flops / (msN * 1e6)).toFixed(1) }, speedup: +(ms1 / msN).toFixed(2) };
  results.push(row);
  console.log(`${name.padEnd(44)} ${ms1.toFixed(3).padStart(8)} ms -> ${msN.toFixed(3).padStart(8)} ms  ` +
    `(${row.threads1.gflops} -> ${row[`threads${THREADS}`].gflops} GFLOP/s, x${row.speedup})`);
}

for (const [m, n, k] of [[256, 256, 256], [512, 512, 512], [128, 100, 784]]) {
  const p = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
  const a = rand(m * k), b = rand(k * n);
  report(`gemm ${m}x${n}x${k}`, 2 * m * n * k, timeBoth(backends.map((be) => {
    const [sa, sb, sc] = [be.fromArray(a), be.fromArray(b), be.alloc(m * n)];
    return () => be.gemmInto(sc, sa, sb, p);
  })));
}

const convs = [
  { name: 'conv1 x=[128,1,28,28] w=[16,1,3,3]', n: 128, c: 1, h: 28, w: 28, o: 16, needDx: false },
  { name: 'conv2 x=[128,16,26,26] w=[16,16,3,3]', n: 128, c: 16, h: 26, w: 26, o: 16, needDx: true },
];
for (const cv of convs) {
  const g = { n: cv.n, c: cv.c, h: cv.h, w: cv.w, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: cv.h - 2, ow: cv.w - 2, o: cv.o };
  const flops = 2 * g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw;
  const data = [rand(g.n * g.c * g.h * g.w), rand(g.o * g.c * 9), rand(g.o), rand(g.n * g.o * g.oh * g.ow)];
  const fns = backends.map((be) => {
    const [x, w, bias, dy] = data.map((d) => be.fromArray(d));
    return {
      fwd: () => be.free(be.conv2d(x, w, bias, g)),
      bwdW: () => be.free(be.conv2dBackwardWeight(dy, x, g)),
      bwdX: () => be.free(be.conv2dBackwardInput(dy, w, g)),
    };
  });
  const fwd = timeBoth(fns.map((f) => f.fwd));
  const bwdW = timeBoth(fns.map((f) => f.bwdW));
  const bwdX = timeBoth(fns.map((f) => f.bwdX));
  report(`${cv.name} forward`, flops, fwd);
  report(`${cv.name} backward-weight`, flops, bwdW);
  report(`${cv.name} backward-input`, flops, bwdX);
  const total = [0, 1].map((i) => fwd[i] + bwdW[i] + (cv.needDx ? bwdX[i] : 0));
  report(`${cv.name} fwd+bwd (${cv.needDx ? 'with' : 'no'} dx)`, (cv.needDx ? 3 : 2) * flops, total);
}

console.log(`load average ${la()}`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
await backends[1].dispose();
