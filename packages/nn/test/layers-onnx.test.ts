import { manualSeed } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, Conv2d, Dropout2d, ELU, GELU, LayerNorm, LeakyReLU, LogSoftmax, type Module, Sequential, Softmax, Softplus, toOnnx,
} from '../src/index.js';
import { maxAbsDiff, ortRun, ourRun } from './onnx/helpers.js';

// The layers of issue 11 behind a Conv2d, exported with toOnnx: a layer whose ops the exporter
// knows runs under onnxruntime-node with tapegrad's outputs; one whose op it does not know fails
// with an error naming that op and the module ('1'), never with a wrong graph or another error.
const LAYERS: Array<[string, () => Module]> = [
  ['LeakyReLU(0.2)', () => new LeakyReLU(0.2)],
  ['GELU()', () => new GELU()],
  ["GELU('tanh')", () => new GELU('tanh')],
  ['ELU(0.5)', () => new ELU(0.5)],
  ['Softplus(2, 10)', () => new Softplus(2, 10)],
  ['Softmax(1)', () => new Softmax(1)],
  ['LogSoftmax(1)', () => new LogSoftmax(1)],
  ['LayerNorm([4, 5])', () => new LayerNorm([4, 5])],
  ['AdaptiveAvgPool2d(1)', () => new AdaptiveAvgPool2d(1)],
  ['AdaptiveAvgPool2d([2, 3])', () => new AdaptiveAvgPool2d([2, 3])],
  ['Dropout2d(0.5)', () => new Dropout2d(0.5)],
];

describe('toOnnx on the new layers: same outputs under onnxruntime, or an error naming the op', () => {
  for (const [name, make] of LAYERS) {
    it(`Sequential([Conv2d(3,3,1), ${name}]) x=[2,3,4,5]`, async () => {
      manualSeed(0);
      const model = new Sequential([new Conv2d(3, 3, 1), make()]);
      const shape = [2, 3, 4, 5];
      const x = Float32Array.from({ length: 120 }, (_, i) => 3 * Math.sin(0.7 * i));
      let bytes: Uint8Array;
      try {
        bytes = toOnnx(model, { inputShape: [1, 3, 4, 5] });
      } catch (e) {
        expect((e as Error).message).toMatch(/^toOnnx: op \w+ \(in module '1'\) has no ONNX counterpart in the exporter/);
        return;
      }
      // float32 on both sides, reductions over at most 20 terms of |x| ≲ 10.
      expect(maxAbsDiff(ourRun(model, x, shape), await ortRun(bytes, x, shape))).toBeLessThanOrEqual(1e-5);
    });
  }
});
