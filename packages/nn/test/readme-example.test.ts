import * as autograd from '@tapegrad/autograd';
import { createRefBackend, crossEntropy, memory, setBackend, tensor, tidy } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { readmeBlock, runReadmeBlock } from './readme-snippet.js';

// The README's "Using the library" block, read from README.md and run as written; only
// createWasmBackend() is handed the reference backend (nn does not depend on kernels-wasm).
describe('README example', () => {
  it('runs as written on 32 real images; 14 more steps with its model and optimizer cut the loss by a third and leak nothing', async () => {
    const { images, labels } = loadFashionMnist({ split: 'train', limit: 32 });
    const n = 32;
    const printed: string[] = [];
    const kernelsWasm = { createWasmBackend: async () => createRefBackend() };
    const { model, opt, loss } = (await runReadmeBlock(
      readmeBlock('## Using the library'),
      { '@tapegrad/autograd': autograd, '@tapegrad/nn': nn, '@tapegrad/kernels-wasm': kernelsWasm },
      { images, labels, n, console: { log: (s: unknown) => printed.push(String(s)) } },
      ['model', 'opt', 'loss'],
    )) as { model: nn.Module; opt: nn.Adam; loss: number };
    expect(printed[0]).toBe(
      'Net(\n  (conv1): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1))\n  (conv2): Conv2d(16, 16, kernel_size=(3, 3), stride=(1, 1))\n' +
        '  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n  (fc): Linear(in_features=2304, out_features=10, bias=True)\n)',
    );
    expect(model.namedParameters().map(([k]) => k)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc.weight', 'fc.bias']);
    // ln 10 ≈ 2.30 at the start.
    expect(loss).toBeGreaterThan(2.0);
    const losses = [loss];
    let live = { tensors: 0, bytes: 0 };
    for (let step = 1; step < 15; step++) {
      losses.push(
        tidy(() => {
          const l = crossEntropy(model.forward(tensor(images, [n, 1, 28, 28])), labels);
          l.backward();
          opt.step();
          opt.zeroGrad();
          return l.item();
        }),
      );
      if (step === 1) live = memory(); // after the optimizer state exists
    }
    expect(memory()).toEqual(live);
    // 15 Adam steps on the same batch must cut it by at least a third.
    expect(losses[14]!).toBeLessThan(losses[0]! * (2 / 3));
    setBackend(createRefBackend());
  });
});
