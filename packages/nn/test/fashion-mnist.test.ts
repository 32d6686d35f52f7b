import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { requires } from '@tapegrad/autograd/testing';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR, loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeIdx } from '../src/data/idx.js';
import { DataError } from '../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'tapegrad-fmnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeSplit(dir: string, prefix: string, nImages: number, nLabels: number, gz: boolean): void {
  mkdirSync(dir, { recursive: true });
  const img = encodeIdx([nImages, 28, 28], Uint8Array.from({ length: nImages * 784 }, (_, i) => i % 256));
  const lab = encodeIdx([nLabels], Uint8Array.from({ length: nLabels }, (_, i) => i % 10));
  const ext = gz ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), gz ? gzipSync(img) : img);
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), gz ? gzipSync(lab) : lab);
}

describe('loadFashionMnist', () => {
  requires(existsSync(join(FASHION_MNIST_SYSTEM_DIR, 't10k-images-idx3-ubyte.gz')) ? null : `no Fashion-MNIST test split in ${FASHION_MNIST_SYSTEM_DIR}`).it(
    'real test split: images [10000,1,28,28] in [0,1], labels in 0..9, every class present',
    () => {
      const { images, labels, count, files } = loadFashionMnist({ split: 'test' });
      expect(files.images).toContain(FASHION_MNIST_SYSTEM_DIR);
      expect(count).toBe(10000);
      expect(images.length).toBe(10000 * 784);
      expect(labels.length).toBe(10000);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of images) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
      const perClass = new Array(10).fill(0);
      for (const l of labels) perClass[l]++;
      expect(perClass).toEqual(new Array(10).fill(1000)); // the test split is balanced
    },
  );

  it('limit=5 on a synthetic uncompressed train split of 12 examples; dir option wins', () => {
    const dir = join(tmp, 'plain');
    writeSplit(dir, 'train', 12, 12, false);
    const { images, labels, count } = loadFashionMnist({ dir, split: 'train', limit: 5 });
    expect(count).toBe(5);
    expect(images.length).toBe(5 * 784);
    expect(Array.from(labels)).toEqual([0, 1, 2, 3, 4]);
    expect(images[255]).toBe(1);
    expect(images[1]).toBeCloseTo(1 / 255, 7);
  });

  it('FASHION_MNIST_DIR is searched; gzipped synthetic test split of 3', () => {
    const dir = join(tmp, 'env');
    writeSplit(dir, 't10k', 3, 3, true);
    const old = process.env['FASHION_MNIST_DIR'];
    process.env['FASHION_MNIST_DIR'] = dir;
    try {
      expect(loadFashionMnist({ split: 'test' }).count).toBe(3);
    } finally {
      if (old === undefined) delete process.env['FASHION_MNIST_DIR'];
      else process.env['FASHION_MNIST_DIR'] = old;
    }
  });

  it('count mismatch (4 images, 3 labels) names both files and counts', () => {
    const dir = join(tmp, 'mismatch');
    writeSplit(dir, 'train', 4, 3, true);
    expect(() => loadFashionMnist({ dir, split: 'train' })).toThrow(DataError);
    expect(() => loadFashionMnist({ dir, split: 'train' })).toThrow(
      /train-images-idx3-ubyte\.gz has 4 images but .*train-labels-idx1-ubyte\.gz has 3 labels/,
    );
  });

  it('missing data: a named directory is the only place searched, and the message says how to get the data', () => {
    const dir = join(tmp, 'does-not-exist');
    const envDir = join(tmp, 'env-without-files');
    mkdirSync(envDir, { recursive: true });
    const systemDir = join(tmp, 'no-system-dir');
    const old = process.env['FASHION_MNIST_DIR'];
    process.env['FASHION_MNIST_DIR'] = envDir;
    const messageOf = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        return (e as Error).message;
      }
      return '';
    };
    let named = '';
    let fromEnv = '';
    let fromSystem = '';
    try {
      named = messageOf(() => loadFashionMnist({ dir, split: 'train', systemDir }));
      fromEnv = messageOf(() => loadFashionMnist({ split: 'train', systemDir }));
      delete process.env['FASHION_MNIST_DIR'];
      fromSystem = messageOf(() => loadFashionMnist({ split: 'train', systemDir }));
    } finally {
      if (old === undefined) delete process.env['FASHION_MNIST_DIR'];
      else process.env['FASHION_MNIST_DIR'] = old;
    }
    expect(named).toContain('Fashion-MNIST train split not found. Searched:');
    expect(named).toContain(`${dir} (dir option / --data-dir): does not exist`);
    expect(named).not.toContain(envDir);
    expect(named).not.toContain(systemDir);
    expect(fromEnv).toContain(`${envDir} (FASHION_MNIST_DIR): has no train-images-idx3-ubyte.gz`);
    expect(fromEnv).not.toContain(systemDir);
    expect(fromSystem).toContain(`${systemDir} (system default): does not exist`);
    for (const m of [named, fromEnv, fromSystem]) {
      expect(m).toContain('sudo apt-get install dataset-fashion-mnist');
      expect(m).toMatch(/set FASHION_MNIST_DIR \(or pass --data-dir\) to a directory with the four IDX files/);
    }
  });

  it('FASHION_MNIST_CLASSES has the 10 names', () => {
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[0]).toBe('T-shirt/top');
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
  });
});
