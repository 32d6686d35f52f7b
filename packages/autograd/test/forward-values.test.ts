import { describe, expect, it } from 'vitest';
import {
  Generator, abs, add, avgPool2d, batchNorm, broadcastTo, clamp, concat, conv1d, conv2d, conv2dRelu, conv2dReluMaxPool, crossEntropy, div, dropout, equal, exp,
  getBackend, greater, log, logSoftmax, matmul, max, maxPool2d, mean, mul, neg, ones, pad, permute, pow, relu, sigmoid, slice, softmax,
  sqrt, sub, sum, tanh, erf, tensor, tidy, where, zeros, gather, norm, dropout2d, type Tensor,
} from '../src/index.js';
import { expectClose } from '../src/testing/index.js';

// Forward values on the default backend (the float32 reference backend). Tolerances: with unit
// roundoff u = 2⁻²⁴, a float32 result accumulated from K terms is within (K + 1)·u·Σ|terms| of the
// exact value (the standard bound for summation in any order); data that are small integers make
// every product and partial sum exactly representable, so those cases compare exactly.
const U32 = 2 ** -24;

function values(t: Tensor): number[] {
  return Array.from(t.toArray());
}

/** Small integers in [-3, 3]: exact in float32, and so are all products and sums below 2²⁴. */
function ints(n: number, g: Generator): number[] {
  return Array.from({ length: n }, () => g.nextInt(7) - 3);
}

/** Normal samples rounded to float32, so the inputs themselves carry no rounding error. */
function f32normals(n: number, g: Generator): number[] {
  return Array.from({ length: n }, () => Math.fround(g.normal()));
}

interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  bias: boolean;
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

/**
 * Direct convolution (cross-correlation) in float64, straight from the definition
 * y[n,o,i,j] = b[o] + Σ_{c,ki,kj} x[n, c, i·sh − ph + ki·dh, j·sw − pw + kj·dw] · w[o,c,ki,kj],
 * with out-of-range input positions contributing 0. Also returns Σ|terms| per output for the bound.
 */
function naiveConv2d(x: number[], w: number[], b: number[] | null, c: ConvCase): { y: number[]; absSum: number[]; shape: number[] } {
  const [N, C, H, W] = c.x;
  const [O, , KH, KW] = c.w;
  const [sh, sw] = c.s;
  const [ph, pw] = c.p;
  const [dh, dw] = c.d;
  const OH = Math.floor((H + 2 * ph - dh * (KH - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (KW - 1) - 1) / sw) + 1;
  const y: number[] = [];
  const absSum: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          let acc = b ? b[o]! : 0;
          let abs = Math.abs(acc);
          for (let ci = 0; ci < C; ci++) {
            for (let ki = 0; ki < KH; ki++) {
              for (let kj = 0; kj < KW; kj++) {
                const r = i * sh - ph + ki * dh;
                const col = j * sw - pw + kj * dw;
                if (r < 0 || r >= H || col < 0 || col >= W) continue;
                const t = x[((n * C + ci) * H + r) * W + col]! * w[((o * C + ci) * KH + ki) * KW + kj]!;
                acc += t;
                abs += Math.abs(t);
              }
            }
          }
          y.push(acc);
          absSum.push(abs);
        }
      }
    }
  }
  return { y, absSum, shape: [N, O, OH, OW] };
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 3, 7, 6], w: [4, 3, 3, 3], bias: true, s: [2, 2], p: [1, 1], d: [1, 1] },
  { x: [2, 2, 8, 7], w: [3, 2, 3, 3], bias: false, s: [1, 1], p: [1, 1], d: [2, 2] },
  { x: [3, 3, 9, 7], w: [2, 3, 3, 2], bias: true, s: [2, 1], p: [1, 2], d: [2, 1] },
  { x: [2, 4, 10, 9], w: [5, 4, 2, 3], bias: true, s: [2, 2], p: [1, 1], d: [2, 2] },
];

const convName = (c: ConvCase) =>
  `x=[${c.x}] w=[${c.w}]${c.bias ? ` b=[${c.w[0]}]` : ''} s=[${c.s}] p=[${c.p}] d=[${c.d}]`;

