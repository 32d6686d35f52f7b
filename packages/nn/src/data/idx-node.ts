import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { checkBytes, checkString } from '../check.js';
import { DataError } from '../errors.js';
import { parseIdx, type IdxArray } from './idx.js';

/**
 * Reads an IDX file from disk (node only), gunzipping it when the name ends in `.gz` or the
 * content starts with the gzip magic `1f 8b`.
 *
 * @param expectedDims as in `parseIdx`: 3 for image files, 1 for label files.
 * @throws DataError naming `path` when the file cannot be read, the gzip stream is corrupt, or
 *   the IDX content is malformed.
 * @example readIdxFile('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz', 1)
 */
export function readIdxFile(path: string, expectedDims?: number): IdxArray {
  checkString('readIdxFile', 'path', path);
  let bytes: Uint8Array;
  try {
    const buf = readFileSync(path);
    // A plain Uint8Array view, so callers never see Buffer-specific behaviour.
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataError(`${path}: cannot read IDX file: ${(e as Error).message}`, { cause: e });
  }
  return parseIdx(maybeGunzip(bytes, path), path, expectedDims);
}

/** Gunzips `bytes` if `path` ends in `.gz` or the data starts with `1f 8b`; otherwise returns it. */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  checkBytes('maybeGunzip', 'bytes', bytes);
  checkString('maybeGunzip', 'path', path);
  const gzipMagic = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzipMagic && !path.endsWith('.gz')) return bytes;
  // NOTE: a `.gz` name over an already-decompressed IDX file (starts 00 00) is accepted as is.
  if (!gzipMagic && bytes.length >= 2 && bytes[0] === 0 && bytes[1] === 0) return bytes;
  if (!gzipMagic) {
    const found = Array.from(bytes.subarray(0, 2), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${path}: corrupt gzip file: expected gzip magic 1f 8b at byte offset 0, found ${found || 'an empty file'}`);
  }
  try {
    const buf = gunzipSync(bytes);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new DataError(`${path}: corrupt gzip file (${bytes.length} compressed bytes): ${(e as Error).message}`, { cause: e });
  }
}
