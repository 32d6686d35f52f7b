import { manualSeed, ones, tensor } from '@tapegrad/autograd';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, Dropout2d, ELU, GELU, LayerNorm, LeakyReLU, LogSoftmax, type Module, Softmax, Softplus,
} from '../src/index.js';
import { checkTorchLayer, readTorchCases } from './torch-layer-case.js';

// Forward values and gradients printed by test/torch/layers_reference.py (torch 1.13, float32)
// into test/torch/layers_reference.json. Regenerate with:
//   /usr/bin/python3 layers_reference.py > layers_reference.json
const REF = readTorchCases('layers_reference');

beforeEach(() => manualSeed(0));

/**
 * Runs `m` on the case's x, backpropagates Σ y·g with g_i = cos(0.3 i) as the script does, and
 * compares y, dx and every parameter's gradient with PyTorch's. Parameter names and shapes must
 * be PyTorch's, and their values are first set to PyTorch's (the script sets non-trivial affine weights). Tolerances:
 * float32 results of short reductions (≤ 60 terms), a few ulps relative plus a small absolute term
 * for values near 0 where the two libraries' roundings of cancelling sums differ.
 */
function check(name: string, m: Module, tol = { rtol: 1e-5, atol: 2e-6 }): void {
  checkTorchLayer(REF[name]!, name, m, tol);
}

describe('activation layers match torch 1.13 (x=[2,3,4,5], forward and input gradient)', () => {
  it('LeakyReLU() and LeakyReLU(0.2), including the gradient at x = 0 (negative slope, as PyTorch)', () => {
    check('leaky_relu', new LeakyReLU());
    check('leaky_relu_0.2', new LeakyReLU(0.2));
    expect(REF.leaky_relu!.x[0]).toBe(0);
  });
  it("GELU() (exact, erf) and GELU('tanh')", () => {
    check('gelu', new GELU());
    check('gelu_tanh', new GELU('tanh'));
  });
  it('ELU() and ELU(0.5)', () => {
    check('elu', new ELU());
    check('elu_0.5', new ELU(0.5));
  });
  it('Softplus() on x∈[-25,25] (past the threshold 20) and Softplus(2, 10) on x∈[-8,8]', () => {
    check('softplus', new Softplus());
    check('softplus_2_10', new Softplus(2, 10));
  });
  it('Softmax(1), Softmax(-1), LogSoftmax(1)', () => {
    check('softmax_1', new Softmax(1));
    check('softmax_-1', new Softmax(-1));
    check('log_softmax_1', new LogSoftmax(1));
  });
});

describe('LayerNorm matches torch 1.13 (forward, dx, dweight, dbias)', () => {
  it('LayerNorm(5) x=[2,3,4,5] with weight/bias set to non-trivial values', () => check('layer_norm_5', new LayerNorm(5)));
  it('LayerNorm([4,5], {eps: 1e-6, elementwiseAffine: false}) x=[2,3,4,5]: no parameters', () => {
    const m = new LayerNorm([4, 5], { eps: 1e-6, elementwiseAffine: false });
    expect(m.namedParameters()).toEqual([]);
    check('layer_norm_4_5_noaffine', m);
  });
  it('LayerNorm([3,4,5]) x=[2,3,4,5] (60-element groups)', () => check('layer_norm_3_4_5', new LayerNorm([3, 4, 5])));
  it('default parameters are ones/zeros of normalizedShape and eval mode gives the same output', () => {
    const m = new LayerNorm([2, 3]);
    expect(Array.from(m.weight!.toFloat32Array())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(m.bias!.toFloat32Array())).toEqual([0, 0, 0, 0, 0, 0]);
    const x = tensor([1, 2, 3, 4, 5, 7], [1, 2, 3]);
    expect(Array.from(m.eval().forward(x).toFloat32Array())).toEqual(Array.from(m.train().forward(x).toFloat32Array()));
  });
});

describe('AdaptiveAvgPool2d matches torch 1.13 (forward and input gradient)', () => {
  it('AdaptiveAvgPool2d(1) x=[2,3,4,5] (global average)', () => check('adaptive_avg_pool2d_1', new AdaptiveAvgPool2d(1)));
  it('AdaptiveAvgPool2d([2,3]) x=[2,3,4,5] (uneven, overlapping bins along W)', () => check('adaptive_avg_pool2d_2_3', new AdaptiveAvgPool2d([2, 3])));
  it('AdaptiveAvgPool2d([null,2]) x=[2,3,4,5] (null keeps H)', () => check('adaptive_avg_pool2d_None_2', new AdaptiveAvgPool2d([null, 2])));
  it('AdaptiveAvgPool2d(3) x=[3,7,7] (unbatched)', () => check('adaptive_avg_pool2d_3_chw', new AdaptiveAvgPool2d(3)));
});

