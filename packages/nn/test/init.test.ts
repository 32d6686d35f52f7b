import { Generator, mul, sum, tensor, zeros } from '@tapegrad/autograd';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  calculateFanInAndFanOut,
  calculateGain,
  clipGradNorm_,
  constant_,
  kaimingNormal_,
  kaimingUniform_,
  type Nonlinearity,
  ones_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from '../src/index.js';

// Exact values printed by test/torch/init_reference.py (torch 1.13) into test/torch/init_reference.json.
const REF = JSON.parse(readFileSync(new URL('./torch/init_reference.json', import.meta.url), 'utf8')) as {
  gain: Record<string, number>;
  'gain_leaky_0.2': number;
  fans: Array<[number[], [number, number]]>;
  clip: Record<string, { total: number; a: number[]; b: number[] }>;
};

function moments(xs: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let v = 0;
  let a = 0;
  for (const x of xs) {
    v += (x - m) ** 2;
    a = Math.max(a, Math.abs(x));
  }
  return { mean: m, variance: v / xs.length, maxAbs: a };
}

describe('nn init (torch.nn.init formulas)', () => {
  it('calculateGain and calculateFanInAndFanOut equal torch exactly', () => {
    for (const [k, v] of Object.entries(REF.gain)) expect(calculateGain(k as Nonlinearity)).toBe(v);
    expect(calculateGain('leaky_relu', 0.2)).toBe(REF['gain_leaky_0.2']);
    for (const [shape, [fi, fo]] of REF.fans) expect(calculateFanInAndFanOut(zeros(shape))).toEqual({ fanIn: fi, fanOut: fo });
    expect(() => calculateFanInAndFanOut(zeros([3]))).toThrow(/calculateFanInAndFanOut: .*fewer than 2 dimensions, got shape \[3\]/);
    expect(() => calculateGain('swish' as Nonlinearity)).toThrow(/calculateGain: unsupported nonlinearity string "swish"/);
  });

  // 64·288 = 18432 samples: the sample variance of U(−b, b) (variance b²/3) has relative standard
  // error ≈ √(0.8/n) ≈ 0.0066 and that of a normal √(2/n) ≈ 0.010; 5 % is > 4.5 standard errors.
  const shape = [64, 32, 3, 3]; // fan_in 288, fan_out 576
  it('kaimingUniform_ (a 0, fan_in, leaky_relu): every value within b = √2·√(3/288), max near b, variance b²/3', () => {
    const w = zeros(shape);
    kaimingUniform_(w, { generator: new Generator(1) });
    const b = calculateGain('leaky_relu', 0) * Math.sqrt(3 / 288);
    const s = moments(w.toFloat32Array());
    expect(s.maxAbs).toBeLessThanOrEqual(Math.fround(b));
    expect(s.maxAbs).toBeGreaterThan(0.99 * b);
    expect(Math.abs(s.mean)).toBeLessThan(0.05 * b);
    expect(Math.abs(s.variance / (b * b / 3) - 1)).toBeLessThan(0.05);
  });
  it('kaimingNormal_ fan_out relu: std √2/√576; xavierNormal_ std √(2/864); xavierUniform_ gain 2 bound 2·√(6/864)', () => {
    const w = zeros(shape);
    kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu', generator: new Generator(2) });
    expect(Math.abs(moments(w.toFloat32Array()).variance / (2 / 576) - 1)).toBeLessThan(0.05);
    xavierNormal_(w, { generator: new Generator(3) });
    expect(Math.abs(moments(w.toFloat32Array()).variance / (2 / 864) - 1)).toBeLessThan(0.05);
    xavierUniform_(w, { gain: 2, generator: new Generator(4) });
    const s = moments(w.toFloat32Array());
    const b = 2 * Math.sqrt(6 / 864);
    expect(s.maxAbs).toBeLessThanOrEqual(Math.fround(b));
    expect(s.maxAbs).toBeGreaterThan(0.99 * b);
    expect(Math.abs(s.variance / (b * b / 3) - 1)).toBeLessThan(0.05);
  });
  it('zeros_, ones_, constant_ fill in place and return the tensor; bad arguments name the function', () => {
    const t = tensor([1, 2, 3], [3]);
    expect(zeros_(t)).toBe(t);
    expect(Array.from(t.toFloat32Array())).toEqual([0, 0, 0]);
    ones_(t);
    expect(Array.from(t.toFloat32Array())).toEqual([1, 1, 1]);
    constant_(t, 0.5);
    expect(Array.from(t.toFloat32Array())).toEqual([0.5, 0.5, 0.5]);
    expect(() => kaimingUniform_(zeros([2, 2]), { mode: 'fanIn' as never })).toThrow(/kaimingUniform_: mode must be 'fan_in' or 'fan_out', got string "fanIn"/);
    expect(() => zeros_([1] as never)).toThrow(/zeros_: t must be a Tensor, got array \[1\]/);
  });
});

describe('clipGradNorm_ (torch.nn.utils.clip_grad_norm_)', () => {
  for (const [name, maxNorm, normType] of [['l2', 5, 2], ['l1', 3, 1], ['inf', 2, Infinity], ['l3', 100, 3]] as const) {
    it(`grads [[3,-4],[1,2]] and [0.5,-12,0.25], maxNorm ${maxNorm}, normType ${normType}: total and clipped grads as torch`, () => {
      const a = zeros([2, 2], { requiresGrad: true });
      const b = zeros([3], { requiresGrad: true });
      sum(mul(a, tensor([3, -4, 1, 2], [2, 2]))).backward();
      sum(mul(b, tensor([0.5, -12, 0.25], [3]))).backward();
      const total = clipGradNorm_([a, b], maxNorm, normType);
      const ref = REF.clip[name]!;
      expect(total).toBeCloseTo(ref.total, 5);
      const close = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(4 * 2 ** -24 * Math.abs(w) + 1e-7));
      close(a.grad!.toFloat32Array(), ref.a);
      close(b.grad!.toFloat32Array(), ref.b);
    });
  }
  it('bad arguments name the function', () => {
    expect(() => clipGradNorm_([], -1)).toThrow(/clipGradNorm_: maxNorm must be a number ≥ 0, got number -1/);
    expect(() => clipGradNorm_(3 as never, 1)).toThrow(/clipGradNorm_: params must be a Tensor or an iterable of Tensors, got number 3/);
  });
});
