import {
  add,
  avgPool2d,
  conv1d,
  conv2d,
  flatten,
  linear,
  manualSeed,
  maxPool2d,
  mul,
  randn,
  sum,
  type Tensor,
  tensor,
  tidy,
} from '@tapegrad/autograd';
import { expectClose } from '@tapegrad/autograd/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d } from '../src/layers/batch-norm.js';
import { Conv1d, Conv2d } from '../src/layers/conv.js';
import { Linear } from '../src/layers/linear.js';
import { Residual } from '../src/layers/residual.js';
import { Sequential } from '../src/layers/sequential.js';
import { AvgPool2d, MaxPool2d } from '../src/layers/pool.js';
import { Dropout, Flatten, ReLU, Sigmoid, Tanh } from '../src/layers/simple.js';
import { Module } from '../src/module.js';

// The default backend is the float32 reference backend. U is float32's unit roundoff: one
// rounding of a value v is off by at most |v|·U; a dot product of length k by about k·U·Σ|terms|.
const U = 2 ** -24;

const vals = (t: Tensor): number[] => Array.from(t.toFloat32Array());
const f32 = (xs: number[]): number[] => xs.map(Math.fround);

/** Sets a module's parameters/buffers by name (non-strict loadStateDict). */
function setState(m: Module, entries: Record<string, { shape: number[]; data: number[] }>): void {
  m.loadStateDict(entries, { strict: false });
}

/** Direct-loop 2-D cross-correlation, the textbook definition, for hand-checkable references. */
function convRef(
  x: number[], [n, c, h, w]: number[], wt: number[], [o, , kh, kw]: number[], b: number[] | null,
  s: number, p: number, d: number,
): { y: number[]; oh: number; ow: number } {
  const oh = Math.floor((h + 2 * p - d * (kh - 1) - 1) / s) + 1;
  const ow = Math.floor((w + 2 * p - d * (kw - 1) - 1) / s) + 1;
  const y: number[] = [];
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < o; oi++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = b ? b[oi]! : 0;
          for (let ci = 0; ci < c; ci++)
            for (let a = 0; a < kh; a++)
              for (let e = 0; e < kw; e++) {
                const r = i * s + a * d - p;
                const q = j * s + e * d - p;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                acc += x[((ni * c + ci) * h + r) * w + q]! * wt[((oi * c + ci) * kh + a) * kw + e]!;
              }
          y.push(acc);
        }
  return { y, oh, ow };
}

beforeEach(() => manualSeed(0));

describe('Linear', () => {
  it('Linear(2,3) x=[2,2]: hand-computed y = x·Wᵀ + b, equal to linear()', () => {
    const m = new Linear(2, 3);
    setState(m, { weight: { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }, bias: { shape: [3], data: [0.5, -1, 2] } });
    const x = tensor([1, -1, 2, 0.5], [2, 2]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 3]);
    // row 0: [1-2+0.5, 3-4-1, 5-6+2]; row 1: [2+1+0.5, 6+2-1, 10+3+2] (all exact in float32)
    expect(vals(y)).toEqual([-0.5, -2, 1, 3.5, 7, 15]);
    expect(vals(y)).toEqual(vals(linear(x, m.weight, m.bias)));
  });

  it('Linear(5,4) x=[3,5] random: forward equals linear(x, weight, bias) bit for bit; bias=false has no bias', () => {
    const m = new Linear(5, 4);
    const x = randn([3, 5]);
    expect(vals(m.forward(x))).toEqual(vals(linear(x, m.weight, m.bias)));
    const nb = new Linear(5, 4, { bias: false });
    expect(nb.bias).toBeNull();
    expect(nb.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(vals(nb.forward(x))).toEqual(vals(linear(x, nb.weight)));
  });

  it('Linear(3,2) x=[4,3] backward with upstream g=[4,2]: dW = gᵀx, db = Σ_rows g, dx = g·W', () => {
    const m = new Linear(3, 2);
    const W = [0.5, -1, 2, 1.5, 0.25, -0.75];
    setState(m, { weight: { shape: [2, 3], data: W }, bias: { shape: [2], data: [0.1, -0.2] } });
    const xd = [1, 2, 3, -1, 0.5, 2, 0, -2, 1, 4, 1, -3];
    const gd = [1, -1, 2, 0.5, -0.5, 3, 0.25, 1];
    const x = tensor(xd, [4, 3], { requiresGrad: true });
    m.forward(x).backward(tensor(gd, [4, 2]));
    const dW: number[] = [];
    for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) {
      let s = 0;
      for (let n = 0; n < 4; n++) s += gd[n * 2 + o]! * xd[n * 3 + i]!;
      dW.push(s);
    }
    const db = [0, 1].map((o) => [0, 1, 2, 3].reduce((s, n) => s + gd[n * 2 + o]!, 0));
    const dx: number[] = [];
    for (let n = 0; n < 4; n++) for (let i = 0; i < 3; i++) dx.push(gd[n * 2]! * W[i]! + gd[n * 2 + 1]! * W[3 + i]!);
    // Every product and partial sum here is a short dyadic fraction: exact in float32.
    expect(vals(m.weight.grad!)).toEqual(dW);
    expect(vals(m.bias!.grad!)).toEqual(db);
    expect(vals(x.grad!)).toEqual(dx);
  });
});

