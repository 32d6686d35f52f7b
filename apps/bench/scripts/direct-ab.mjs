#!/usr/bin/env node
// Same-process A/B of a small-C 3×3 convolution (Note [direct conv] in packages/kernels-wasm): the
// direct forward (the default) against im2col + GEMM (`direct: false`), forward with ReLU and, for
// reference, the weight gradient (im2col in both), taking turns (the order flips every round),
// after 5 warm-up rounds, one thread. Reports the median wall time per call.
//
//   node apps/bench/scripts/direct-ab.mjs [N,C,HW,O,P] [--rounds N]
//
// Default: conv1 of the case study, 128,1,28,16,0; the resnet suite's stem is 64,3,32,32,1.
import { parseArgs } from 'node:util';
import { createWasmBackend } from '@tapegrad/kernels-wasm';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '60' } } });
const shape = (positionals[0] ?? '128,1,28,16,0').split(',').map(Number);
if (shape.length !== 5 || shape.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`direct-ab: the shape is N,C,HW,O,P (non-negative integers), got ${positionals[0]}`);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`direct-ab: --rounds must be a positive integer, got ${values.rounds}`);
const [n, c, hw, o, p] = shape;
const g = { n, c, h: hw, w: hw, o, kh: 3, kw: 3, sh: 1, sw: 1, ph: p, pw: p, dh: 1, dw: 1, oh: hw + 2 * p - 2, ow: hw + 2 * p - 2 };
const im2col = await createWasmBackend({ threads: 1, direct: false }), direct = await createWasmBackend({ threads: 1 });
const rnd = (k) => Float32Array.from({ length: k }, () => Math.random() - 0.5);
const data = [rnd(n * c * hw * hw), rnd(o * c * 9), rnd(o), rnd(n * o * g.oh * g.ow)];
const passes = (be) => {
  const [x, w, b, dy] = data.map((d) => be.fromArray(d));
  return { fwd: () => be.free(be.conv2dRelu(x, w, b, g)), dw: () => be.free(be.conv2dBackwardWeight(dy, x, g)) };
};
const runs = { im2col: passes(im2col), direct: passes(direct) };
const times = { im2col: { fwd: [], dw: [] }, direct: { fwd: [], dw: [] } };
const time = (f) => { const t0 = performance.now(); f(); return performance.now() - t0; };
for (let r = 0; r < rounds + 5; r++) {
  for (const name of r % 2 ? ['im2col', 'direct'] : ['direct', 'im2col']) {
    const f = time(runs[name].fwd), d = time(runs[name].dw);
    if (r >= 5) { times[name].fwd.push(f); times[name].dw.push(d); }
  }
}
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`x=[${n},${c},${hw},${hw}] w=[${o},${c},3,3] p=${p}, 1 thread, ${rounds} rounds, median ms: ` +
  `forward+ReLU direct ${med(times.direct.fwd).toFixed(3)} / im2col ${med(times.im2col.fwd).toFixed(3)}` +
  ` (${(med(times.direct.fwd) / med(times.im2col.fwd)).toFixed(3)}); backward-weight (im2col in both) ${med(times.direct.dw).toFixed(3)} / ${med(times.im2col.dw).toFixed(3)}`);
await im2col.dispose();
await direct.dispose();
