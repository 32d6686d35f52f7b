import * as autograd from '@tapegrad/autograd';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as nn from '../../src/index.js';
import { loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { readmeBlock, runReadmeBlock } from '../readme-snippet.js';
import { maxAbsDiff, withData } from './helpers.js';

// The README's "## ONNX" block, read from README.md and run as written on real test images.
describe('README: ONNX', () => {
  withData.it('the block runs as written: onnxruntime-node gives the imported model\'s logits (≤ 1e-4) and the parameter names it prints', async () => {
    const n = 20;
    const { images } = loadFashionMnist({ split: 'test', limit: n });
    const printed: string[] = [];
    const r = await runReadmeBlock(
      readmeBlock('## ONNX'),
      { '@tapegrad/autograd': autograd, '@tapegrad/nn': nn, 'onnxruntime-node': ort },
      { images, n, console: { log: (s: unknown) => printed.push(String(s)) } },
      ['model', 'bytes', 'ortLogits', 'ours', 'imported'],
    ) as { model: nn.Module; bytes: Uint8Array; ortLogits: Float32Array; ours: Float32Array; imported: nn.Module };
    expect(printed).toEqual(['0.weight 0.bias 2.weight 2.bias 6.weight 6.bias']);
    expect(r.ortLogits.length).toBe(n * 10);
    expect(maxAbsDiff(r.ortLogits, r.ours)).toBeLessThanOrEqual(1e-4);
    const direct = autograd.noGrad(() => r.model.eval().forward(autograd.tensor(images, [n, 1, 28, 28])).toFloat32Array());
    expect(maxAbsDiff(direct, r.ours)).toBeLessThanOrEqual(1e-6);
    r.imported.dispose();
  });
});
