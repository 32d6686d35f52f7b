import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../src/data/data-loader.js';
import { ImageFolder } from '../src/data/image-folder.js';
import { DataError } from '../src/errors.js';
import { resizeBilinear } from '../src/transforms/resize.js';

// Values printed by test/torch/resize_reference.py (torch 1.13 F.interpolate bilinear,
// align_corners=False, on ToTensor()'d pixels; PIL convert('L') / convert('RGB') for channels).
const REF = JSON.parse(readFileSync(new URL('./torch/resize_reference.json', import.meta.url), 'utf8')) as {
  shape: [number, number];
  cases: { source: 'rgb' | 'rgba' | 'grey'; channels: 1 | 3; size: [number, number]; values: number[] }[];
};
const [H, W] = REF.shape;

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-image-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The script's pixels: flat index k of [H, W, channels] uint8 is (37k + 11) mod 256. */
function pixels(channels: number): number[] {
  return Array.from({ length: H * W * channels }, (_, k) => (37 * k + 11) % 256);
}

/** A PNG of colour type 0 (grey), 2 (RGB) or 6 (RGBA) holding the script's pixels. */
function referencePng(source: 'rgb' | 'rgba' | 'grey'): Buffer {
  const png = new PNG({ width: W, height: H });
  const c = source === 'rgb' ? 3 : source === 'rgba' ? 4 : 1;
  const v = pixels(c);
  for (let p = 0; p < H * W; p++) {
    const px = c === 1 ? [v[p]!, v[p]!, v[p]!, 255] : c === 3 ? [v[3 * p]!, v[3 * p + 1]!, v[3 * p + 2]!, 255] : v.slice(4 * p, 4 * p + 4);
    png.data.set(px, 4 * p);
  }
  return PNG.sync.write(png, { colorType: source === 'rgb' ? 2 : source === 'rgba' ? 6 : 0 });
}

function folder(name: string, files: Record<string, Buffer | string>): string {
  const root = join(dir, name);
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), data);
  }
  return root;
}

function solidPng(w: number, h: number, rgb: [number, number, number]): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) png.data.set([...rgb, 255], 4 * p);
  return PNG.sync.write(png);
}

describe('resizeBilinear', () => {
  it('[1,2,2] → [1,4,4] upsamples with half-pixel centres (hand-checked corners and centre); [1,5,7] → [1,5,7] is a copy', () => {
    const out = resizeBilinear(Float32Array.of(0, 1, 2, 3), [1, 2, 2], [4, 4]);
    // Row 0 samples source row 0 (clamped); source x for output 1 is 0.25: 0.75·0 + 0.25·1.
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(out.subarray(12, 16))).toEqual([2, 2.25, 2.75, 3]);
    expect(out[5]).toBeCloseTo(0.75, 6); // (0.25, 0.25) between 0, 1, 2, 3
    const img = Float32Array.from({ length: 35 }, (_, i) => i);
    const same = resizeBilinear(img, [1, 5, 7], [5, 7]);
    expect(Array.from(same)).toEqual(Array.from(img));
    expect(same).not.toBe(img);
    expect(() => resizeBilinear(img, [1, 5, 7], [0, 3])).toThrow('resizeBilinear: size must be [height, width] positive integers, got [0, 3]');
  });
});

