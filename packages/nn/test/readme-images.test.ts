import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as autograd from '@tapegrad/autograd';
import { createRefBackend, Generator, setBackend } from '@tapegrad/autograd';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import * as nnNode from '../src/node.js';
import { readmeBlock, runReadmeBlock } from './readme-snippet.js';

const W = 24;
const H = 20;

/**
 * One synthetic colour image [H, W] RGBA of a class: 'circles' a reddish disc, 'squares' a greenish
 * square, 'stripes' bluish horizontal stripes, each at a random place and shade on a dark noisy
 * background, so no two images are alike.
 */
function draw(kind: 'circles' | 'squares' | 'stripes', g: Generator): Buffer {
  const png = new PNG({ width: W, height: H });
  const cx = 7 + g.uniform(0, 10);
  const cy = 6 + g.uniform(0, 8);
  const r = 4 + g.uniform(0, 2);
  const shade = 150 + g.uniform(0, 100);
  const phase = Math.floor(g.uniform(0, 4));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const noise = () => Math.max(0, Math.min(255, 30 + g.normal(0, 12)));
      let px = [noise(), noise(), noise()];
      const on = kind === 'circles' ? (x - cx) ** 2 + (y - cy) ** 2 <= r * r
        : kind === 'squares' ? Math.abs(x - cx) <= r && Math.abs(y - cy) <= r
        : (y + phase) % 4 < 2;
      if (on) px = kind === 'circles' ? [shade, 40, 40] : kind === 'squares' ? [40, shade, 60] : [50, 60, shade];
      png.data.set([...px.map(Math.round), 255], 4 * (y * W + x));
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
}

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-readme-images-'));
const cwd = process.cwd();
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('README "Train on your own images"', () => {
  it('runs as written on a folder of 3 classes × 30 synthetic colour PNGs [20, 24]: validation accuracy ≥ 0.8 (chance 1/3), the saved file holds the trained weights', async () => {
    const g = new Generator(11);
    for (const kind of ['circles', 'squares', 'stripes'] as const) {
      mkdirSync(join(dir, 'photos', kind), { recursive: true });
      for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'photos', kind, `${String(i).padStart(3, '0')}.png`), draw(kind, g));
    }
    process.chdir(dir); // the block reads 'photos' and writes 'photos-cnn.safetensors' relative to the working folder
    const printed: string[] = [];
    const kernelsWasm = { createWasmBackend: async () => createRefBackend() };
    const { data, model, history, accuracy } = (await runReadmeBlock(
      readmeBlock('## Train on your own images'),
      { '@tapegrad/autograd': autograd, '@tapegrad/nn': nn, '@tapegrad/nn/node': nnNode, '@tapegrad/kernels-wasm': kernelsWasm },
      { console: { log: (s: unknown) => printed.push(typeof s === 'string' ? s : JSON.stringify(s)) } },
      ['data', 'model', 'history', 'accuracy'],
    )) as { data: nnNode.ImageFolder; model: nn.Module; history: nn.EpochLogs[]; accuracy: number };
    expect(data.classes).toEqual(['circles', 'squares', 'stripes']);
    expect(data.shape).toEqual([3, 16, 16]);
    expect(printed[0]).toBe('["circles","squares","stripes"]');
    expect(history).toHaveLength(10);
    expect(history[9]!.trainLoss).toBeLessThan(history[0]!.trainLoss / 2);
    expect(accuracy).toBeGreaterThanOrEqual(0.8);
    expect(printed[1]).toBe(`validation accuracy ${accuracy.toFixed(3)} after 10 epochs`);
    // The file holds the trained weights under the module's (PyTorch's) names.
    const saved = nnNode.readSafetensorsFile(join(dir, 'photos-cnn.safetensors')).tensors;
    expect(Object.keys(saved).sort()).toEqual(['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'fc.bias', 'fc.weight']);
    expect(saved['fc.weight']!.shape).toEqual([3, 256]);
    expect(Array.from(saved['fc.weight']!.data)).toEqual(Array.from(model.stateDict().get('fc.weight')!.toFloat32Array()));
    setBackend(createRefBackend());
  });
});