describe('conv2d forward against a direct convolution loop', () => {
  it('conv2d x=[1,1,4,4] w=[1,1,2,2] s=2: hand values', () => {
    const x = tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
    const y = conv2d(x, ones([1, 1, 2, 2]), null, { stride: 2 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    // windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}
    expect(values(y)).toEqual([10, 18, 42, 50]);
  });

  it('conv2d x=[1,1,3,3] w=[1,1,3,3] p=1 b=[1]: hand values at the zero-padded border', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const w = tensor([0, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]); // centre + bottom-right tap
    const y = conv2d(x, w, tensor([10], [1]), { padding: 1 });
    // y[i,j] = 10 + x[i,j] + x[i+1,j+1] (0 outside)
    expect(values(y)).toEqual([16, 18, 13, 22, 24, 16, 17, 18, 19]);
  });

  it('conv2dReluMaxPool x=[1,1,4,4] w=[1,1,3,3] p=1 b=[-10], k=2: hand values, the max of each window after the ReLU', () => {
    // conv with a 3×3 kernel of ones and padding 1: the sum of each 3×3 neighbourhood, minus 10
    const x = tensor([1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5], [1, 1, 4, 4]);
    const w = tensor(new Array(9).fill(1), [1, 1, 3, 3]);
    // neighbourhood sums: row 0 [10 10 6 0], row 1 [10 10 6 0], row 2 [7 7 9 5], row 3 [0 0 5 5]; minus 10 → relu
    expect(values(conv2dReluMaxPool(x, w, tensor([-10], [1]), { padding: 1 }, { kernelSize: 2 }))).toEqual([0, 0, 0, 0]);
    expect(values(conv2dReluMaxPool(x, w, tensor([-6], [1]), { padding: 1 }, { kernelSize: 2 }))).toEqual([4, 0, 1, 3]);
  });
  it('conv2dRelu x=[1,1,3,3] w=[1,1,3,3] p=1 b=[-10]: hand values, negatives clipped to 0', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    const w = tensor([0, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]);
    // −10 + x[i,j] + x[i+1,j+1] = [−4, −2, −7, 2, 4, −4, −3, −2, −1] before the ReLU
    expect(values(conv2dRelu(x, w, tensor([-10], [1]), { padding: 1 }))).toEqual([0, 0, 0, 2, 4, 0, 0, 0, 0]);
  });

  for (const c of CONV_CASES) {
    it(`conv2d ${convName(c)} integer data: exact`, () => {
      const g = new Generator(c.x.reduce((a, b) => a * 31 + b, 7));
      const xd = ints(c.x.reduce((a, b) => a * b), g);
      const wd = ints(c.w.reduce((a, b) => a * b), g);
      const bd = c.bias ? ints(c.w[0], g) : null;
      const want = naiveConv2d(xd, wd, bd, c);
      const y = conv2d(tensor(xd, c.x), tensor(wd, c.w), bd ? tensor(bd, [c.w[0]]) : null, { stride: c.s, padding: c.p, dilation: c.d });
      expect(y.shape).toEqual(want.shape);
      expect(values(y)).toEqual(want.y);
    });

    it(`conv2d ${convName(c)} normal data: within (K+1)·u·Σ|x·w| of float64`, () => {
      const g = new Generator(c.w.reduce((a, b) => a * 37 + b, 3));
      const xd = f32normals(c.x.reduce((a, b) => a * b), g);
      const wd = f32normals(c.w.reduce((a, b) => a * b), g);
      const bd = c.bias ? f32normals(c.w[0], g) : null;
      const want = naiveConv2d(xd, wd, bd, c);
      const got = values(conv2d(tensor(xd, c.x), tensor(wd, c.w), bd ? tensor(bd, [c.w[0]]) : null, { stride: c.s, padding: c.p, dilation: c.d }));
      const K = c.w[1] * c.w[2] * c.w[3] + 1;
      got.forEach((v, i) => {
        // + one rounding of the float32 result itself
        const bound = (K + 1) * U32 * want.absSum[i]! + U32 * Math.abs(want.y[i]!);
        expect(Math.abs(v - want.y[i]!), `output ${i}: ${v} vs ${want.y[i]}`).toBeLessThanOrEqual(bound);
      });
    });
  }
});

