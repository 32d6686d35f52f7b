#!/usr/bin/env node
// Same-process A/B of a convolution's two backward passes: OLD_DIR's build computing dx and dw with
// conv2dBackwardInput + conv2dBackwardWeight against NEW_DIR's build computing both with one
// conv2dBackward call (Note [winograd backward-input] in packages/kernels-wasm), on the case-study
// conv2 (x=[128,16,26,26], w=[16,16,3,3]), taking turns (the order flips every round), after 5
// warm-up rounds. Reports the median per call of this process's CPU time and of the wall clock.
//
//   node apps/bench/scripts/conv-backward-ab.mjs OLD_DIR NEW_DIR [--threads N] [--rounds N]
//
// OLD_DIR / NEW_DIR: a built packages/kernels-wasm (dist/ and build/), e.g. a copy made before a
// change: mkdir /tmp/kw-old && cp -r packages/kernels-wasm/{dist,build,package.json} /tmp/kw-old &&
// ln -s $PWD/packages/kernels-wasm/node_modules /tmp/kw-old/node_modules.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '40' } },
});
if (positionals.length !== 2) throw new Error('conv-backward-ab: give two kernels-wasm package directories, OLD_DIR NEW_DIR');
const threads = Number(values.threads), rounds = Number(values.rounds);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`conv-backward-ab: --threads must be a positive integer, got ${values.threads}`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`conv-backward-ab: --rounds must be a positive integer, got ${values.rounds}`);
const load = (dir) => import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
const [oldM, newM] = await Promise.all(positionals.map(load));
const g = { n: 128, c: 16, h: 26, w: 26, o: 16, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: 24, ow: 24, groups: 1 };
const A = await oldM.createWasmBackend({ threads }), B = await newM.createWasmBackend({ threads });
if (typeof B.conv2dBackward !== 'function') throw new Error(`conv-backward-ab: ${positionals[1]} has no conv2dBackward`);
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
const data = [rnd(g.n * g.c * g.h * g.w), rnd(g.o * g.c * 9), rnd(g.n * g.o * g.oh * g.ow)];
const [xa, wa, dya] = data.map((v) => A.fromArray(v)), [xb, wb, dyb] = data.map((v) => B.fromArray(v));
const runOld = () => { const dx = A.conv2dBackwardInput(dya, wa, g), dw = A.conv2dBackwardWeight(dya, xa, g); A.free(dx); A.free(dw); };
const runNew = () => { const r = B.conv2dBackward(dyb, xb, wb, g); B.free(r.dx); B.free(r.dw); };
const time = (f) => {
  const c0 = process.cpuUsage(), t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: performance.now() - t0 };
};
for (let i = 0; i < 5; i++) { runOld(); runNew(); }
const tOld = [], tNew = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2) { tOld.push(time(runOld)); tNew.push(time(runNew)); } else { tNew.push(time(runNew)); tOld.push(time(runOld)); }
}
const med = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[xs.length >> 1];
console.log(`conv2 backward, ${threads} thread(s), ${rounds} rounds: two passes (old) CPU ${med(tOld, 'cpu').toFixed(3)} ms, wall ${med(tOld, 'wall').toFixed(3)} ms; ` +
  `conv2dBackward (new) CPU ${med(tNew, 'cpu').toFixed(3)} ms, wall ${med(tNew, 'wall').toFixed(3)} ms; new/old wall ${(med(tNew, 'wall') / med(tOld, 'wall')).toFixed(3)}`);
await A.dispose();
await B.dispose();
