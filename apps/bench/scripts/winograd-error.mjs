#!/usr/bin/env node
// Winograd F(m×m, 3×3) in float32 against the float64 direct convolution, per output tile, as a
// multiple of the conformance suite's tolerance (packages/autograd/src/testing/describe-backend.ts:
// 2⁻²³·√(C·9)·8, relative and absolute): why the WASM kernels use F(2×2, 3×3) and not F(3×3) or
// F(4×4) (Note [winograd tile size], packages/kernels-wasm/assembly/conv/winograd.ts). Each float32
// step (transforms, products, the sum over channels) is rounded with Math.fround; x and w are
// standard normal; the Toom-Cook matrices come from the interpolation points (plus ∞).
//
//   node apps/bench/scripts/winograd-error.mjs [--tiles N]
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { tiles: { type: 'string', default: '200' } } });
const tiles = Number(values.tiles);
if (!Number.isInteger(tiles) || tiles < 2) throw new Error(`winograd-error: --tiles must be an integer ≥ 2, got ${values.tiles}`);

/** A^T (m × n), G (n × 3), B^T (n × n) of F(m, 3) for the finite points `pts` (n − 1 of them) and ∞. */
function toomCook(m, pts, r = 3) {
  const n = m + r - 1;
  const AT = Array.from({ length: m }, (_, i) => [...pts.map((a) => a ** i), i === m - 1 ? 1 : 0]);
  const G = [...pts.map((a, j) => {
    let fj = 1;
    pts.forEach((b, l) => { if (l !== j) fj *= a - b; });
    return Array.from({ length: r }, (_, k) => a ** k / fj);
  }), Array.from({ length: r }, (_, k) => (k === r - 1 ? 1 : 0))];
  // B^T from Σ_j AT[i][j]·G[j][k]·BT[j][l] = [l = i + k] (least squares, exact here), column by column.
  const BT = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let l = 0; l < n; l++) {
    const rows = [], rhs = [];
    for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) { rows.push(Array.from({ length: n }, (_, j) => AT[i][j] * G[j][k])); rhs.push(l === i + k ? 1 : 0); }
    const A = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => rows.reduce((s, row) => s + row[a] * row[b], 0)));
    const y = Array.from({ length: n }, (_, a) => rows.reduce((s, row, q) => s + row[a] * rhs[q], 0));
    for (let p = 0; p < n; p++) {
      let mx = p;
      for (let q = p + 1; q < n; q++) if (Math.abs(A[q][p]) > Math.abs(A[mx][p])) mx = q;
      [A[p], A[mx]] = [A[mx], A[p]]; [y[p], y[mx]] = [y[mx], y[p]];
      for (let q = 0; q < n; q++) if (q !== p) { const f = A[q][p] / A[p][p]; for (let c = p; c < n; c++) A[q][c] -= f * A[p][c]; y[q] -= f * y[p]; }
    }
    for (let j = 0; j < n; j++) BT[j][l] = Math.round((y[j] / A[j][j]) * 1e9) / 1e9;
  }
  return { AT, G, BT };
}

const f32 = Math.fround;
const T = (A) => A[0].map((_, j) => A.map((row) => row[j]));
function mm(A, B) {
  return A.map((row) => B[0].map((_, j) => { let s = 0; for (let p = 0; p < B.length; p++) s = f32(s + f32(row[p] * B[p][j])); return s; }));
}
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const randn = () => Math.sqrt(-2 * Math.log(rnd() || 1e-9)) * Math.cos(2 * Math.PI * rnd());

/** Worst |error| / tolerance over the m × m outputs of one random tile with C channels. */
function tileError(C, { AT, G, BT }, m) {
  const a = BT.length;
  const d = Array.from({ length: C }, () => Array.from({ length: a }, () => Array.from({ length: a }, () => f32(randn()))));
  const g = Array.from({ length: C }, () => Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => f32(randn()))));
  const [Gf, BTf, ATf] = [G, BT, AT].map((M) => M.map((row) => row.map(f32)));
  const acc = Array.from({ length: a }, () => new Array(a).fill(0));
  for (let c = 0; c < C; c++) {
    const U = mm(mm(Gf, g[c]), T(Gf)), V = mm(mm(BTf, d[c]), T(BTf));
    for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) acc[i][j] = f32(acc[i][j] + f32(U[i][j] * V[i][j]));
  }
  const Y = mm(mm(ATf, acc), T(ATf));
  const e = 2 ** -23 * Math.sqrt(C * 9) * 8;
  let worst = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) s += d[c][i + p][j + q] * g[c][p][q];
    worst = Math.max(worst, Math.abs(Y[i][j] - s) / (e + e * Math.abs(s)));
  }
  return worst;
}

const SETS = [['F(2×2) 0, ±1', 2, [0, 1, -1]], ['F(3×3) 0, ±1, 2', 3, [0, 1, -1, 2]], ['F(3×3) 0, ±1, ½', 3, [0, 1, -1, 0.5]],
  ['F(4×4) 0, ±1, ±2', 4, [0, 1, -1, 2, -2]], ['F(4×4) 0, ±1, ±½', 4, [0, 1, -1, 0.5, -0.5]], ['F(4×4) 0, ±1, ½, −2', 4, [0, 1, -1, 0.5, -2]]];
console.log(`error / conformance tolerance per tile, ${tiles} random tiles (1 = at the tolerance)`);
for (const C of [16, 64]) {
  for (const [name, m, pts] of SETS) {
    const mats = toomCook(m, pts);
    const r = Array.from({ length: tiles }, () => tileError(C, mats, m)).sort((x, y) => x - y);
    console.log(`C=${C} ${name.padEnd(22)} worst ${r[r.length - 1].toFixed(2)}  p99 ${r[Math.floor(r.length * 0.99) - 1].toFixed(2)}  median ${r[r.length >> 1].toFixed(2)}`);
  }
}