describe('Conv2d', () => {
  const cases = [
    { s: 1, p: 0, d: 1, bias: true },
    { s: 2, p: 1, d: 1, bias: true },
    { s: 1, p: 2, d: 2, bias: false },
    { s: 2, p: 0, d: 2, bias: true },
  ];
  for (const { s, p, d, bias } of cases) {
    it(`Conv2d(3,4,3) x=[2,3,7,7] s=${s} p=${p} d=${d} bias=${bias}: equals conv2d() and a direct loop`, () => {
      const m = new Conv2d(3, 4, 3, { stride: s, padding: p, dilation: d, bias });
      expect(m.bias === null).toBe(!bias);
      const x = randn([2, 3, 7, 7]);
      const y = m.forward(x);
      expect(vals(y)).toEqual(vals(conv2d(x, m.weight, m.bias, { stride: s, padding: p, dilation: d })));
      const ref = convRef(vals(x), [2, 3, 7, 7], vals(m.weight), [4, 3, 3, 3], bias ? vals(m.bias!) : null, s, p, d);
      expect(y.shape).toEqual([2, 4, ref.oh, ref.ow]);
      // 27 products accumulated in float32, |x| ~ N(0,1), |w| ≤ 1/√27: error ≤ 28·U·Σ|terms| ≤ 28·U·27·4.
      expectClose(y.toFloat32Array(), ref.y, { atol: 28 * U * 27 * 4, rtol: 0 });
    });
  }

  it('Conv2d(1,1,2) x=[1,1,3,3]=0..8, w=[[1,0],[0,-1]], b=0.5: every output is x[i][j]-x[i+1][j+1]+0.5 = -3.5', () => {
    const m = new Conv2d(1, 1, 2);
    setState(m, { weight: { shape: [1, 1, 2, 2], data: [1, 0, 0, -1] }, bias: { shape: [1], data: [0.5] } });
    const y = m.forward(tensor([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 3, 3]));
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(vals(y)).toEqual([-3.5, -3.5, -3.5, -3.5]);
  });

  it('Conv2d(1,1,2) x=[1,1,3,3] backward with g=1: dW[a][b] = Σ_ij x[i+a][j+b], db = 4', () => {
    const m = new Conv2d(1, 1, 2);
    const xd = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    m.forward(tensor(xd, [1, 1, 3, 3])).backward(tensor([1, 1, 1, 1], [1, 1, 2, 2]));
    // dW[0][0] = 0+1+3+4 = 8, dW[0][1] = 1+2+4+5 = 12, dW[1][0] = 3+4+6+7 = 20, dW[1][1] = 4+5+7+8 = 24
    expect(vals(m.weight.grad!)).toEqual([8, 12, 20, 24]);
    expect(vals(m.bias!.grad!)).toEqual([4]);
  });

  it('Conv2d(2,3,3) x=[2,2,5,5] s=2 p=1 backward with g=1: dW equals the direct-loop sum of the input windows', () => {
    const m = new Conv2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = randn([2, 2, 5, 5]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    y.backward(tensor(new Array(54).fill(1), [2, 3, 3, 3]));
    const xd = vals(x);
    // With g = 1 every output channel's dW[o][c][a][b] = Σ_{n,i,j} x[n][c][2i+a-1][2j+b-1] (zero outside).
    const perChannel: number[] = [];
    for (let c = 0; c < 2; c++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
      let sAcc = 0;
      for (let n = 0; n < 2; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
        const r = 2 * i + a - 1;
        const q = 2 * j + b - 1;
        if (r >= 0 && r < 5 && q >= 0 && q < 5) sAcc += xd[((n * 2 + c) * 5 + r) * 5 + q]!;
      }
      perChannel.push(sAcc);
    }
    const dW = [...perChannel, ...perChannel, ...perChannel];
    // 18 terms of |x| ~ N(0,1) summed in float32.
    expectClose(m.weight.grad!.toFloat32Array(), dW, { atol: 19 * U * 18 * 5, rtol: 0 });
    expect(vals(m.bias!.grad!)).toEqual([18, 18, 18]);
  });
});

describe('Conv1d', () => {
  it('Conv1d(1,1,3,bias=false) x=[0,0,1,1,1,0,0] w=[-1,1,-1]: the lecture example gives [-1,0,-1,0,-1]', () => {
    const m = new Conv1d(1, 1, 3, { bias: false });
    setState(m, { weight: { shape: [1, 1, 3], data: [-1, 1, -1] } });
    const y = m.forward(tensor([0, 0, 1, 1, 1, 0, 0], [1, 1, 7]));
    expect(y.shape).toEqual([1, 1, 5]);
    expect(vals(y)).toEqual([-1, 0, -1, 0, -1]);
  });

  it('Conv1d(2,3,3) x=[2,2,9] s=2 p=1 d=2: equals conv1d() bit for bit; weight [3,2,3], bias [3]', () => {
    const m = new Conv1d(2, 3, 3, { stride: 2, padding: 1, dilation: 2 });
    expect(m.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['weight', [3, 2, 3]], ['bias', [3]]]);
    const x = randn([2, 2, 9]);
    const y = m.forward(x);
    // L_out = ⌊(9 + 2 − 2·2 − 1)/2⌋ + 1 = 4
    expect(y.shape).toEqual([2, 3, 4]);
    expect(vals(y)).toEqual(vals(conv1d(x, m.weight, m.bias, { stride: 2, padding: 1, dilation: 2 })));
  });
});

