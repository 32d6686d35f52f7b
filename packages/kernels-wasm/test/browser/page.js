// Runs in a browser page (test/browser.test.ts serves it): the WASM backend with 2 threads against
// 1 thread on a case-study conv and a large relu, and what the backend chose (threads, build).
import { canShareMemory, createWasmBackend } from '/dist/index.js';

function random(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

const out = { isolated: self.crossOriginIsolated === true, sharedMemory: canShareMemory(), warnings: [] };
const warn = console.warn;
console.warn = (...args) => { out.warnings.push(args.join(' ')); warn(...args); };
try {
  const st = await createWasmBackend({ threads: 1 });
  const mt = await createWasmBackend({ threads: 2 });
  Object.assign(out, { threads: mt.threads, build: mt.build, relaxedSimd: mt.relaxedSimd });
  const g = { n: 8, c: 16, h: 26, w: 26, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: 24, ow: 24, o: 16 };
  const data = [random(8 * 16 * 26 * 26, 1), random(16 * 16 * 9, 2), random(16, 3), random(8 * 16 * 24 * 24, 4)];
  const run = (be) => {
    const [x, w, b, dy] = data.map((d) => be.fromArray(d));
    const y = be.read(be.conv2d(x, w, b, g));
    const dx = be.read(be.conv2dBackwardInput(dy, w, g));
    const r = be.read(be.relu(be.fromArray(random(1 << 18, 5))));
    return [y, dx, r];
  };
  const one = run(st);
  const before = mt.parallelCalls;
  const two = run(mt);
  out.parallelCalls = mt.parallelCalls - before;
  out.maxDiff = Math.max(...one.map((a, k) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - two[k][i])), 0)));
  out.finite = one.every((a) => a.every(Number.isFinite));
  await mt.dispose();
} catch (e) {
  out.error = String((e && e.stack) || e);
}
document.body.textContent = `RESULT ${JSON.stringify(out)} END`;
