import { DataError, parseIdx } from '@tapegrad/nn';

/** One split as the data file holds it: unsigned-byte pixels `[count, 28, 28]` and labels. */
export interface RawSplit {
  pixels: Uint8Array;
  labels: Int32Array;
  count: number;
}

const MAGIC = 'TGFMNIST';
const SECTIONS = ['train images', 'train labels', 'test images', 'test labels'] as const;

/**
 * Reads public/data/fashion-mnist.bin (the layout is in scripts/build-data.mjs): four IDX files
 * behind a 32-byte header, parsed with @tapegrad/nn's parseIdx.
 * @throws DataError naming `source` and the problem: a wrong magic or version, section lengths
 *   that do not add up to the file, non-28×28 images, image and label counts that differ, a label
 *   outside 0..9, or any IDX error.
 * @example const { train, test } = decodeDataFile(new Uint8Array(await (await fetch(url)).arrayBuffer()), url);
 */
export function decodeDataFile(bytes: Uint8Array, source: string): { train: RawSplit; test: RawSplit } {
  const fail = (msg: string): never => {
    throw new DataError(`${source}: ${msg}`);
  };
  if (bytes.length < 32) fail(`file is ${bytes.length} bytes, too short for the 32-byte header (is the data built? run npm run playground)`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) fail(`not a playground data file (starts with ${JSON.stringify(magic)}, expected "${MAGIC}"); rebuild it with npm run playground -- --build`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1) fail(`format version ${version}, this page reads version 1`);
  if (view.getUint32(12, true) !== 4) fail(`expected 4 sections, header says ${view.getUint32(12, true)}`);
  const lengths = SECTIONS.map((_, i) => view.getUint32(16 + 4 * i, true));
  const total = 32 + lengths.reduce((a, b) => a + b, 0);
  if (total !== bytes.length) fail(`sections add up to ${total} bytes but the file has ${bytes.length} (truncated download?)`);
  let offset = 32;
  const parts = lengths.map((n, i) => {
    const part = parseIdx(bytes.subarray(offset, offset + n), `${source} (${SECTIONS[i]})`, i % 2 === 0 ? 3 : 1);
    offset += n;
    return part;
  });
  const split = (k: 0 | 2): RawSplit => {
    const img = parts[k]!;
    const lab = parts[k + 1]!;
    const name = k === 0 ? 'train' : 'test';
    if (img.dims[1] !== 28 || img.dims[2] !== 28) fail(`${name} images are [${img.dims.join(', ')}], expected [N, 28, 28]`);
    if (lab.dims[0] !== img.dims[0]) fail(`${name}: ${img.dims[0]} images but ${lab.dims[0]} labels`);
    const labels = Int32Array.from(lab.data);
    const bad = labels.findIndex((l) => l > 9);
    if (bad >= 0) fail(`${name} label ${labels[bad]} (example ${bad}) is outside 0..9`);
    return { pixels: img.data, labels, count: img.dims[0]! };
  };
  return { train: split(0), test: split(2) };
}

/**
 * The first `limit` images of a split as `[count, 1, 28, 28]` floats pixel / 255, exactly as
 * loadFashionMnist makes them (so the page and `fashion train` see the same numbers).
 */
export function toImages(split: RawSplit, limit = split.count): { images: Float32Array; labels: Int32Array; count: number } {
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`toImages: limit must be a positive integer, got ${limit}`);
  const count = Math.min(limit, split.count);
  const images = new Float32Array(count * 784);
  const src = split.pixels;
  for (let i = 0; i < images.length; i++) images[i] = src[i]! / 255;
  return { images, labels: split.labels.slice(0, count), count };
}