describe('ImageFolder', () => {
  for (const c of REF.cases) {
    it(`${c.source} PNG [${H},${W}] → channels ${c.channels}, size [${c.size}] equals torch 1.13 (F.interpolate bilinear, PIL channel conversion) within 1e-6`, () => {
      const root = folder(`ref-${c.source}-${c.channels}-${c.size.join('x')}`, { 'a/img.png': referencePng(c.source) });
      const ds = new ImageFolder(root, { size: c.size, channels: c.channels });
      expect(ds.shape).toEqual([c.channels, ...c.size]);
      const got = ds.get(0).image;
      expect(got).toHaveLength(c.values.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - c.values[i]!));
      // float32 rounding of a few multiply-adds on values in [0, 1]: a few ulps of 1 (6e-8 each).
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('classes sorted by name with classToIdx, samples class by class sorted by path (sub-folders walked), targets; non-image files skipped and listed; dot-files ignored', () => {
    const red = solidPng(3, 2, [255, 0, 0]);
    const root = folder('layout', {
      'zebra/b.png': red, 'zebra/a.PNG': red, 'apple/x/deep.png': red, 'apple/2.jpg': Buffer.from(jpeg.encode({ width: 2, height: 2, data: Buffer.alloc(16, 200) }, 95).data),
      'apple/notes.txt': 'not an image', 'Mango/m.jpeg': Buffer.from(jpeg.encode({ width: 4, height: 4, data: Buffer.alloc(64, 30) }, 95).data),
      '.ipynb_checkpoints/c.png': red, 'apple/.DS_Store': 'x', 'stray.png': red,
    });
    const ds = new ImageFolder(root, { size: [2, 2], channels: 3 });
    expect(ds.classes).toEqual(['Mango', 'apple', 'zebra']); // code-point order, as Python's sorted()
    expect(ds.classToIdx).toEqual({ Mango: 0, apple: 1, zebra: 2 });
    expect(ds.samples).toEqual([
      [join(root, 'Mango/m.jpeg'), 0], [join(root, 'apple/2.jpg'), 1], [join(root, 'apple/x/deep.png'), 1], [join(root, 'zebra/a.PNG'), 2], [join(root, 'zebra/b.png'), 2],
    ]);
    expect(ds.targets).toEqual([0, 1, 1, 2, 2]);
    expect(ds.skipped).toEqual([join(root, 'apple/notes.txt')]);
    expect(ds.length).toBe(5);
    // A red PNG resized from [2,3] to [2,2]: R plane 1, G and B 0.
    expect(Array.from(ds.get(3).image)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ds.get(3).label).toBe(2);
    // JPEG is lossy: a flat 200 decodes to 200 ± 2.
    for (const v of ds.get(1).image) expect(Math.abs(v * 255 - 200)).toBeLessThanOrEqual(2);
    const grey = new ImageFolder(root, { size: [2, 2], channels: 1 });
    // PIL's luma of pure red: (255·19595 + 2^15) >> 16 = 76.
    expect(Array.from(grey.get(4).image)).toEqual([76 / 255, 76 / 255, 76 / 255, 76 / 255].map(Math.fround));
    const batch = [...new DataLoader(ds, { batchSize: 5 })][0]!;
    expect(Array.from(batch.labels)).toEqual([0, 1, 1, 2, 2]);
    expect(batch.images).toHaveLength(5 * 12);
  });

  it('transform runs on every get(i) with its own seeded generator; the decoded image is kept', () => {
    const root = folder('transform', { 'a/1.png': solidPng(2, 2, [10, 20, 30]) });
    let calls = 0;
    const ds = new ImageFolder(root, { size: [2, 2], channels: 3, seed: 5, transform: (img, _s, rng) => { calls++; return img.map((v) => v + rng.nextFloat()); } });
    const a = ds.get(0).image;
    const b = ds.get(0).image;
    expect(calls).toBe(2);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const again = new ImageFolder(root, { size: [2, 2], channels: 3, seed: 5, transform: (img, _s, rng) => img.map((v) => v + rng.nextFloat()) });
    expect(Array.from(again.get(0).image)).toEqual(Array.from(a));
  });

  it('errors name the path: root missing, root a file, no class folders, an empty class folder, a corrupt PNG, a truncated JPEG, a non-image with an image extension, bad options', () => {
    const missing = join(dir, 'nope');
    expect(() => new ImageFolder(missing, { size: [2, 2], channels: 3 })).toThrow(DataError);
    expect(() => new ImageFolder(missing, { size: [2, 2], channels: 3 })).toThrow(`ImageFolder: root ${missing} does not exist or cannot be read (ENOENT)`);
    const file = folder('file-root', { 'x.png': 'x' });
    expect(() => new ImageFolder(join(file, 'x.png'), { size: [2, 2], channels: 3 })).toThrow(`ImageFolder: root ${join(file, 'x.png')} is not a folder`);
    expect(() => new ImageFolder(file, { size: [2, 2], channels: 3 })).toThrow(`ImageFolder: ${file} has no class folders`);
    const empty = folder('empty-class', { 'a/1.png': solidPng(2, 2, [1, 2, 3]), 'b/readme.md': '#' });
    expect(() => new ImageFolder(empty, { size: [2, 2], channels: 3 })).toThrow(`ImageFolder: class folder ${join(empty, 'b')} has no images (.png, .jpg, .jpeg); skipped 1 other file(s)`);
    const good = solidPng(4, 4, [9, 9, 9]);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 20] ^= 0xff; // inside the IDAT data or the CRCs: the CRC check fails
    const fullJpeg = Buffer.from(jpeg.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 90) }, 90).data);
    const bad = folder('bad-files', { 'a/corrupt.png': corrupt, 'a/short.jpg': fullJpeg.subarray(0, 200), 'a/text.png': 'hello world' });
    const ds = new ImageFolder(bad, { size: [4, 4], channels: 3 });
    expect(() => ds.get(0)).toThrow(DataError);
    expect(() => ds.get(0)).toThrow(new RegExp(`^${escape(join(bad, 'a/corrupt.png'))}: cannot decode the PNG image \\(.+\\)$`));
    expect(() => ds.get(1)).toThrow(new RegExp(`^${escape(join(bad, 'a/short.jpg'))}: cannot decode the JPEG image \\(.+\\)$`));
    expect(() => ds.get(2)).toThrow(`${join(bad, 'a/text.png')}: not a PNG or JPEG image (11 bytes, starting 68 65 6c 6c)`);
    expect(() => new ImageFolder(bad, { size: [4], channels: 3 } as never)).toThrow('ImageFolder: size must be [height, width] positive integers, got [4]');
    expect(() => new ImageFolder(bad, { size: [4, 4], channels: 4 } as never)).toThrow('ImageFolder: channels must be 1 or 3, got 4');
    expect(() => new ImageFolder(bad, { size: [4, 4], channels: 3, targetTransform: () => 0 } as never)).toThrow("ImageFolder: unknown option 'targetTransform'");
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
