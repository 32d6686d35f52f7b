import { describe, expect, it } from 'vitest';
import { DataLoader } from '../src/data/data-loader.js';
import { ArrayDataset, randomSplit } from '../src/data/dataset.js';
import type { Transform } from '../src/transforms/transform.js';

/** N examples of shape [1,2,2] whose pixels all equal the example index; label = index. */
function indexDataset(n: number): ArrayDataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) images.fill(i, i * 4, i * 4 + 4);
  return new ArrayDataset(images, Int32Array.from({ length: n }, (_, i) => i), [1, 2, 2]);
}

function epochLabels(loader: DataLoader): number[][] {
  return Array.from(loader, (b) => Array.from(b.labels));
}

describe('ArrayDataset / randomSplit', () => {
  it('get(i) of [5,1,2,2] returns a view of image i', () => {
    const ds = indexDataset(5);
    expect(ds.length).toBe(5);
    expect(Array.from(ds.get(3).image)).toEqual([3, 3, 3, 3]);
    expect(ds.get(3).label).toBe(3);
    expect(() => ds.get(5)).toThrow(/index 5 out of range \[0, 5\)/);
    expect(() => new ArrayDataset(new Float32Array(7), Int32Array.of(1, 2), [1, 2, 2])).toThrow(/7 values but 2 labels/);
  });

  it('randomSplit 10 -> [7, 3] is disjoint, seeded and reproducible', () => {
    const ds = indexDataset(10);
    const [a, b] = randomSplit(ds, [7, 3], 42);
    const all = [...Array.from({ length: 7 }, (_, i) => a!.get(i).label), ...Array.from({ length: 3 }, (_, i) => b!.get(i).label)];
    expect([...all].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [a2] = randomSplit(ds, [7, 3], 42);
    expect(Array.from(a2!.indices)).toEqual(Array.from(a!.indices));
    expect(() => randomSplit(ds, [8, 3], 0)).toThrow(/summing to at most the dataset length 10/);
  });
});

describe('DataLoader', () => {
  it('N=10 B=4 shuffle: every index exactly once per epoch, batches [4,4,2], images match labels', () => {
    const loader = new DataLoader(indexDataset(10), { batchSize: 4, shuffle: true, seed: 1 });
    expect(loader.length).toBe(3);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of loader) {
      sizes.push(b.size);
      expect(b.images.length).toBe(b.size * 4);
      for (let k = 0; k < b.size; k++) {
        expect(b.images[k * 4]).toBe(b.labels[k]);
        seen.push(b.labels[k]!);
      }
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('N=10 B=4 dropLast: 2 full batches, 8 distinct indices', () => {
    const loader = new DataLoader(indexDataset(10), { batchSize: 4, shuffle: true, seed: 1, dropLast: true });
    expect(loader.length).toBe(2);
    const batches = epochLabels(loader);
    expect(batches.map((b) => b.length)).toEqual([4, 4]);
    expect(new Set(batches.flat()).size).toBe(8);
  });

  it('N=50 B=8: same seed same order; orders differ between epochs and seeds; no shuffle = dataset order', () => {
    const a = new DataLoader(indexDataset(50), { batchSize: 8, shuffle: true, seed: 3 });
    const b = new DataLoader(indexDataset(50), { batchSize: 8, shuffle: true, seed: 3 });
    const c = new DataLoader(indexDataset(50), { batchSize: 8, shuffle: true, seed: 4 });
    const a0 = epochLabels(a);
    const a1 = epochLabels(a);
    expect(epochLabels(b)).toEqual(a0);
    expect(epochLabels(b)).toEqual(a1);
    expect(a1).not.toEqual(a0);
    expect(epochLabels(c)).not.toEqual(a0);
    expect(a.state()).toEqual({ epoch: 2, batch: 0 });
    const plain = new DataLoader(indexDataset(50), { batchSize: 8 });
    expect(epochLabels(plain).flat()).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('N=50 B=8: setState resumes mid-epoch with the same batches and augmentation', () => {
    const transform: Transform = (img, _shape, rng) => img.map((v) => v + rng.nextFloat());
    const opts = { batchSize: 8, shuffle: true, seed: 9, transform };
    const a = new DataLoader(indexDataset(50), opts);
    epochLabels(a);
    const full = Array.from(a, (b) => ({ labels: Array.from(b.labels), images: Array.from(b.images) }));
    const b = new DataLoader(indexDataset(50), opts);
    b.setState({ epoch: 1, batch: 3 });
    const resumed = Array.from(b, (x) => ({ labels: Array.from(x.labels), images: Array.from(x.images) }));
    expect(resumed).toEqual(full.slice(3));
    expect(b.state()).toEqual({ epoch: 2, batch: 0 });
  });

  it('B=4 reuses its batch buffers across iterations (a batch is valid until the next)', () => {
    const loader = new DataLoader(indexDataset(12), { batchSize: 4 });
    const it = loader[Symbol.iterator]();
    const first = it.next().value!;
    const firstImages = first.images;
    const second = it.next().value!;
    expect(second.images).toBe(firstImages);
    expect(second.labels).toBe(first.labels);
  });
});
