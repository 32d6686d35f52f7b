import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkObject, checkOptions, checkString } from '../check.js';
import { DataError } from '../errors.js';
import { readIdxFile } from './idx-node.js';

export { FASHION_MNIST_CLASSES } from './fashion-mnist-classes.js';

/** Where the Debian package `dataset-fashion-mnist` installs the four IDX files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export interface LoadFashionMnistOptions {
  /** The directory to read; without it, env `FASHION_MNIST_DIR`, else `FASHION_MNIST_SYSTEM_DIR` (only one is searched). */
  dir?: string;
  split: 'train' | 'test';
  /** Last directory searched (default `FASHION_MNIST_SYSTEM_DIR`); tests point it elsewhere. */
  systemDir?: string;
  /** Keep only the first `limit` examples (all when omitted or larger than the split). */
  limit?: number;
}

export interface FashionMnist {
  /** `[count, 1, 28, 28]`, pixel / 255, so in [0, 1]. */
  images: Float32Array;
  /** `[count]`, class indices in 0..9 (see `FASHION_MNIST_CLASSES`). */
  labels: Int32Array;
  count: number;
  /** The image and label files that were read. */
  files: { images: string; labels: string };
}

const PREFIX = { train: 'train', test: 't10k' } as const;

/**
 * Loads a Fashion-MNIST split from IDX files (gzipped or not), node only.
 *
 * Directories are searched in order: `options.dir`, env `FASHION_MNIST_DIR`,
 * `/usr/share/datasets/fashion-mnist`; the first one holding both files of the split wins.
 *
 * @throws DataError listing the directories searched and how to get the data when none has the
 *   files; naming both files and counts when image and label counts differ; naming the file for
 *   any malformed IDX content.
 * @example
 * const { images, labels, count } = loadFashionMnist({ split: 'test', limit: 1000 });
 * // images: [1000, 1, 28, 28] in [0, 1]; labels: [1000]
 */
export function loadFashionMnist(options: LoadFashionMnistOptions): FashionMnist {
  checkObject('loadFashionMnist', 'options', options, "an object {split: 'train' | 'test', dir?, systemDir?, limit?}");
  checkOptions('loadFashionMnist', options, ['dir', 'split', 'systemDir', 'limit']);
  const { split, limit } = options;
  if (split !== 'train' && split !== 'test') {
    throw new DataError(`loadFashionMnist: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new DataError(`loadFashionMnist: limit must be a non-negative integer, got ${limit}`);
  }
  const files = findFashionMnistFiles(split, options.dir, options.systemDir);
  const img = readIdxFile(files.images, 3);
  const lab = readIdxFile(files.labels, 1);
  const [n, h, w] = img.dims as [number, number, number];
  if (h !== 28 || w !== 28) {
    throw new DataError(`${files.images}: expected 28x28 images, got dims [${img.dims.join(', ')}]`);
  }
  if (lab.dims[0] !== n) {
    throw new DataError(
      `Fashion-MNIST ${split}: image and label counts differ: ${files.images} has ${n} images but ${files.labels} has ${lab.dims[0]} labels`,
    );
  }
  const count = limit === undefined ? n : Math.min(limit, n);
  const pixels = count * h * w;
  const images = new Float32Array(pixels);
  const src = img.data;
  for (let i = 0; i < pixels; i++) images[i] = src[i]! / 255;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const l = lab.data[i]!;
    if (l > 9) {
      // Labels start after the 8-byte header of a 1-d IDX file.
      throw new DataError(`${files.labels}: label ${l} at byte offset ${8 + i} (example ${i}) is outside 0..9`);
    }
    labels[i] = l;
  }
  return { images, labels, count, files };
}

/**
 * Finds the image and label files of a split without reading them.
 * @throws DataError saying which directories were searched and how to get the data.
 */
export function findFashionMnistFiles(
  split: 'train' | 'test',
  dir?: string,
  systemDir: string = FASHION_MNIST_SYSTEM_DIR,
): { images: string; labels: string } {
  if (split !== 'train' && split !== 'test') {
    throw new DataError(`findFashionMnistFiles: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  if (dir !== undefined) checkString('findFashionMnistFiles', 'dir', dir);
  checkString('findFashionMnistFiles', 'systemDir', systemDir);
  // A directory the user names is the only place looked at: silently falling back to another
  // copy of the data would hide a typo.
  const env = process.env['FASHION_MNIST_DIR'];
  const candidates: { dir: string; from: string }[] = dir
    ? [{ dir, from: 'dir option / --data-dir' }]
    : env
      ? [{ dir: env, from: 'FASHION_MNIST_DIR' }]
      : [{ dir: systemDir, from: 'system default' }];

  const p = PREFIX[split];
  const imageNames = [`${p}-images-idx3-ubyte.gz`, `${p}-images-idx3-ubyte`, `${p}-images.idx3-ubyte`];
  const labelNames = [`${p}-labels-idx1-ubyte.gz`, `${p}-labels-idx1-ubyte`, `${p}-labels.idx1-ubyte`];
  const notes: string[] = [];
  for (const c of candidates) {
    const images = imageNames.map((f) => join(c.dir, f)).find((f) => existsSync(f));
    const labels = labelNames.map((f) => join(c.dir, f)).find((f) => existsSync(f));
    if (images && labels) return { images, labels };
    const state = !existsSync(c.dir)
      ? 'does not exist'
      : images
        ? `has ${images} but no ${labelNames[0]}`
        : labels
          ? `has ${labels} but no ${imageNames[0]}`
          : `has no ${imageNames[0]} / ${labelNames[0]}`;
    notes.push(`  ${c.dir} (${c.from}): ${state}`);
  }
  throw new DataError(
    [
      `Fashion-MNIST ${split} split not found. Searched:`,
      ...notes,
      'To get the data: `sudo apt-get install dataset-fashion-mnist` (installs to ' + FASHION_MNIST_SYSTEM_DIR + '),',
      `or set FASHION_MNIST_DIR (or pass --data-dir) to a directory with the four IDX files`,
      '(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz).',
    ].join('\n'),
  );
}