describe('conv1d forward: the lecture example', () => {
  const signal = [0, 0, 1, 1, 1, 0, 0];
  // y[i] = −x[i] + x[i+1] − x[i+2]
  it('conv1d x=[1,1,7] w=[1,1,3] filter [-1,1,-1] no padding -> [-1,0,-1,0,-1]', () => {
    const y = conv1d(tensor(signal, [1, 1, 7]), tensor([-1, 1, -1], [1, 1, 3]));
    expect(y.shape).toEqual([1, 1, 5]);
    expect(values(y)).toEqual([-1, 0, -1, 0, -1]);
  });
  it('conv1d x=[1,1,7] w=[1,1,3] filter [-1,1,-1] p=1 -> [0,-1,0,-1,0,-1,0]', () => {
    const y = conv1d(tensor(signal, [1, 1, 7]), tensor([-1, 1, -1], [1, 1, 3]), null, { padding: 1 });
    expect(y.shape).toEqual([1, 1, 7]);
    expect(values(y)).toEqual([0, -1, 0, -1, 0, -1, 0]);
  });
  it('relu(conv1d) x=[1,1,7] filter [-1,1,-1], with and without p=1: all zero', () => {
    const w = tensor([-1, 1, -1], [1, 1, 3]);
    expect(values(relu(conv1d(tensor(signal, [1, 1, 7]), w)))).toEqual([0, 0, 0, 0, 0]);
    expect(values(relu(conv1d(tensor(signal, [1, 1, 7]), w, null, { padding: 1 })))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
  it('relu(conv1d) x=[1,1,7] filter [1,-1,1] p=1 -> [0,1,0,1,0,1,0]', () => {
    const y = relu(conv1d(tensor(signal, [1, 1, 7]), tensor([1, -1, 1], [1, 1, 3]), null, { padding: 1 }));
    expect(values(y)).toEqual([0, 1, 0, 1, 0, 1, 0]);
  });
  it('conv1d x=[2,2,6] w=[3,2,2] b=[3] s=2 d=2 integer data matches the direct loop', () => {
    const g = new Generator(5);
    const xd = ints(24, g);
    const wd = ints(12, g);
    const bd = ints(3, g);
    const want = naiveConv2d(xd, wd, bd, { x: [2, 2, 1, 6], w: [3, 2, 1, 2], bias: true, s: [1, 2], p: [0, 0], d: [1, 2] });
    const y = conv1d(tensor(xd, [2, 2, 6]), tensor(wd, [3, 2, 2]), tensor(bd, [3]), { stride: 2, dilation: 2 });
    expect(y.shape).toEqual([2, 3, 2]);
    expect(values(y)).toEqual(want.y);
  });
});

describe('pooling forward: hand values', () => {
  const grid = [
    1, 5, 2, 0,
    3, 4, 8, 6,
    7, 0, 1, 2,
    9, 3, 4, 5,
  ];
  it('maxPool2d x=[1,1,4,4] k=2 -> [[5,8],[9,5]]', () => {
    const y = maxPool2d(tensor(grid, [1, 1, 4, 4]), { kernelSize: 2 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(values(y)).toEqual([5, 8, 9, 5]);
  });
  it('maxPool2d x=[1,1,4,4] k=3 s=1 -> [[8,8],[9,8]]', () => {
    expect(values(maxPool2d(tensor(grid, [1, 1, 4, 4]), { kernelSize: 3, stride: 1 }))).toEqual([8, 8, 9, 8]);
  });
  it('maxPool2d x=[1,1,4,4] k=3 s=2 p=1 -> [[5,8],[9,8]]', () => {
    expect(values(maxPool2d(tensor(grid, [1, 1, 4, 4]), { kernelSize: 3, stride: 2, padding: 1 }))).toEqual([5, 8, 9, 8]);
  });
  it('maxPool2d x=[1,1,4,4] all negative, k=3 s=2 p=1: padding never wins', () => {
    const y = maxPool2d(tensor(grid.map((v) => -v - 1), [1, 1, 4, 4]), { kernelSize: 3, stride: 2, padding: 1 });
    // windows: rows/cols {-1..1} -> max(-2,-6,-4,-5) = -2; {-1..1}x{1..3} -> -1; {1..3}x{-1..1} -> -1; {1..3}x{1..3} -> -1
    expect(values(y)).toEqual([-2, -1, -1, -1]);
  });
  it('maxPool2d x=[2,2,2,2] k=2: per image and channel', () => {
    const y = maxPool2d(tensor([1, 2, 3, 4, -1, -2, -3, -4, 0, 9, 0, 0, 5, 5, 6, 5], [2, 2, 2, 2]), { kernelSize: 2 });
    expect(y.shape).toEqual([2, 2, 1, 1]);
    expect(values(y)).toEqual([4, -1, 9, 6]);
  });
  it('avgPool2d x=[1,1,4,4] k=2 -> [[3.25,4],[4.75,3]]', () => {
    expect(values(avgPool2d(tensor(grid, [1, 1, 4, 4]), { kernelSize: 2 }))).toEqual([3.25, 4, 4.75, 3]);
  });
  it('avgPool2d x=[1,1,4,4] k=3 s=2 p=1: zero padding counted in the divisor 9', () => {
    const y = values(avgPool2d(tensor(grid, [1, 1, 4, 4]), { kernelSize: 3, stride: 2, padding: 1 }));
    // sums: {1,5,3,4}=13; {5,2,0,4,8,6}=25; {3,4,7,0,9,3}=26; {4,8,6,0,1,2,3,4,5}=33 — each /9
    expectClose(y, [13 / 9, 25 / 9, 26 / 9, 33 / 9], { rtol: 2 * U32, atol: 0 });
  });
});

describe('batchNorm forward: hand-computed statistics', () => {
  // x [4, 2]: channel 0 = [1, 2, 3, 6] (mean 3, Σ(x−mean)² = 14), channel 1 = [0, 0, 4, 4] (mean 2, Σ = 16)
  const xd = [1, 0, 2, 0, 3, 4, 6, 4];
  const mean = [3, 2];
  const varB = [14 / 4, 16 / 4];
  const varU = [14 / 3, 16 / 3];
  const eps = 1e-5;
  // A handful of float32 operations per element: relative error a few u.
  const tol = { rtol: 8 * U32, atol: 8 * U32 };

  it('batchNorm training x=[4,2] no affine: (x − mean) / sqrt(biased var + eps)', () => {
    const y = batchNorm(tensor(xd, [4, 2]), zeros([2]), ones([2]), null, null, { training: true, eps });
    const want = xd.map((v, i) => (v - mean[i % 2]!) / Math.sqrt(varB[i % 2]! + eps));
    expectClose(y, want, tol);
  });

  it('batchNorm training x=[4,2] weight=[2,0.5] bias=[1,-1]: affine applied after normalising', () => {
    const y = batchNorm(tensor(xd, [4, 2]), zeros([2]), ones([2]), tensor([2, 0.5], [2]), tensor([1, -1], [2]), { training: true, eps });
    const w = [2, 0.5];
    const b = [1, -1];
    const want = xd.map((v, i) => ((v - mean[i % 2]!) / Math.sqrt(varB[i % 2]! + eps)) * w[i % 2]! + b[i % 2]!);
    expectClose(y, want, tol);
  });

  it('batchNorm training x=[4,2] momentum=0.1: running stats after one step as PyTorch (unbiased var)', () => {
    const rm = zeros([2]);
    const rv = ones([2]);
    batchNorm(tensor(xd, [4, 2]), rm, rv, null, null, { training: true, momentum: 0.1, eps });
    // running_mean = 0.9·0 + 0.1·mean; running_var = 0.9·1 + 0.1·var_unbiased
    expectClose(rm, [0.3, 0.2], tol);
    expectClose(rv, [0.9 + 0.1 * varU[0]!, 0.9 + 0.1 * varU[1]!], tol);
    expectClose(rv, [0.9 + 14 / 30, 0.9 + 16 / 30], tol);
    // A second step compounds: rm = 0.9·rm + 0.1·mean.
    batchNorm(tensor(xd, [4, 2]), rm, rv, null, null, { training: true, momentum: 0.1, eps });
    expectClose(rm, [0.9 * 0.3 + 0.3, 0.9 * 0.2 + 0.2], tol);
  });

  it('batchNorm x=[1,2,2,2] spatial=4: statistics span N and spatial positions', () => {
    // channel 0 = [1, 2, 3, 6], channel 1 = [0, 0, 4, 4] laid out as [N=1, C=2, 2, 2]
    const x = tensor([1, 2, 3, 6, 0, 0, 4, 4], [1, 2, 2, 2]);
    const y = batchNorm(x, zeros([2]), ones([2]), null, null, { training: true, eps });
    const want = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + eps)).concat([0, 0, 4, 4].map((v) => (v - 2) / Math.sqrt(4 + eps)));
    expectClose(y, want, tol);
  });

  it('batchNorm eval x=[4,2] uses the running stats and leaves them unchanged', () => {
    const rm = tensor([0.3, 0.2], [2]);
    const rv = tensor([1.5, 2], [2]);
    const y = batchNorm(tensor(xd, [4, 2]), rm, rv, tensor([2, 0.5], [2]), tensor([1, -1], [2]), { training: false, eps });
    const want = xd.map((v, i) => ((v - [0.3, 0.2][i % 2]!) / Math.sqrt([1.5, 2][i % 2]! + eps)) * [2, 0.5][i % 2]! + [1, -1][i % 2]!);
    expectClose(y, want, tol);
    // unchanged bit for bit (0.3 and 0.2 as stored in float32)
    expectClose(rm, [Math.fround(0.3), Math.fround(0.2)], { rtol: 0, atol: 0 });
    expectClose(rv, [1.5, 2], { rtol: 0, atol: 0 });
  });
});

describe('crossEntropy forward: hand-computed', () => {
  // loss[r] = −x[r, t] + log Σ_c exp(x[r, c])
  const logits = [1, 2, 3, 0.5, -1, 2];
  const targets = [2, 1];
  const lse = (row: number[]) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
  const l0 = lse([1, 2, 3]) - 3;
  const l1 = lse([0.5, -1, 2]) + 1;
  // log-sum-exp over 3 terms in float32: a few u relative to the magnitudes involved
  const tol = { rtol: 16 * U32, atol: 16 * U32 };

  it('crossEntropy logits=[2,3] reduction=none', () => {
    const y = crossEntropy(tensor(logits, [2, 3]), targets, { reduction: 'none' });
    expect(y.shape).toEqual([2]);
    expectClose(y, [l0, l1], tol);
    expectClose(y, [0.40760596444438013, 3.241311296657157], { rtol: 1e-6, atol: 1e-6 });
  });
  it('crossEntropy logits=[2,3] reduction=mean and sum', () => {
    const m = crossEntropy(tensor(logits, [2, 3]), targets);
    expect(m.shape).toEqual([]);
    expectClose([m.item()], [(l0 + l1) / 2], tol);
    expectClose([crossEntropy(tensor(logits, [2, 3]), targets, { reduction: 'sum' }).item()], [l0 + l1], tol);
  });
  it('crossEntropy logits=[2,3] labelSmoothing=0.1: (1−ε)·nll + ε·mean_c(−log p_c)', () => {
    const eps = 0.1;
    const row = (r: number[], t: number) => {
      const z = lse(r);
      const logp = r.map((v) => v - z);
      return (1 - eps) * -logp[t]! + (eps / 3) * -logp.reduce((a, v) => a + v, 0);
    };
    const y = crossEntropy(tensor(logits, [2, 3]), targets, { reduction: 'none', labelSmoothing: eps });
    expectClose(y, [row([1, 2, 3], 2), row([0.5, -1, 2], 1)], tol);
  });
  it('crossEntropy logits=[2,3] mean: gradient is (softmax − onehot) / N', () => {
    const x = tensor(logits, [2, 3], { requiresGrad: true });
    crossEntropy(x, targets).backward();
    const sm = (r: number[]) => r.map((v) => Math.exp(v - Math.log(r.reduce((a, u) => a + Math.exp(u), 0))));
    const p = [...sm([1, 2, 3]), ...sm([0.5, -1, 2])];
    const want = p.map((v, i) => (v - (i === 2 || i === 4 ? 1 : 0)) / 2);
    expectClose(x.grad!, want, tol);
  });
  it('crossEntropy logits=[2,3] with |logits| = 1000 stays finite and correct', () => {
    const x = tensor([1000, 0, -1000, 1000, 1000, 0], [2, 3], { requiresGrad: true });
    const y = crossEntropy(x, [0, 2], { reduction: 'none' });
    const v = values(y);
    expect(v).toAllSatisfy(Number.isFinite);
    // row 0: log(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) = 0; row 1: 1000 + log 2 − 0. float32 spacing at 1000 is 2⁻¹⁴.
    expectClose(v, [0, 1000 + Math.LN2], { rtol: 4 * U32, atol: 4 * U32 });
    sum(y).backward();
    const g = values(x.grad!);
    expect(g).toAllSatisfy(Number.isFinite);
    expectClose(g, [0, 0, 0, 0.5, 0.5, -1], { rtol: 4 * U32, atol: 4 * U32 });
  });
  it('logSoftmax x=[1,3] = [1000, 1000, 1000] -> −log 3 each (no overflow)', () => {
    expectClose(logSoftmax(tensor([1000, 1000, 1000], [1, 3]), 1), [-Math.log(3), -Math.log(3), -Math.log(3)], { rtol: 4 * U32, atol: 0 });
  });
});

describe('matmul forward: hand values', () => {
  it('matmul a=[2,2] b=[2,2] -> [[19,22],[43,50]]', () => {
    const y = matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2]));
    expect(y.shape).toEqual([2, 2]);
    expect(values(y)).toEqual([19, 22, 43, 50]);
  });
  it('matmul a=[2,3] b=[3,2]: non-square', () => {
    const y = matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([7, 8, 9, 10, 11, 12], [3, 2]));
    expect(values(y)).toEqual([58, 64, 139, 154]);
  });
  it('matmul a=[2,2,2] b=[2,2]: batched a, shared b', () => {
    const y = matmul(tensor([1, 2, 3, 4, 1, 0, 0, 1], [2, 2, 2]), tensor([5, 6, 7, 8], [2, 2]));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(values(y)).toEqual([19, 22, 43, 50, 5, 6, 7, 8]);
  });
  it('matmul a=[1,2,2] b=[2,2,2]: broadcast batch', () => {
    const y = matmul(tensor([1, 2, 3, 4], [1, 2, 2]), tensor([5, 6, 7, 8, 1, 0, 0, 1], [2, 2, 2]));
    expect(y.shape).toEqual([2, 2, 2]);
    expect(values(y)).toEqual([19, 22, 43, 50, 1, 2, 3, 4]);
  });
  it('matmul a=[3] b=[3] -> 32 with shape []', () => {
    const y = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(32);
  });
  it('matmul a=[2,3] b=[3] -> [2]; a=[2] b=[2,3] -> [3]', () => {
    const y1 = matmul(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 0, -1]));
    expect(y1.shape).toEqual([2]);
    expect(values(y1)).toEqual([-2, -2]);
    const y2 = matmul(tensor([1, -1]), tensor([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(y2.shape).toEqual([3]);
    expect(values(y2)).toEqual([-3, -3, -3]);
  });
});

