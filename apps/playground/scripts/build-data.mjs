#!/usr/bin/env node
// Turns the Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist/*.gz, or --data-dir /
// FASHION_MNIST_DIR) into the page's one static data asset, public/data/fashion-mnist.bin:
//
//   bytes 0..7   "TGFMNIST"
//   8..11        u32 LE format version (1)
//   12..15       u32 LE number of sections (4)
//   16..31       u32 LE byte length of each section
//   32..         train images, train labels, test images, test labels: plain (not gzipped) IDX files
//
// 55 MB of unsigned bytes, the smallest form the page can use without a decompressor (src/data.ts
// reads it with @tapegrad/nn's parseIdx). The files are found and validated by the same loader as
// `fashion train` (@tapegrad/nn/node), so a missing or broken dataset gets the same message.
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx } from '@tapegrad/nn';
import { findFashionMnistFiles, readIdxFile } from '@tapegrad/nn/node';

export const MAGIC = 'TGFMNIST';
export const VERSION = 1;
export const DEFAULT_OUT = fileURLToPath(new URL('../public/data/fashion-mnist.bin', import.meta.url));

/** The container around already-encoded IDX sections (train images, train labels, test images, test labels). */
export function encodeDataFile(sections) {
  if (sections.length !== 4) throw new RangeError(`encodeDataFile: expected 4 sections, got ${sections.length}`);
  const total = 32 + sections.reduce((a, s) => a + s.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, 4, true);
  let offset = 32;
  sections.forEach((s, i) => {
    view.setUint32(16 + 4 * i, s.length, true);
    out.set(s, offset);
    offset += s.length;
  });
  return out;
}

/**
 * Writes `out` (atomically) unless it is newer than the four source files. Returns what it did.
 * @throws the loader's DataError (naming the directories searched) when the data is missing.
 */
export function buildData({ dataDir, out = DEFAULT_OUT, log = (s) => console.log(s) } = {}) {
  const files = [findFashionMnistFiles('train', dataDir), findFashionMnistFiles('test', dataDir)];
  const sources = files.flatMap((f) => [f.images, f.labels]);
  if (existsSync(out)) {
    const built = statSync(out).mtimeMs;
    if (sources.every((s) => statSync(s).mtimeMs <= built)) return { out, written: false, sources };
  }
  const sections = [];
  for (const f of files) {
    const images = readIdxFile(f.images, 3);
    const labels = readIdxFile(f.labels, 1);
    sections.push(encodeIdx(images.dims, images.data), encodeIdx(labels.dims, labels.data));
  }
  const bytes = encodeDataFile(sections);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, out);
  log(`playground data: wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB) from ${dirname(sources[0])}`);
  return { out, written: true, sources };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--data-dir');
  const outAt = args.indexOf('--out');
  try {
    buildData({ dataDir: at >= 0 ? args[at + 1] : undefined, out: outAt >= 0 ? join(process.cwd(), args[outAt + 1]) : undefined });
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
