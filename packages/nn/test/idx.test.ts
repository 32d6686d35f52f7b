import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { readIdxFile } from '../src/data/idx-node.js';
import { DataError } from '../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37) % 256);

describe('parseIdx / encodeIdx', () => {
  it('round-trips images dims=[3,4,5] and labels dims=[3]', () => {
    const bytes = encodeIdx([3, 4, 5], pixels);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    expect(bytes.length).toBe(16 + 60);
    const back = parseIdx(bytes, 'imgs', 3);
    expect(back.dims).toEqual([3, 4, 5]);
    expect(back.data).toEqual(pixels);
    const labels = parseIdx(encodeIdx([3], Uint8Array.of(1, 9, 0)), 'labels', 1);
    expect(labels.dims).toEqual([3]);
    expect(Array.from(labels.data)).toEqual([1, 9, 0]);
  });

  it('wrong magic names the file, the bytes found and expected', () => {
    const bytes = encodeIdx([3, 4, 5], pixels);
    bytes[0] = 0x12;
    expect(() => parseIdx(bytes, 'bad-images.idx', 3)).toThrow(DataError);
    expect(() => parseIdx(bytes, 'bad-images.idx', 3)).toThrow(/bad-images\.idx: wrong magic number: found 12 00 08 03, expected 00 00 08 03/);
    // A labels file passed where images are expected.
    expect(() => parseIdx(encodeIdx([3], Uint8Array.of(1, 2, 3)), 'labels.idx', 3)).toThrow(/labels\.idx: wrong magic number: found 00 00 08 01, expected 00 00 08 03/);
  });

  it('non-ubyte element type (float32 0x0d) is rejected by name', () => {
    const bytes = encodeIdx([2], Uint8Array.of(1, 2));
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, 'f.idx')).toThrow(/f\.idx: unsupported IDX element type 0x0d \(float32\)/);
  });

  it('truncated file dims=[3,4,5] missing 7 bytes: expected N, got M, at byte offset M', () => {
    const bytes = encodeIdx([3, 4, 5], pixels).subarray(0, 76 - 7);
    expect(() => parseIdx(bytes, 'short.idx', 3)).toThrow(/short\.idx: truncated IDX file: expected 76 bytes .* got 69; data ends early at byte offset 69/);
    expect(() => parseIdx(bytes.subarray(0, 10), 'short.idx', 3)).toThrow(/short\.idx: truncated IDX file: expected 16 header bytes/);
  });

  it('trailing garbage is rejected with its byte offset', () => {
    const good = encodeIdx([3], Uint8Array.of(1, 2, 3));
    const bytes = new Uint8Array(good.length + 2);
    bytes.set(good);
    expect(() => parseIdx(bytes, 'long.idx', 1)).toThrow(/long\.idx: 2 bytes of trailing garbage after the data, starting at byte offset 11/);
  });
});

describe('readIdxFile', () => {
  it('reads plain and gzipped files dims=[3,4,5] (by .gz name or by 1f 8b magic)', () => {
    const raw = encodeIdx([3, 4, 5], pixels);
    const plain = join(dir, 'a-idx3-ubyte');
    const gz = join(dir, 'a-idx3-ubyte.gz');
    const gzNoExt = join(dir, 'b-idx3-ubyte');
    writeFileSync(plain, raw);
    writeFileSync(gz, gzipSync(raw));
    writeFileSync(gzNoExt, gzipSync(raw));
    for (const p of [plain, gz, gzNoExt]) expect(readIdxFile(p, 3).data).toEqual(pixels);
  });

  it('corrupt gzip names the file', () => {
    const gz = gzipSync(encodeIdx([3, 4, 5], pixels));
    const broken = gz.subarray(0, gz.length - 10);
    const p = join(dir, 'broken-idx3-ubyte.gz');
    writeFileSync(p, broken);
    expect(() => readIdxFile(p, 3)).toThrow(DataError);
    expect(() => readIdxFile(p, 3)).toThrow(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt gzip file`));
    const garbage = join(dir, 'garbage.gz');
    writeFileSync(garbage, Uint8Array.of(1, 2, 3, 4));
    expect(() => readIdxFile(garbage)).toThrow(/garbage\.gz: corrupt gzip file: expected gzip magic 1f 8b at byte offset 0, found 01 02/);
  });

  it('missing file names the path', () => {
    expect(() => readIdxFile(join(dir, 'nope.gz'))).toThrow(/nope\.gz: cannot read IDX file/);
  });
});
