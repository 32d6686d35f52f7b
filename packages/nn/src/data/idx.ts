import { checkBytes, checkShape, checkString, fail } from '../check.js';
import { DataError } from '../errors.js';

/**
 * IDX files (the MNIST / Fashion-MNIST container): a 4-byte big-endian magic `00 00 TT DD`
 * (TT = element type, DD = number of dimensions), DD big-endian u32 sizes, then the elements in
 * row-major order. Only unsigned bytes (TT = 0x08) are supported, which is what MNIST-style
 * datasets use: images have magic 0x00000803 (`[N, H, W]`), labels 0x00000801 (`[N]`).
 */
export interface IdxArray {
  /** Sizes, outermost first, e.g. `[10000, 28, 28]`. */
  dims: number[];
  /** Row-major elements, `prod(dims)` bytes. A view into the input bytes, not a copy. */
  data: Uint8Array;
}

/** The IDX element type code for unsigned bytes. */
export const IDX_UBYTE = 0x08;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/**
 * Parses an in-memory (already decompressed) IDX file of unsigned bytes.
 *
 * @param bytes the whole file.
 * @param source the file name, used in every error message.
 * @param expectedDims if given, the number of dimensions the caller needs (3 for images, 1 for
 *   labels); the magic must then be exactly `00 00 08 <expectedDims>`.
 * @throws DataError naming `source` on a wrong magic number, an unsupported element type, a
 *   truncated file (with the expected and actual size and the byte offset where data ends) or
 *   trailing bytes after the data.
 * @example
 * const { dims, data } = parseIdx(bytes, 't10k-labels-idx1-ubyte', 1); // dims = [10000]
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedDims?: number): IdxArray {
  checkBytes('parseIdx', 'bytes', bytes);
  checkString('parseIdx', 'source', source);
  if (expectedDims !== undefined && !(Number.isInteger(expectedDims) && expectedDims >= 1 && expectedDims <= 255)) fail('parseIdx', 'expectedDims', 'an integer in [1, 255]', expectedDims);
  const hex = (b: ArrayLike<number>): string =>
    Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  const expectedMagic =
    expectedDims === undefined ? '00 00 08 <ndims>' : hex([0, 0, IDX_UBYTE, expectedDims]);
  if (bytes.length < 4) {
    throw new DataError(
      `${source}: truncated IDX file: expected at least 4 bytes of magic number, got ${bytes.length} (file ends at byte offset ${bytes.length})`,
    );
  }
  const magic = bytes.subarray(0, 4);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DataError(
      `${source}: wrong magic number: found ${hex(magic)}, expected ${expectedMagic}; the file looks gzip-compressed (1f 8b), decompress it first (readIdxFile does this)`,
    );
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(type in TYPE_NAMES) || ndims === 0) {
    throw new DataError(`${source}: wrong magic number: found ${hex(magic)}, expected ${expectedMagic} (not an IDX file?)`);
  }
  if (type !== IDX_UBYTE) {
    throw new DataError(
      `${source}: unsupported IDX element type 0x${hex([type])} (${TYPE_NAMES[type]}) in magic ${hex(magic)}; only unsigned byte (0x08) is supported`,
    );
  }
  if (expectedDims !== undefined && ndims !== expectedDims) {
    throw new DataError(
      `${source}: wrong magic number: found ${hex(magic)}, expected ${expectedMagic} (${ndims} dimensions instead of ${expectedDims})`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${source}: truncated IDX file: expected ${headerBytes} header bytes for ${ndims} dimensions, got ${bytes.length} (header ends early at byte offset ${bytes.length})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const total = headerBytes + count;
  if (bytes.length < total) {
    throw new DataError(
      `${source}: truncated IDX file: expected ${total} bytes (${headerBytes} header + ${count} data for dims [${dims.join(', ')}]), got ${bytes.length}; data ends early at byte offset ${bytes.length}`,
    );
  }
  if (bytes.length > total) {
    throw new DataError(
      `${source}: ${bytes.length - total} bytes of trailing garbage after the data, starting at byte offset ${total} (dims [${dims.join(', ')}] imply ${total} bytes, file has ${bytes.length})`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes, total) };
}

/**
 * Encodes unsigned bytes as an IDX file (magic `00 00 08 <dims.length>`). The inverse of
 * `parseIdx`; used to write fixtures and small subsets.
 *
 * @example encodeIdx([2, 28, 28], pixels) // 16 + 1568 bytes
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  checkShape('encodeIdx', 'dims', dims);
  checkBytes('encodeIdx', 'data', data);
  if (dims.length < 1 || dims.length > 255) {
    throw new RangeError(`encodeIdx: expected 1 to 255 dimensions, got ${dims.length}`);
  }
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new RangeError(`encodeIdx: dims must be uint32 integers, got [${dims.join(', ')}]`);
    }
    count *= d;
  }
  if (data.length !== count) {
    throw new RangeError(`encodeIdx: dims [${dims.join(', ')}] need ${count} bytes, data has ${data.length}`);
  }
  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, headerBytes);
  return out;
}