describe('softmax forward', () => {
  it('softmax x=[4,7] dim=1: rows are positive and sum to 1 within 8·u', () => {
    const g = new Generator(3);
    const x = tensor(Array.from({ length: 28 }, () => 3 * g.normal()), [4, 7]);
    const y = softmax(x, 1);
    expect(values(y)).toAllSatisfy((v) => v > 0 && v <= 1);
    // each probability carries a few u of relative error; 7 terms summed
    expectClose(sum(y, 1), [1, 1, 1, 1], { rtol: 0, atol: 4 * 7 * U32 });
  });
  it('softmax x=[4,7] dim=0: columns sum to 1', () => {
    const g = new Generator(4);
    const y = softmax(tensor(Array.from({ length: 28 }, () => g.normal()), [4, 7]), 0);
    expectClose(sum(y, 0), new Array(7).fill(1), { rtol: 0, atol: 4 * 4 * U32 });
  });
  it('softmax x=[1,3] = [1, 2, 3]: hand values', () => {
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expectClose(softmax(tensor([1, 2, 3], [1, 3]), 1), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z], { rtol: 8 * U32, atol: 0 });
  });
  it('softmax x=[2] = [1000, 1000] -> [0.5, 0.5] (no overflow)', () => {
    expect(values(softmax(tensor([1000, 1000], [2]), 0))).toEqual([0.5, 0.5]);
  });
});

