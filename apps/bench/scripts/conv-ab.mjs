#!/usr/bin/env node
// Same-process A/B of two builds of @tapegrad/kernels-wasm on convolutions: forward, backward-input
// and backward-weight of the case-study CNN's convs (batch 128) and of the resnet suite's (batch 64),
// the two builds taking turns call by call (the order flips every round). Reported: the median ms
// per call of each build by this process's CPU time (process.cpuUsage: on a loaded machine it leaves
// out the time spent waiting for a core; on one thread it is the steadier figure) and by the wall
// clock, and the median of the per-round ratios new/old. Also says whether the two builds' results
// are bit-identical (else how many elements differ and by how much).
//
//   node apps/bench/scripts/conv-ab.mjs OLD_DIR NEW_DIR [--rounds N] [--threads N] [--shapes a,b,…]
//
// OLD_DIR / NEW_DIR: a built packages/kernels-wasm (dist/ and build/), e.g. a copy made before a
// change: mkdir /tmp/kw-old && cp -r packages/kernels-wasm/{dist,build,package.json} /tmp/kw-old &&
// ln -s $PWD/packages/kernels-wasm/node_modules /tmp/kw-old/node_modules.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function same3x3(n, c, hw, o, p, s = 1) {
  const oh = Math.floor((hw + 2 * p - 3) / s) + 1;
  return { n, c, h: hw, w: hw, o, kh: 3, kw: 3, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, oh, ow: oh, groups: 1 };
}
const SHAPES = {
  conv1: ['conv1 x=[128,1,28,28] w=[16,1,3,3]', same3x3(128, 1, 28, 16, 0)],
  conv2: ['conv2 x=[128,16,26,26] w=[16,16,3,3]', same3x3(128, 16, 26, 16, 0)],
  stem: ['resnet stem x=[64,3,32,32] w=[32,3,3,3] p=1', same3x3(64, 3, 32, 32, 1)],
  block32: ['resnet block x=[64,32,32,32] w=[32,32,3,3] p=1', same3x3(64, 32, 32, 32, 1)],
  stage64s2: ['resnet stage x=[64,32,32,32] w=[64,32,3,3] s=2 p=1', same3x3(64, 32, 32, 64, 1, 2)],
  stage64: ['resnet stage x=[64,64,16,16] w=[64,64,3,3] p=1', same3x3(64, 64, 16, 64, 1)],
};
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '40' }, threads: { type: 'string', default: '1' }, shapes: { type: 'string', default: Object.keys(SHAPES).join(',') } },
});
if (positionals.length !== 2) throw new Error('conv-ab: give two kernels-wasm package directories, OLD_DIR NEW_DIR');
const rounds = Number(values.rounds), threads = Number(values.threads);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`conv-ab: --rounds must be a positive integer, got ${values.rounds}`);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`conv-ab: --threads must be a positive integer, got ${values.threads}`);
const names = values.shapes.split(',');
for (const n of names) if (!(n in SHAPES)) throw new Error(`conv-ab: unknown shape ${n} (known: ${Object.keys(SHAPES).join(', ')})`);
const bes = await Promise.all(positionals.map(async (dir) => (await import(pathToFileURL(resolve(dir, 'dist/index.js')).href)).createWasmBackend({ threads })));
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
function uniform(b, n, seed) { let s = seed >>> 0 || 1; const o = new Float32Array(n); for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; o[i] = (s / 2 ** 32) * 2 - 1; } return b.fromArray(o); }

console.log(`conv-ab: ${positionals[0]} (old) vs ${positionals[1]} (new), ${threads} thread(s), ${rounds} rounds, builds ${bes.map((b) => b.build).join(' / ')}`);
for (const name of names) {
  const [label, g] = SHAPES[name];
  const io = bes.map((b) => ({ x: uniform(b, g.n * g.c * g.h * g.w, 1), w: uniform(b, g.o * g.c * 9, 2), bias: uniform(b, g.o, 3), dy: uniform(b, g.n * g.o * g.oh * g.ow, 4) }));
  const passes = [['forward', (b, t) => b.conv2d(t.x, t.w, t.bias, g)], ['backward-weight', (b, t) => b.conv2dBackwardWeight(t.dy, t.x, g)]];
  if (g.c > 1) passes.splice(1, 0, ['backward-input', (b, t) => b.conv2dBackwardInput(t.dy, t.w, g)]);
  for (const [pass, run] of passes) {
    const outs = bes.map((b, i) => { const s = run(b, io[i]); const r = Float32Array.from(b.read(s)); b.free(s); return r; });
    let differ = 0, maxDiff = 0;
    for (let i = 0; i < outs[0].length; i++) if (outs[0][i] !== outs[1][i]) { differ++; maxDiff = Math.max(maxDiff, Math.abs(outs[0][i] - outs[1][i])); }
    const fns = bes.map((b, i) => () => b.free(run(b, io[i])));
    for (const f of fns) for (let k = 0; k < 3; k++) f();
    const cpu = [[], []], wall = [[], []], ratio = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const c = [0, 0];
      for (const i of order) {
        const t0 = performance.now(), c0 = process.cpuUsage();
        fns[i]();
        const u = process.cpuUsage(c0);
        wall[i].push(performance.now() - t0);
        c[i] = (u.user + u.system) / 1000;
        cpu[i].push(c[i]);
      }
      ratio.push(c[1] / c[0]);
    }
    const same = differ === 0 ? 'bit-identical' : `${differ} of ${outs[0].length} differ, max |Δ| ${maxDiff.toExponential(2)}`;
    console.log(`${`${label} ${pass}`.padEnd(66)} CPU ${med(cpu[0]).toFixed(3)} → ${med(cpu[1]).toFixed(3)} ms (new/old ${med(ratio).toFixed(3)}), wall ${med(wall[0]).toFixed(3)} → ${med(wall[1]).toFixed(3)} ms; ${same}`);
  }
}
for (const b of bes) await b.dispose();
