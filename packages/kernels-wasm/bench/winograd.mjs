// Winograd conv timings and scratch on one thread, optionally against another build of this package
// in the same process (alternating rounds, best of ROUNDS, so load affects both alike). Not a test.
// Usage: node packages/kernels-wasm/bench/winograd.mjs [DIR]
//   DIR: a copy of an earlier packages/kernels-wasm/{dist,build} (e.g. bench/.before) to compare with.
// BLOCK_TILES=n times this build with winogradBlockTiles n (default: the kernels' default).
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { createWasmBackend } from '../dist/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const blockTiles = Number(process.env.BLOCK_TILES ?? 0);
const backends = [{ name: 'this', be: await createWasmBackend(blockTiles > 0 ? { winogradBlockTiles: blockTiles } : {}) }];
if (process.argv[2]) {
  const other = await import(pathToFileURL(resolve(process.argv[2], 'dist/index.js')).href);
  backends.push({ name: process.argv[2], be: await other.createWasmBackend() });
}
console.log(`${cpus()[0].model}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; best of ${ROUNDS}, alternating; build ${backends[0].be.build}`);

const rand = (n, seed) => {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
};

const SHAPES = [
  { name: 'conv2 x=[128,16,26,26] w=[16,16,3,3] p=0', n: 128, c: 16, h: 26, w: 26, o: 16, p: 0 },
  { name: 'x=[8,32,32,32] w=[32,32,3,3] p=1', n: 8, c: 32, h: 32, w: 32, o: 32, p: 1 },
  { name: 'x=[1,64,224,224] w=[64,64,3,3] p=1', n: 1, c: 64, h: 224, w: 224, o: 64, p: 1 },
];

for (const sh of SHAPES) {
  const g = { n: sh.n, c: sh.c, h: sh.h, w: sh.w, kh: 3, kw: 3, sh: 1, sw: 1, ph: sh.p, pw: sh.p, dh: 1, dw: 1, oh: sh.h + 2 * sh.p - 2, ow: sh.w + 2 * sh.p - 2, o: sh.o };
  const flops = 2 * g.n * g.o * g.oh * g.ow * g.c * 9;
  const data = [rand(g.n * g.c * g.h * g.w, 1), rand(g.o * g.c * 9, 2), rand(g.o, 3), rand(g.n * g.o * g.oh * g.ow, 4)];
  const st = backends.map(({ be }) => data.map((d) => be.fromArray(d)));
  const passes = {
    forward: (be, [x, w, b]) => be.conv2d(x, w, b, g),
    'backward-input': (be, [, w, , dy]) => be.conv2dBackwardInput(dy, w, g),
    'backward-weight': (be, [x, , , dy]) => be.conv2dBackwardWeight(dy, x, g),
  };
  for (const [pass, fn] of Object.entries(passes)) {
    const best = backends.map(() => Infinity);
    const outs = backends.map(({ be }, i) => { const o = fn(be, st[i]); const r = be.read(o); be.free(o); return r; });
    for (let r = 0; r < ROUNDS; r++) {
      backends.forEach(({ be }, i) => {
        let reps = 0;
        const t0 = performance.now();
        let t1 = t0;
        while (t1 - t0 < 40 || reps < 2) { be.free(fn(be, st[i])); reps++; t1 = performance.now(); }
        best[i] = Math.min(best[i], (t1 - t0) / reps);
      });
    }
    let diff = '';
    if (outs.length > 1) {
      let maxAbs = 0;
      for (let j = 0; j < outs[0].length; j++) maxAbs = Math.max(maxAbs, Math.abs(outs[0][j] - outs[1][j]));
      diff = maxAbs === 0 ? '  outputs bit-identical' : `  max |diff| ${maxAbs.toExponential(2)}`;
    }
    const cols = best.map((ms, i) => `${backends[i].name} ${ms.toFixed(3)} ms ${(flops / (ms * 1e6)).toFixed(1)} GFLOP/s`).join(' | ');
    console.log(`${(sh.name + ' ' + pass).padEnd(56)} ${cols}${diff}`);
  }
  for (let i = 0; i < backends.length; i++) for (const s of st[i]) backends[i].be.free(s);
}
const { be } = backends[0];
if (be.scratchBytes) console.log(`scratch of this build after all shapes: peak ${(be.scratchBytes().peak / 2 ** 20).toFixed(2)} MiB`);
console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