describe('layout and dropout forward', () => {
  it('permute x=[2,3] dims=[1,0] is the transpose', () => {
    expect(values(permute(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]))).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it('pad x=[2,2] padding=[1,0,0,1] value=9', () => {
    const y = pad(tensor([1, 2, 3, 4], [2, 2]), [1, 0, 0, 1], 9);
    expect(y.shape).toEqual([3, 3]);
    expect(values(y)).toEqual([9, 1, 2, 9, 3, 4, 9, 9, 9]);
  });
  it('slice x=[3,3] starts=[1,0] sizes=[2,2]', () => {
    expect(values(slice(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]), [1, 0], [2, 2]))).toEqual([4, 5, 7, 8]);
  });
  it('concat [1,2]+[1,2] dim=1 -> [1,4]', () => {
    expect(values(concat([tensor([1, 2], [1, 2]), tensor([3, 4], [1, 2])], 1))).toEqual([1, 2, 3, 4]);
  });
  it('dropout x=[1000] p=0.25 training: elements are 0 or x/(1−p), and the same Generator seed gives the same mask', () => {
    const x = ones([1000]);
    const a = values(dropout(x, 0.25, true, new Generator(9)));
    const b = values(dropout(x, 0.25, true, new Generator(9)));
    expect(a).toEqual(b);
    expect(a).toAllSatisfy((v) => v === 0 || Math.abs(v - 4 / 3) <= U32 * 2);
    const zerosCount = a.filter((v) => v === 0).length;
    // Binomial(1000, 0.25): mean 250, sd ≈ 13.7; ±6 sd
    expect(zerosCount).toBeGreaterThan(250 - 82);
    expect(zerosCount).toBeLessThan(250 + 82);
  });
  it('dropout x=[10] p=0.5 eval: identity', () => {
    const x = tensor(Array.from({ length: 10 }, (_, i) => i));
    expect(values(dropout(x, 0.5, false))).toEqual(values(x));
  });
  it('all forward tests ran on the float32 reference backend', () => {
    expect(getBackend().name).toBe('ref-float32');
    tidy(() => undefined);
  });
});