describe('Dropout2d', () => {
  it('Dropout2d(0.5) x=ones[8,16,3,3]: eval is the identity; train zeroes whole channels, ≈ half of 128 (5σ), and scales the rest by 2', () => {
    const m = new Dropout2d();
    const x = ones([8, 16, 3, 3]);
    expect(Array.from(m.eval().forward(x).toFloat32Array())).toAllSatisfy((v) => v === 1);
    const y = m.train().forward(x).toFloat32Array();
    let dropped = 0;
    for (let ch = 0; ch < 128; ch++) {
      const vals = new Set(y.subarray(ch * 9, ch * 9 + 9));
      expect(vals.size).toBe(1);
      const [v] = [...vals];
      expect([0, 2]).toContain(v);
      if (v === 0) dropped++;
    }
    expect(Math.abs(dropped - 64)).toBeLessThan(5 * Math.sqrt(128 * 0.25));
  });
  it('Dropout2d(0.25) backward: the gradient is the same channel mask scaled by 1/0.75', () => {
    const x = tensor(Array.from({ length: 2 * 6 * 2 * 2 }, (_, i) => i + 1), [2, 6, 2, 2], { requiresGrad: true });
    const y = new Dropout2d(0.25).forward(x);
    y.backward(ones(y.shape));
    const yv = y.toFloat32Array();
    const gv = x.grad!.toFloat32Array();
    const xv = x.toFloat32Array();
    for (let i = 0; i < yv.length; i++) {
      const kept = yv[i] !== 0;
      if (kept) expect(yv[i]).toBeCloseTo(xv[i]! / 0.75, 5);
      expect(gv[i]).toBeCloseTo(kept ? 1 / 0.75 : 0, 6);
    }
    // Channels are dropped whole: the four values of a channel are all kept or all dropped.
    for (let ch = 0; ch < 12; ch++) expect(new Set(Array.from(yv.subarray(4 * ch, 4 * ch + 4), (v) => v === 0)).size).toBe(1);
  });
});

describe('new layers: argument errors name the layer, the argument and the value', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => new LeakyReLU(Number.NaN), /LeakyReLU: negativeSlope must be a finite number, got number NaN/],
    [() => new GELU('erf' as 'none'), /GELU: approximate must be 'none' or 'tanh', got "erf"/],
    [() => new ELU(Infinity), /ELU: alpha must be a finite number, got number Infinity/],
    [() => new Softplus(0), /Softplus: beta must be a positive finite number, got number 0/],
    [() => new Softplus(1, Number.NaN), /Softplus: threshold must be a number \(Infinity for none\), got number NaN/],
    [() => new (Softmax as unknown as new () => Module)(), /Softmax: dim must be an integer, got undefined/],
    [() => new LogSoftmax(1.5), /LogSoftmax: dim must be an integer, got number 1.5/],
    [() => new LayerNorm([]), /LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got array \[\]/],
    [() => new LayerNorm(4, { eps: -1 }), /LayerNorm: eps must be a non-negative finite number, got number -1/],
    [() => new LayerNorm(4, { bias: false } as object), /LayerNorm: unknown option 'bias' \(supported: eps, elementwiseAffine\)/],
    [() => new LayerNorm(4).forward(ones([2, 5])), /LayerNorm: input \[2,5\] must end with normalizedShape \[4\]/],
    [() => new AdaptiveAvgPool2d(0), /AdaptiveAvgPool2d: outputSize must be a positive integer or a pair \[OH, OW\] of positive integers or null, got number 0/],
    [() => new AdaptiveAvgPool2d([2] as unknown as [number, number]), /AdaptiveAvgPool2d: outputSize must be .*got array \[2\]/],
    [() => new Dropout2d(1.5), /Dropout2d: p must be a probability in \[0, 1\], got number 1.5/],
    [() => new Dropout2d().forward(ones([2, 3, 4])), /Dropout2d.forward: expected input \[N, C, H, W\], got \[2,3,4\]/],
  ];
  it.each(cases.map(([f, re]) => [String(re), f, re] as const))('%s', (_, f, re) => {
    expect(f).toThrow(re);
  });
});