describe('pools, activations, Flatten', () => {
  const x16 = [1, 5, 2, 0, -3, 4, 8, 1, 0, 0, -1, -2, 9, 2, 3, 7];

  it('MaxPool2d(2) x=[1,1,4,4]: hand-computed window maxima [5,8,9,7]; equals maxPool2d()', () => {
    const x = tensor(x16, [1, 1, 4, 4]);
    const y = new MaxPool2d(2).forward(x);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(vals(y)).toEqual([5, 8, 9, 7]);
    const z = randn([2, 3, 6, 6]);
    expect(vals(new MaxPool2d(3, { stride: 1, padding: 1 }).forward(z))).toEqual(vals(maxPool2d(z, { kernelSize: 3, stride: 1, padding: 1 })));
  });

  it('AvgPool2d(2) x=[1,1,4,4]: hand-computed window means [7/4,15/4,11/4,7/4]; equals avgPool2d()', () => {
    const x = tensor(x16, [1, 1, 4, 4]);
    const y = new AvgPool2d(2).forward(x);
    // (1+5-3+4)/4, (2+0+8+1)/4, (0+0+9+2)/4, (-1-2+3+7)/4
    expect(vals(y)).toEqual([7 / 4, 11 / 4, 11 / 4, 7 / 4]);
    const z = randn([2, 3, 6, 6]);
    expect(vals(new AvgPool2d(3, { stride: 2, padding: 1 }).forward(z))).toEqual(vals(avgPool2d(z, { kernelSize: 3, stride: 2, padding: 1 })));
  });

  it('MaxPool2d(2) backward x=[1,1,4,4], g=1: gradient 1 at each window argmax, 0 elsewhere', () => {
    const x = tensor(x16, [1, 1, 4, 4], { requiresGrad: true });
    new MaxPool2d(2).forward(x).backward(tensor([1, 1, 1, 1], [1, 1, 2, 2]));
    expect(vals(x.grad!)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
  });

  it('ReLU, Sigmoid, Tanh on x=[-2,-0.5,0,0.5,3]: hand values within float32 rounding', () => {
    const xs = [-2, -0.5, 0, 0.5, 3];
    const x = tensor(xs, [5]);
    expect(vals(new ReLU().forward(x))).toEqual([0, 0, 0, 0.5, 3]);
    const sig = vals(new Sigmoid().forward(x));
    expect(sig[2]).toBe(0.5);
    // exp and a division, each correctly rounded or nearly so in float32 (a few U relative).
    expectClose(sig, xs.map((v) => 1 / (1 + Math.exp(-v))), { rtol: 8 * U, atol: 0 });
    const th = vals(new Tanh().forward(x));
    expect(th[2]).toBe(0);
    expectClose(th, xs.map(Math.tanh), { rtol: 8 * U, atol: 0 });
  });

  it('Flatten x=[2,3,4,5]: default → [2,60], Flatten(0) → [120], Flatten(1,2) → [2,12,5], values unchanged', () => {
    const x = randn([2, 3, 4, 5]);
    const a = new Flatten().forward(x);
    expect(a.shape).toEqual([2, 60]);
    expect(vals(a)).toEqual(vals(x));
    expect(vals(a)).toEqual(vals(flatten(x)));
    expect(new Flatten(0).forward(x).shape).toEqual([120]);
    expect(new Flatten(1, 2).forward(x).shape).toEqual([2, 12, 5]);
  });
});

describe('parameter names and shapes (as torch.nn)', () => {
  const shapes = (m: Module) => m.namedParameters().map(([n, t]) => [n, [...t.shape]]);

  it('Linear(784,30): weight [30,784], bias [30]; Conv2d(1,16,3): weight [16,1,3,3], bias [16]; Conv2d(3,8,[3,5]): weight [8,3,3,5]', () => {
    expect(shapes(new Linear(784, 30))).toEqual([['weight', [30, 784]], ['bias', [30]]]);
    expect(shapes(new Conv2d(1, 16, 3))).toEqual([['weight', [16, 1, 3, 3]], ['bias', [16]]]);
    expect(shapes(new Conv2d(3, 8, [3, 5]))).toEqual([['weight', [8, 3, 3, 5]], ['bias', [8]]]);
  });

  it('BatchNorm2d(4): parameters weight/bias [4] (ones/zeros), buffers running_mean/running_var [4] (zeros/ones), num_batches_tracked [] (0, int64)', () => {
    const bn = new BatchNorm2d(4);
    expect(shapes(bn)).toEqual([['weight', [4]], ['bias', [4]]]);
    expect(bn.namedBuffers().map(([n, t]) => [n, [...t.shape]])).toEqual([['running_mean', [4]], ['running_var', [4]], ['num_batches_tracked', []]]);
    expect([...bn.stateDict().keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect([...bn.stateDictDtypes()]).toEqual([['weight', 'float32'], ['bias', 'float32'], ['running_mean', 'float32'], ['running_var', 'float32'], ['num_batches_tracked', 'int64']]);
    expect(vals(bn.numBatchesTracked)).toEqual([0]);
    expect(vals(bn.weight!)).toEqual([1, 1, 1, 1]);
    expect(vals(bn.bias!)).toEqual([0, 0, 0, 0]);
    expect(vals(bn.runningMean)).toEqual([0, 0, 0, 0]);
    expect(vals(bn.runningVar)).toEqual([1, 1, 1, 1]);
    expect(bn.parameterCount()).toBe(8);
  });

  it("Sequential([Conv2d, ReLU, Linear]) names children '0','1','2'; Sequential({conv1, fc}) by keys", () => {
    const s = new Sequential([new Conv2d(1, 2, 3), new ReLU(), new Linear(4, 5)]);
    expect(s.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.namedModules().map(([n]) => n)).toEqual(['', '0', '1', '2']);
    const k = new Sequential({ conv1: new Conv2d(1, 2, 3), relu1: new ReLU(), fc: new Linear(4, 5) });
    expect(k.namedParameters().map(([n]) => n)).toEqual(['conv1.weight', 'conv1.bias', 'fc.weight', 'fc.bias']);
    expect(k.getSubmodule('fc')).toBeInstanceOf(Linear);
  });

  it("nested: Residual(Sequential([Conv2d(2,4,3,p=1), BatchNorm2d(4)])) with projection → 'body.0.weight', 'body.1.running_var', 'projection.weight'", () => {
    const r = Residual.withProjection(new Sequential([new Conv2d(2, 4, 3, { padding: 1 }), new BatchNorm2d(4)]), 2, 4);
    expect([...r.stateDict().keys()]).toEqual([
      'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias', 'projection.weight', 'body.1.running_mean', 'body.1.running_var', 'body.1.num_batches_tracked',
    ]);
    expect(r.stateDict().get('projection.weight')!.shape).toEqual([4, 2, 1, 1]);
    const outer = new Sequential({ block: r, head: new Linear(4, 2) });
    expect(outer.namedParameters().map(([n]) => n)).toContain('block.body.0.weight');
  });

  it('parameterCount: Conv2d(1,20,5) = 20·25 + 20 = 520; Linear(784,30) = 784·30 + 30 = 23550', () => {
    expect(new Conv2d(1, 20, 5).parameterCount()).toBe(520);
    expect(new Linear(784, 30).parameterCount()).toBe(23550);
  });
});

describe('default init U(-1/√fan_in, 1/√fan_in)', () => {
  // |w| ≤ bound up to one float32 rounding of the stored value.
  const within = (t: Tensor, bound: number) => Math.max(...vals(t).map(Math.abs)) <= bound * (1 + U);

  it('Linear(784,30) (fan_in 784), Conv2d(16,32,3) (fan_in 144), Conv1d(4,8,5) (fan_in 20): weight and bias within ±1/√fan_in', () => {
    const lin = new Linear(784, 30);
    expect(within(lin.weight, 1 / 28)).toBe(true);
    expect(within(lin.bias!, 1 / 28)).toBe(true);
    const conv = new Conv2d(16, 32, 3);
    expect(within(conv.weight, 1 / 12)).toBe(true);
    expect(within(conv.bias!, 1 / 12)).toBe(true);
    const c1 = new Conv1d(4, 8, 5);
    expect(within(c1.weight, 1 / Math.sqrt(20))).toBe(true);
    // The bound is used, not something much smaller: the largest |w| of 23520 uniforms is within 1e-3 of it
    // (P(max < (1−1e-3)·bound) = (1−1e-3)^23520 ≈ e^-23.5).
    expect(Math.max(...vals(lin.weight).map(Math.abs))).toBeGreaterThan((1 / 28) * (1 - 1e-3));
  });

  it('Linear(784,30) weight (n=23520): mean ≈ 0 and std ≈ bound/√3 within 5 standard errors', () => {
    const w = vals(new Linear(784, 30).weight);
    const n = w.length;
    const bound = 1 / 28;
    const sigma = bound / Math.sqrt(3);
    const mean = w.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    // SE(mean) = σ/√n. For a uniform, Var(s²) ≈ σ⁴(κ − 1)/n with kurtosis κ = 9/5, so SE(s)/σ ≈ √(0.2/n).
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(n));
    expect(Math.abs(std / sigma - 1)).toBeLessThan(5 * Math.sqrt(0.2 / n));
  });
});

describe('train()/eval()', () => {
  it('Dropout(p=0.3) x=ones[100,100]: eval is the identity; train zeroes ≈ 30% (5σ) and scales the rest by 1/0.7', () => {
    const d = new Dropout(0.3);
    const x = tensor(new Float32Array(10000).fill(1), [100, 100]);
    d.eval();
    expect(vals(d.forward(x))).toEqual(vals(x));
    d.train();
    const y = vals(d.forward(x));
    const zeros = y.filter((v) => v === 0).length;
    const n = y.length;
    expect(Math.abs(zeros / n - 0.3)).toBeLessThan(5 * Math.sqrt((0.3 * 0.7) / n));
    const kept = y.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
    // A second call draws a fresh mask.
    expect(vals(d.forward(x))).not.toEqual(y);
  });

  it('Sequential.train(false) / eval() reaches every descendant; train() turns them back on', () => {
    const s = new Sequential([new Linear(2, 2), new Sequential([new Dropout(0.5), new BatchNorm1d(2)])]);
    s.eval();
    expect(s.namedModules()).toAllSatisfy(([, m]) => !m.training);
    s.train();
    expect(s.namedModules()).toAllSatisfy(([, m]) => m.training);
  });

  it('BatchNorm2d(2) x=[2,2,1,2]: train normalises with batch stats and updates running stats by the PyTorch rule; eval uses running stats', () => {
    const bn = new BatchNorm2d(2);
    setState(bn, { weight: { shape: [2], data: [2, 0.5] }, bias: { shape: [2], data: [1, -1] } });
    // channel 0 values: 1, 3, 5, 7; channel 1 values: -2, 0, 2, 8
    const xd = [1, 3, -2, 0, 5, 7, 2, 8];
    const x = tensor(xd, [2, 2, 1, 2]);
    const ch = [[1, 3, 5, 7], [-2, 0, 2, 8]];
    const w = [2, 0.5];
    const b = [1, -1];
    const eps = 1e-5;
    const stats = ch.map((v) => {
      const mean = v.reduce((a, c) => a + c, 0) / v.length;
      const ss = v.reduce((a, c) => a + (c - mean) ** 2, 0);
      return { mean, biased: ss / v.length, unbiased: ss / (v.length - 1) };
    });
    const yTrain = vals(bn.forward(x));
    const expectTrain = xd.map((v, i) => {
      const c = Math.floor(i / 2) % 2;
      return ((v - stats[c]!.mean) / Math.sqrt(stats[c]!.biased + eps)) * w[c]! + b[c]!;
    });
    // mean, variance, rsqrt and the affine map: a handful of float32 roundings of values ≲ 10.
    expectClose(yTrain, expectTrain, { atol: 64 * U * 10, rtol: 0 });
    // running_mean = 0.9·0 + 0.1·mean; running_var = 0.9·1 + 0.1·unbiased_var
    const rm1 = stats.map((s) => 0.9 * 0 + 0.1 * s.mean);
    const rv1 = stats.map((s) => 0.9 * 1 + 0.1 * s.unbiased);
    expectClose(bn.runningMean.toFloat32Array(), rm1, { atol: 16 * U * 10, rtol: 0 });
    expectClose(bn.runningVar.toFloat32Array(), rv1, { atol: 16 * U * 20, rtol: 0 });
    // A second training step on 2x: the rule compounds.
    bn.forward(tensor(xd.map((v) => 2 * v), [2, 2, 1, 2]));
    const rm2 = stats.map((s, c) => 0.9 * rm1[c]! + 0.1 * 2 * s.mean);
    const rv2 = stats.map((s, c) => 0.9 * rv1[c]! + 0.1 * 4 * s.unbiased);
    expectClose(bn.runningMean.toFloat32Array(), rm2, { atol: 32 * U * 10, rtol: 0 });
    expectClose(bn.runningVar.toFloat32Array(), rv2, { atol: 32 * U * 80, rtol: 0 });
    // eval: y = (x − running_mean)/√(running_var + eps)·w + b, and the running stats stay put.
    bn.eval();
    const yEval = vals(bn.forward(x));
    const expectEval = xd.map((v, i) => {
      const c = Math.floor(i / 2) % 2;
      return ((v - rm2[c]!) / Math.sqrt(rv2[c]! + eps)) * w[c]! + b[c]!;
    });
    expectClose(yEval, expectEval, { atol: 64 * U * 10, rtol: 0 });
    expectClose(bn.runningMean.toFloat32Array(), rm2, { atol: 32 * U * 10, rtol: 0 });
    // The two modes really differ on this input.
    expect(Math.max(...yEval.map((v, i) => Math.abs(v - yTrain[i]!)))).toBeGreaterThan(0.5);
  });

  it('BatchNorm1d(3) x=[4,3]: running stats follow rm = 0.9·rm + 0.1·mean, rv = 0.9·rv + 0.1·unbiased var per feature', () => {
    const bn = new BatchNorm1d(3);
    const xd = [1, -1, 0.5, 2, 0, 1.5, 3, 4, -0.5, 6, 1, 2.5];
    bn.forward(tensor(xd, [4, 3]));
    const col = (j: number) => [0, 1, 2, 3].map((i) => xd[i * 3 + j]!);
    const rm: number[] = [];
    const rv: number[] = [];
    for (let j = 0; j < 3; j++) {
      const v = col(j);
      const m = v.reduce((a, c) => a + c, 0) / 4;
      rm.push(0.1 * m);
      rv.push(0.9 + (0.1 * v.reduce((a, c) => a + (c - m) ** 2, 0)) / 3);
    }
    expectClose(bn.runningMean.toFloat32Array(), rm, { atol: 16 * U * 10, rtol: 0 });
    expectClose(bn.runningVar.toFloat32Array(), rv, { atol: 16 * U * 20, rtol: 0 });
  });

  it('BatchNorm1d(3) num_batches_tracked counts training forwards only (3 train, 2 eval → 3); momentum null averages all batches: rm = mean of the 3 batch means', () => {
    const bn = new BatchNorm1d(3, { momentum: null });
    const batches = [[1, 2, 3, 3, 4, 5], [0, 0, 6, 2, 2, 0], [5, -1, 1, 7, 1, 1]];
    for (const b of batches) bn.train().forward(tensor(b, [2, 3]));
    bn.eval().forward(tensor(batches[0]!, [2, 3]));
    bn.eval().forward(tensor(batches[1]!, [2, 3]));
    expect(vals(bn.numBatchesTracked)).toEqual([3]);
    // Cumulative average: batch k has weight 1/k, so after 3 batches rm is their plain mean (from rm = 0).
    const means = batches.map((b) => [0, 1, 2].map((c) => (b[c]! + b[c + 3]!) / 2));
    expectClose(bn.runningMean, [0, 1, 2].map((c) => (means[0]![c]! + means[1]![c]! + means[2]![c]!) / 3), { rtol: 4 * U, atol: 0 });
    const bn01 = new BatchNorm1d(3);
    bn01.forward(tensor(batches[0]!, [2, 3]));
    expect(vals(bn01.numBatchesTracked)).toEqual([1]);
  });

  it('BatchNorm options are checked: unknown option, momentum outside [0, 1], negative eps', () => {
    expect(() => new BatchNorm2d(2, { trackRunningStats: false } as object)).toThrow(/BatchNorm2d: unknown option 'trackRunningStats' \(supported: eps, momentum, affine\)/);
    expect(() => new BatchNorm1d(2, { momentum: 1.5 })).toThrow(/BatchNorm1d: momentum must be a number in \[0, 1\] or null, got number 1.5/);
    expect(() => new BatchNorm1d(2, { eps: -1 })).toThrow(/BatchNorm1d: eps must be a non-negative finite number, got number -1/);
  });

  it('BatchNorm2d(2) x=[2,2,2,2] backward with g: dbias = Σg, dweight = Σ g·x̂ per channel', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([2, 2, 2, 2]);
    const g = randn([2, 2, 2, 2]);
    bn.forward(x).backward(g);
    const xd = vals(x);
    const gd = vals(g);
    const db = [0, 0];
    const dw = [0, 0];
    for (let c = 0; c < 2; c++) {
      const idx = [0, 1].flatMap((n) => [0, 1, 2, 3].map((k) => (n * 2 + c) * 4 + k));
      const mean = idx.reduce((a, i) => a + xd[i]!, 0) / 8;
      const v = idx.reduce((a, i) => a + (xd[i]! - mean) ** 2, 0) / 8;
      for (const i of idx) {
        db[c] += gd[i]!;
        dw[c] += (gd[i]! * (xd[i]! - mean)) / Math.sqrt(v + 1e-5);
      }
    }
    expectClose(bn.bias!.grad!.toFloat32Array(), db, { atol: 9 * U * 8 * 4, rtol: 0 });
    expectClose(bn.weight!.grad!.toFloat32Array(), dw, { atol: 64 * U * 8 * 16, rtol: 0 });
  });
});

describe('Residual', () => {
  it('Residual(Conv2d(2,2,3,p=1)) x=[1,2,5,5]: identity shortcut gives f(x) + x', () => {
    const body = new Conv2d(2, 2, 3, { padding: 1 });
    const r = new Residual(body);
    expect(r.projection).toBeNull();
    const x = randn([1, 2, 5, 5]);
    const y = r.forward(x);
    expect(vals(y)).toEqual(vals(add(conv2d(x, body.weight, body.bias, { padding: 1 }), x)));
  });

  it('Residual.withProjection(Conv2d(2,4,3,p=1), 2, 4) x=[1,2,5,5]: shortcut is a 1×1 conv without bias, y = f(x) + conv2d(x, Wp)', () => {
    const body = new Conv2d(2, 4, 3, { padding: 1 });
    const r = Residual.withProjection(body, 2, 4);
    const proj = r.projection as Conv2d;
    expect(proj).toBeInstanceOf(Conv2d);
    expect(proj.weight.shape).toEqual([4, 2, 1, 1]);
    expect(proj.bias).toBeNull();
    const x = randn([1, 2, 5, 5]);
    const y = r.forward(x);
    expect(y.shape).toEqual([1, 4, 5, 5]);
    expect(vals(y)).toEqual(vals(add(conv2d(x, body.weight, body.bias, { padding: 1 }), conv2d(x, proj.weight))));
    // Same channels and stride 1: no projection.
    expect(Residual.withProjection(new Conv2d(2, 2, 3, { padding: 1 }), 2, 2).projection).toBeNull();
    // Stride 2: a strided projection.
    const strided = Residual.withProjection(new Conv2d(2, 2, 3, { padding: 1, stride: 2 }), 2, 2, 2);
    expect(strided.forward(x).shape).toEqual([1, 2, 3, 3]);
  });

  it('Residual(Conv2d(2,4,3,p=1)) without projection x=[1,2,5,5]: error names both shapes and the fix', () => {
    const r = new Residual(new Conv2d(2, 4, 3, { padding: 1 }));
    expect(() => r.forward(randn([1, 2, 5, 5]))).toThrow(/Residual: body output \[1,4,5,5\] and shortcut \[1,2,5,5\] differ.*projection/);
  });

  it('Residual(Linear(3,3)) x=[2,3] backward: gradient of x is g·W + g (shortcut adds the identity)', () => {
    const lin = new Linear(3, 3);
    const W = [1, 0.5, 0, -1, 2, 0.25, 0, 0, 1];
    setState(lin, { weight: { shape: [3, 3], data: W } });
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const gd = [1, -1, 0.5, 2, 0, -0.5];
    new Residual(lin).forward(x).backward(tensor(gd, [2, 3]));
    const dx: number[] = [];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 3; i++) {
      let s = gd[n * 3 + i]!;
      for (let o = 0; o < 3; o++) s += gd[n * 3 + o]! * W[o * 3 + i]!;
      dx.push(s);
    }
    expect(vals(x.grad!)).toEqual(dx);
  });
});