describe('gradients at non-differentiable points (documented conventions, hand values)', () => {
  const grad = (x: Tensor, f: (t: Tensor) => Tensor): number[] => {
    tidy(() => sum(f(x)).backward());
    return values(x.grad!);
  };
  it('relu x=[3] = [0,-1,1]: subgradient 0 at 0 (PyTorch)', () => {
    expect(grad(tensor([0, -1, 1], [3], { requiresGrad: true }), relu)).toEqual([0, 0, 1]);
  });
  it('abs x=[3] = [0,-1,1]: subgradient 0 at 0', () => {
    expect(grad(tensor([0, -1, 1], [3], { requiresGrad: true }), abs)).toEqual([0, -1, 1]);
  });
  it('max x=[3] = [1,3,3]: the gradient is shared evenly between tied maxima (amax)', () => {
    expect(grad(tensor([1, 3, 3], [3], { requiresGrad: true }), (t) => max(t))).toEqual([0, 0.5, 0.5]);
  });
  it('maxPool2d x=[1,1,2,2] all equal, k=2: the whole gradient goes to the first maximum', () => {
    expect(grad(tensor([1, 1, 1, 1], [1, 1, 2, 2], { requiresGrad: true }), (t) => maxPool2d(t, { kernelSize: 2 }))).toEqual([1, 0, 0, 0]);
  });
  it('maxPool2d x=[1,1,4,4] k=3 s=1: an element that is the max of several windows collects every window\'s gradient', () => {
    // grid max 9 at (3,0) wins windows (1,0); 8 at (1,2) wins windows (0,0), (0,1), (1,1)
    const x = tensor([1, 5, 2, 0, 3, 4, 8, 6, 7, 0, 1, 2, 9, 3, 4, 5], [1, 1, 4, 4], { requiresGrad: true });
    const g = grad(x, (t) => maxPool2d(t, { kernelSize: 3, stride: 1 }));
    const want = new Array(16).fill(0);
    want[6] = 3;
    want[12] = 1;
    expect(g).toEqual(want);
  });
  it('clamp x=[4] = [-1,0,0.5,1] to [0,0.5]: gradient 1 inside and on the bounds, 0 outside', () => {
    expect(grad(tensor([-1, 0, 0.5, 1], [4], { requiresGrad: true }), (t) => clamp(t, 0, 0.5))).toEqual([0, 1, 1, 0]);
  });
});

