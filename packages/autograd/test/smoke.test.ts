import { describe, expect, it } from 'vitest';
import { tensor, mul, add, sum, memory, tidy, conv2d, crossEntropy, linear, relu, maxPool2d, flatten } from '../src/index.js';

describe('smoke', () => {
  it('grad of sum(x*y + x)', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const y = tensor([4, 5, 6], [3]);
    const l = sum(add(mul(x, y), x));
    l.backward();
    expect(Array.from(x.grad!.toFloat32Array())).toEqual([5, 6, 7]);
  });
  it('cnn step leaks nothing', () => {
    const w = tensor(Array.from({ length: 4 * 1 * 9 }, (_, i) => Math.sin(i)), [4, 1, 3, 3], { requiresGrad: true });
    const fw = tensor(Array.from({ length: 10 * 4 * 3 * 3 }, (_, i) => Math.cos(i) * 0.1), [10, 36], { requiresGrad: true });
    const x = tensor(Array.from({ length: 2 * 64 }, (_, i) => (i % 7) / 7), [2, 1, 8, 8]);
    const step = () => tidy(() => {
      const h = maxPool2d(relu(conv2d(x, w)), { kernelSize: 2 });
      const loss = crossEntropy(linear(flatten(h), fw), [1, 3]);
      loss.backward();
      return loss.item();
    });
    step();
    w.grad!.dispose(); w.grad = null; fw.grad!.dispose(); fw.grad = null;
    const before = memory();
    step();
    w.grad!.dispose(); w.grad = null; fw.grad!.dispose(); fw.grad = null;
    expect(memory()).toEqual(before);
  });
});