describe('Module', () => {
  it('forward hook on child 0 of Sequential([Linear(2,2), ReLU]) fires with (module, input, output); the remover detaches it', () => {
    const lin = new Linear(2, 2);
    const s = new Sequential([lin, new ReLU()]);
    const calls: Array<{ m: Module; inShape: readonly number[]; out: number[] }> = [];
    const remove = lin.registerForwardHook((m, input, output) => calls.push({ m, inShape: input.shape, out: vals(output) }));
    const x = tensor([1, 2, 3, 4], [2, 2]);
    s.forward(x);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.m).toBe(lin);
    expect(calls[0]!.inShape).toEqual([2, 2]);
    expect(calls[0]!.out).toEqual(vals(linear(x, lin.weight, lin.bias)));
    // A hook on the container sees the container's output.
    const outer: number[][] = [];
    const removeOuter = s.registerForwardHook((_m, _i, o) => outer.push(vals(o)));
    const y = vals(s.forward(x));
    expect(calls).toHaveLength(2);
    expect(outer).toEqual([y]);
    remove();
    removeOuter();
    s.forward(x);
    expect(calls).toHaveLength(2);
    expect(outer).toHaveLength(1);
  });

  it('loadStateDict into Linear(3,2): missing, unexpected and mis-shaped entries are errors naming keys and shapes; nothing is written', () => {
    const m = new Linear(3, 2);
    const before = vals(m.weight);
    const w = { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };
    expect(() => m.loadStateDict({ weight: w })).toThrow(/missing keys: bias/);
    expect(() => m.loadStateDict({ weight: w, bias: { shape: [2], data: [0, 0] }, extra: { shape: [1], data: [0] } })).toThrow(/unexpected keys: extra/);
    expect(() => m.loadStateDict({ weight: { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }, bias: { shape: [2], data: [0, 0] } })).toThrow(
      /weight has shape \[3,2\] in the state dict but \[2,3\] in the model/,
    );
    expect(() => m.loadStateDict({ weight: { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }, other: { shape: [1], data: [0] } }, { source: 'w.safetensors' })).toThrow(
      /loadStateDict \(w\.safetensors\): missing keys: bias; unexpected keys: other; weight has shape \[3,2\]/,
    );
    // A record whose data does not fill its shape would be copied partially.
    expect(() => m.loadStateDict({ weight: { shape: [2, 3], data: [1, 2, 3] }, bias: { shape: [2], data: [0, 0] } })).toThrow(
      /weight has 3 values in the state dict but shape \[2,3\] needs 6/,
    );
    expect(vals(m.weight)).toEqual(before);
    // strict: false tolerates missing/unexpected, never a shape mismatch.
    m.loadStateDict({ weight: w, extra: { shape: [1], data: [0] } }, { strict: false });
    expect(vals(m.weight)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => m.loadStateDict({ bias: { shape: [3], data: [0, 0, 0] } }, { strict: false })).toThrow(/bias has shape \[3\]/);
  });

  it('loadStateDict copies from Tensors too, and round-trips stateDict() of Sequential([Conv2d(1,2,3), BatchNorm2d(2)])', () => {
    const a = new Sequential([new Conv2d(1, 2, 3), new BatchNorm2d(2)]);
    a.forward(randn([2, 1, 5, 5])); // move the running stats away from their defaults
    const b = new Sequential([new Conv2d(1, 2, 3), new BatchNorm2d(2)]);
    b.loadStateDict(a.stateDict());
    for (const [k, t] of a.stateDict()) expect(vals(b.stateDict().get(k)!), k).toEqual(vals(t));
  });

  it("loadStateDict loads PyTorch's num_batches_tracked, nested ('1.num_batches_tracked') and top-level; a state dict without it (older tapegrad files) loads it as 0", () => {
    const s = new Sequential([new Conv2d(1, 2, 3), new BatchNorm2d(2)]);
    const st: Record<string, { shape: number[]; data: number[] }> = {};
    for (const [k, t] of s.stateDict()) st[k] = { shape: [...t.shape], data: vals(t) };
    s.loadStateDict({ ...st, '1.num_batches_tracked': { shape: [], data: [7] } });
    expect(vals((s.getSubmodule('1') as BatchNorm2d).numBatchesTracked)).toEqual([7]);
    const { ['1.num_batches_tracked']: _, ...older } = st;
    s.loadStateDict(older);
    expect(vals((s.getSubmodule('1') as BatchNorm2d).numBatchesTracked)).toEqual([0]);
    // Other keys stay required.
    const { ['1.running_var']: __, ...noVar } = st;
    expect(() => s.loadStateDict(noVar)).toThrow(/missing keys: 1\.running_var$/);
    const bn = new BatchNorm2d(2);
    const bst = {
      weight: { shape: [2], data: [1, 2] },
      bias: { shape: [2], data: [0, 1] },
      running_mean: { shape: [2], data: [0.5, 0.25] },
      running_var: { shape: [2], data: [2, 3] },
      num_batches_tracked: { shape: [], data: [7.9] },
    };
    bn.loadStateDict(bst);
    expect(vals(bn.runningVar)).toEqual([2, 3]);
    // An int64 buffer takes a float value truncated toward zero, as torch's copy_ does.
    expect(vals(bn.numBatchesTracked)).toEqual([7]);
    expect(() => bn.loadStateDict({ ...bst, num_batches_tracked: { shape: [1], data: [7] } })).toThrow(/num_batches_tracked has shape \[1\] in the state dict but \[\] in the model/);
  });

  it('a PyTorch num_batches_tracked for a batch norm that keeps none is ignored; any other unexpected counter is an error', () => {
    class NoCounter extends Module {
      constructor() {
        super();
        this.registerBuffer('running_mean', tensor([0, 0], [2]));
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new NoCounter();
    m.loadStateDict({ running_mean: { shape: [2], data: [1, 2] }, num_batches_tracked: { shape: [], data: [3] } });
    expect(vals(m.stateDict().get('running_mean')!)).toEqual([1, 2]);
    expect(() => new Linear(2, 2).loadStateDict({ ...Object.fromEntries(new Linear(2, 2).stateDict()), num_batches_tracked: { shape: [], data: [3] } })).toThrow(/unexpected keys: num_batches_tracked/);
  });

  it('zeroGrad on Sequential([Linear(3,2), ReLU, Linear(2,1)]) after backward: every grad goes back to null', () => {
    const s = new Sequential([new Linear(3, 2), new ReLU(), new Linear(2, 1)]);
    tidy(() => sum(mul(s.forward(randn([4, 3])), 1)).backward());
    expect(s.parameters()).toAllSatisfy((p) => p.grad !== null);
    s.zeroGrad();
    expect(s.parameters()).toAllSatisfy((p) => p.grad === null);
    expect(s.parameters()).toAllSatisfy((p) => p.requiresGrad);
  });
});