/** out[idx] from an operand of `shape` read at the broadcast multi-index `idx` of outShape (independent of src/shape.ts). */
function readBroadcast(data: number[], shape: number[], outShape: number[], flat: number): number {
  const idx: number[] = [];
  let r = flat;
  for (let d = outShape.length - 1; d >= 0; d--) {
    idx.unshift(r % outShape[d]!);
    r = Math.floor(r / outShape[d]!);
  }
  let off = 0;
  const lead = outShape.length - shape.length;
  for (let d = 0; d < shape.length; d++) off = off * shape[d]! + (shape[d] === 1 ? 0 : idx[lead + d]!);
  return data[off]!;
}

describe('elementwise, broadcasting and reductions forward', () => {
  const g = new Generator(77);
  const A = Array.from({ length: 8 }, () => Math.fround(0.5 + g.nextFloat())); // [2,1,4], positive
  const B = Array.from({ length: 3 }, () => Math.fround(0.5 + g.nextFloat())); // [3,1]
  const out = [2, 3, 4];
  const cases: Array<[string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number]> = [
    ['add', add, (x, y) => x + y],
    ['sub', sub, (x, y) => x - y],
    ['mul', mul, (x, y) => x * y],
    ['div', div, (x, y) => x / y],
    ['pow', pow, (x, y) => x ** y],
  ];
  for (const [name, op, f] of cases) {
    it(`${name} a=[2,1,4] b=[3,1] -> [2,3,4]: every element from its broadcast indices, within 4·u`, () => {
      const y = op(tensor(A, [2, 1, 4]), tensor(B, [3, 1]));
      expect(y.shape).toEqual(out);
      const want = Array.from({ length: 24 }, (_, i) => f(readBroadcast(A, [2, 1, 4], out, i), readBroadcast(B, [3, 1], out, i)));
      // one correctly rounded op (pow: a few ulp in libm)
      expectClose(y, want, { rtol: 4 * U32, atol: 0 });
    });
  }
  it('unary ops x=[7] on [-2,-1,-0.5,0,0.5,1,2] against Math.*', () => {
    const xs = [-2, -1, -0.5, 0, 0.5, 1, 2];
    const x = tensor(xs, [7]);
    const tol = { rtol: 4 * U32, atol: 4 * U32 };
    expect(values(neg(x))).toEqual(xs.map((v) => -v)); // IEEE: −0 for 0, as PyTorch
    expectClose(exp(x), xs.map(Math.exp), tol);
    expectClose(tanh(x), xs.map(Math.tanh), tol);
    expectClose(sigmoid(x), xs.map((v) => 1 / (1 + Math.exp(-v))), tol);
    expect(values(relu(x))).toEqual([0, 0, 0, 0, 0.5, 1, 2]);
    expect(values(abs(x))).toEqual([2, 1, 0.5, 0, 0.5, 1, 2]);
    const p = tensor([0.25, 1, 4, 9], [4]);
    expectClose(log(p), [Math.log(0.25), 0, Math.log(4), Math.log(9)], tol);
    expect(values(sqrt(p))).toEqual([0.5, 1, 2, 3]);
  });
  it('erf x=[9]: 0 and -0 kept, odd, A&S Table 7.1 values, ±1 at ±6 and ±∞, NaN kept', () => {
    // erf(0.5), erf(1), erf(2) to 10 digits from Abramowitz & Stegun, Table 7.1.
    const y = values(erf(tensor([0, -0, 0.5, -1, 2, 6, -Infinity, Infinity, NaN], [9])));
    // toBe compares with Object.is: 0 and -0 differ.
    expect(y[0]).toBe(0);
    expect(y[1]).toBe(-0);
    // float32 (this backend): the inputs are exact, so half an ulp of the result and the table's 5e-11.
    expectClose(y.slice(2, 5), [0.5204998778, -0.8427007929, 0.9953222650], { rtol: 2 ** -24, atol: 5e-11 });
    expect(y.slice(5, 8)).toEqual([1, -1, 1]);
    expect(y[8]).toBeNaN();
  });
  it('sigmoid x=[2] = [-100, 100] saturates to [0, 1] without NaN', () => {
    const y = values(sigmoid(tensor([-100, 100], [2])));
    expect(y[0]).toBeGreaterThanOrEqual(0);
    expect(y[0]).toBeLessThan(1e-40);
    expect(y[1]).toBe(1);
  });
  it('sum, mean, max x=[2,3,4] = arange(24) over each dim set', () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(sum(x).item()).toBe(276);
    expect(values(sum(x, 0))).toEqual(Array.from({ length: 12 }, (_, i) => 2 * i + 12));
    expect(values(sum(x, 1))).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(values(sum(x, [0, 2]))).toEqual([60, 92, 124]);
    expect(sum(x, -1, { keepdim: true }).shape).toEqual([2, 3, 1]);
    expect(values(sum(x, -1))).toEqual([6, 22, 38, 54, 70, 86]);
    expect(values(mean(x, [1, 2]))).toEqual([5.5, 17.5]);
    expect(values(max(x, 1))).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(max(x).item()).toBe(23);
    expect(values(max(tensor([3, -1, 7, -9], [2, 2]), 1))).toEqual([3, 7]);
  });
  it('broadcastTo x=[3,1] -> [2,3,2] and where cond=[3] a=[2,1] b=0', () => {
    expect(values(broadcastTo(tensor([1, 2, 3], [3, 1]), [2, 3, 2]))).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
    expect(values(where(tensor([1, 0, 1], [3]), tensor([5, 6], [2, 1]), 0))).toEqual([5, 0, 5, 6, 0, 6]);
    expect(values(greater(tensor([1, 2, 3], [3]), 2))).toEqual([0, 0, 1]);
    expect(values(equal(tensor([1, 2, 3], [3]), 2))).toEqual([0, 1, 0]);
  });
  it('logSoftmax x=[2,3] dim=1: x − log Σ exp(x) per row', () => {
    const rows = [[1, 2, 3], [-1, 0, 5]];
    const want = rows.flatMap((r) => {
      const l = Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
      return r.map((v) => v - l);
    });
    expectClose(logSoftmax(tensor(rows.flat(), [2, 3]), 1), want, { rtol: 8 * U32, atol: 8 * U32 });
  });
});

