import { manualSeed, tensor } from '@tapegrad/autograd';
import { beforeEach, describe, expect, it } from 'vitest';
import { Conv1d, Conv2d, type Module } from '../src/index.js';
import { checkTorchLayer, readTorchCases } from './torch-layer-case.js';

// Grouped and depthwise Conv2d / Conv1d against torch 1.13: forward values, gradients and reprs
// printed by test/torch/conv_groups_reference.py into test/torch/conv_groups_reference.json
// (float32). Regenerate with: /usr/bin/python3 conv_groups_reference.py > conv_groups_reference.json
const REF = readTorchCases('conv_groups_reference');

beforeEach(() => manualSeed(0));

/**
 * Loads PyTorch's parameters into `m`, runs the case's x, backpropagates Σ y·g with g_i = cos(0.3 i)
 * as the script does, and compares repr, parameter names and shapes, y, dx and the parameter
 * gradients. Tolerance: float32 sums of ≤ 18 products (y, dx) and ≤ 60 (dw, db) of O(1) terms in
 * either library's order: a few ulps relative plus 2e-6 absolute for cancelling sums near 0.
 */
function check(name: string, m: Module, tol = { rtol: 1e-5, atol: 2e-6 }): void {
  checkTorchLayer(REF[name]!, name, m, tol);
}

describe('grouped and depthwise conv layers match torch 1.13 (repr, parameters, forward, gradients)', () => {
  it('Conv2d(4, 8, 3, {groups: 4, padding: 1}) x=[2,4,6,5] (depthwise, multiplier 2)', () => {
    check('conv2d_dw_x2', new Conv2d(4, 8, 3, { groups: 4, padding: 1 }));
  });
  it('Conv2d(6, 6, 3, {groups: 6, stride: 2, bias: false}) x=[2,6,7,7] (depthwise)', () => {
    check('conv2d_dw_s2_nobias', new Conv2d(6, 6, 3, { groups: 6, stride: 2, bias: false }));
  });
  it('Conv2d(4, 6, [3, 2], {groups: 2, dilation: [2, 1], padding: [2, 0]}) x=[1,4,7,6]', () => {
    check('conv2d_g2_dil', new Conv2d(4, 6, [3, 2], { groups: 2, dilation: [2, 1], padding: [2, 0] }));
  });
  it('Conv1d(4, 4, 3, {groups: 4, padding: 1}) x=[2,4,9] (depthwise)', () => {
    check('conv1d_dw', new Conv1d(4, 4, 3, { groups: 4, padding: 1 }));
  });
  it('Conv1d(6, 9, 2, {groups: 3, stride: 2}) x=[2,6,10]', () => {
    check('conv1d_g3_s2', new Conv1d(6, 9, 2, { groups: 3, stride: 2 }));
  });
});

describe('grouped conv layers: init and errors as torch', () => {
  it('Conv2d(8, 16, 3, {groups: 8}) draws weight [16,1,3,3] and bias from U(±1/√fan_in), fan_in = 8/8·3·3 = 9', () => {
    const m = new Conv2d(8, 16, 3, { groups: 8 });
    expect([...m.weight.shape]).toEqual([16, 1, 3, 3]);
    const w = Array.from(m.weight.toArray()).map(Math.abs);
    // 144 draws: all within 1/3; the largest above 0.9/3 unless all 144 fell short (0.9^144 ≈ 3e-7).
    // The ungrouped fan_in (72) would bound them by 0.118.
    expect(Math.max(...w)).toBeLessThanOrEqual(1 / 3);
    expect(Math.max(...w)).toBeGreaterThan(0.9 / 3);
    expect(Math.max(...Array.from(m.bias!.toArray()).map(Math.abs))).toBeLessThanOrEqual(1 / 3);
  });
  it('channels not divisible by groups are errors naming the layer, the argument and the values', () => {
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow(/^Conv2d: outChannels \(6\) must be divisible by groups \(4\)$/);
    expect(() => new Conv1d(5, 10, 3, { groups: 2 })).toThrow(/^Conv1d: inChannels \(5\) must be divisible by groups \(2\)$/);
  });
  it('a grouped layer fed the wrong channel count names the layer, inChannels, groups and the shape', () => {
    expect(() => new Conv2d(4, 8, 3, { groups: 2 }).forward(tensor(new Array(2 * 6 * 5 * 5).fill(0), [2, 6, 5, 5]))).toThrow(
      /^Conv2d.forward: expected input \[N, 4, H, W\] \(inChannels 4, groups 2\), got \[2,6,5,5\]$/,
    );
  });
});