describe('dropout mask: the counter-based hash of Backend.dropoutMask', () => {
  /** lowbias32 as specified in backend.ts, written out independently. */
  function lowbias32(x: number): number {
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    return x >>> 0;
  }
  it('dropoutMask size=1000 p=0.3 seed=123456789: element i is 0 iff u_i < p, else 1/(1−p)', () => {
    const seed = 123456789;
    const p = 0.3;
    const got = Array.from(getBackend().read(getBackend().dropoutMask(1000, p, seed)));
    const want = Array.from({ length: 1000 }, (_, i) => {
      const u = (lowbias32((seed + Math.imul(i, 0x9e3779b9)) >>> 0) >>> 8) * 2 ** -24;
      return u < p ? 0 : Math.fround(1 / (1 - p));
    });
    expect(got).toEqual(want);
  });
  it('dropout x=[4,5] p=1 training: all zeros', () => {
    expect(values(dropout(ones([4, 5]), 1, true))).toEqual(new Array(20).fill(0));
  });
});

describe('norm and gather edge cases', () => {
  it('norm x=[3] of zeros: value 0 and gradient 0 (not 0/0), as in PyTorch', () => {
    const x = zeros([3], { requiresGrad: true });
    const n = norm(x);
    expect(n.item()).toBe(0);
    n.backward();
    expect(values(x.grad!)).toEqual([0, 0, 0]);
  });
  it('gather x=[2,3] with ±Infinity and NaN in places not picked: the picked values are exact', () => {
    const x = tensor([Infinity, 2, NaN, -3, -Infinity, 5], [2, 3]);
    expect(values(gather(x, 1, tensor([1, 0], [2, 1])))).toEqual([2, -3]);
    expect(values(gather(x, 1, tensor([0, 1], [2, 1])))).toEqual([Infinity, -Infinity]);
  });
  it('gather x=[3] dim=0 with a repeated index: the gradient adds up', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    sum(gather(x, 0, tensor([2, 2, 0, 2], [4]))).backward();
    expect(values(x.grad!)).toEqual([1, 0, 3]);
  });
});

describe('dropout2d: whole channels', () => {
  it('dropout2d x=[4,8,3,3] p=0.5 training: each channel is all 0 or all 2·x, the mask is the dropout kernel on [N·C]', () => {
    const x = tensor(Array.from({ length: 4 * 8 * 9 }, (_, i) => 1 + (i % 5)), [4, 8, 3, 3]);
    const y = values(dropout2d(x, 0.5, true, new Generator(9)));
    const mask = Array.from(getBackend().read(getBackend().dropoutMask(32, 0.5, new Generator(9).nextU32())));
    const xs = values(x);
    for (let ch = 0; ch < 32; ch++) for (let k = 0; k < 9; k++) expect(y[ch * 9 + k]).toBe(xs[ch * 9 + k]! * mask[ch]!);
    expect(mask.some((m) => m === 0) && mask.some((m) => m === 2)).toBe(true);
  });
  it('dropout2d eval and p=0: identity; p=1: zeros', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    expect(values(dropout2d(x, 0.5, false))).toEqual([1, 2, 3, 4]);
    expect(values(dropout2d(x, 0, true))).toEqual([1, 2, 3, 4]);
    expect(values(dropout2d(x, 1, true))).toEqual([0, 0, 0, 0]);
  });
});
