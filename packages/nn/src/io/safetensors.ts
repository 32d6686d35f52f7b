import { checkBytes, checkInt, checkObject, checkString } from '../check.js';
import { DataError } from '../errors.js';

/**
 * Note [safetensors layout]: an 8-byte little-endian u64 header length N, then N bytes of UTF-8
 * JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {key: string}}`, then
 * the data buffer. Offsets are relative to the start of the data buffer, tensors are stored
 * contiguously without gaps, little endian, row-major. We write tensors sorted by name with
 * `__metadata__` first, and pad the header with spaces so that N is a multiple of 8 (the data
 * buffer then starts 8-byte aligned). https://github.com/huggingface/safetensors
 */

/**
 * The element types of the format. Decoding converts all but the F8 ones to float32; encoding
 * writes F32 (bit for bit) and the integer and boolean ones (exact for the integers float32 holds).
 */
export type SafetensorsDtype =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E5M2' | 'F8_E4M3'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** A tensor as stored in or read from a safetensors file, its values as float32. */
export interface SafetensorsTensor {
  shape: number[];
  /** Row-major, `prod(shape)` values. */
  data: Float32Array;
  /** The element type in the file; F32 when absent (encode). */
  dtype?: SafetensorsDtype;
}

export interface DecodedSafetensors {
  /** Every tensor converted to float32; `dtype` is the type it had in the file. */
  tensors: Record<string, SafetensorsTensor & { dtype: SafetensorsDtype }>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Bytes per element of every dtype the format defines; only some can be converted. */
const DTYPE_SIZES: Record<SafetensorsDtype, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** Every dtype PyTorch writes (float64/32/16, bfloat16, int64/32/16/8, uint8, bool) and the other integers. */
const CONVERTIBLE: readonly SafetensorsDtype[] = ['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'];
/** What encode writes, with the range of integer values each holds. */
const ENCODABLE: Partial<Record<SafetensorsDtype, [number, number]>> = {
  F32: [-Infinity, Infinity], I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], I32: [-(2 ** 31), 2 ** 31 - 1],
  I16: [-(2 ** 15), 2 ** 15 - 1], I8: [-128, 127], U8: [0, 255], BOOL: [0, 1],
};
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Encodes tensors as safetensors bytes, see Note [safetensors layout]. Each is written as its
 * `dtype` (default F32, bit for bit); for I64, I32, I16, I8, U8 and BOOL every value must be an
 * integer in that type's range (BOOL: 0 or 1), else a TypeError names the tensor and the value.
 *
 * @example
 * const bytes = encodeSafetensors({ 'fc.weight': { shape: [10, 784], data: w } }, { epoch: '3' });
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  checkObject('encodeSafetensors', 'tensors', tensors, 'an object of {shape, data, dtype?} by name');
  if (metadata !== undefined) checkObject('encodeSafetensors', 'metadata', metadata, 'an object of strings');
  const names = Object.keys(tensors).sort();
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata value for '${k}' must be a string, got ${typeof v}`);
    }
    // Built by hand (like the tensors below) so integer-like keys keep their sorted order.
    const entries = Object.keys(metadata).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${entries.join(',')}}`);
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new TypeError(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    const entry = tensors[name];
    if (typeof entry !== 'object' || entry === null) throw new TypeError(`encodeSafetensors: tensor '${name}' must be {shape, data, dtype?}, got ${entry === null ? 'null' : typeof entry}`);
    const { shape, data, dtype = 'F32' } = entry;
    const range = ENCODABLE[dtype];
    if (!range) throw new TypeError(`encodeSafetensors: tensor '${name}' has dtype ${JSON.stringify(dtype)}, which encode cannot write (supported: ${Object.keys(ENCODABLE).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`encodeSafetensors: tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
    }
    const numel = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== numel) {
      throw new TypeError(`encodeSafetensors: tensor '${name}' shape [${shape.join(', ')}] needs ${numel} float32 values, got ${data?.length}`);
    }
    if (dtype !== 'F32') {
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (!Number.isInteger(v) || v < range[0] || v > range[1]) throw new TypeError(`encodeSafetensors: tensor '${name}' value ${v} at index ${i} is not ${dtype === 'BOOL' ? '0 or 1' : `an integer in the range of ${dtype}`}`);
      }
    }
    const end = offset + data.length * DTYPE_SIZES[dtype];
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  let header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const out = new Uint8Array(8 + header.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  view.setUint32(4, Math.floor(header.length / 4294967296), true);
  out.set(header, 8);
  let pos = 8 + header.length;
  for (const name of names) {
    const { data, dtype = 'F32' } = tensors[name]!;
    if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
      // Byte copy keeps NaN payloads bit-exact (a round trip through a JS number might not).
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      for (let i = 0; i < data.length; i++) writeElement(view, pos, i, dtype, data[i]!);
    }
    pos += data.length * DTYPE_SIZES[dtype];
  }
  return out;
}

/**
 * Decodes safetensors bytes, converting every tensor to float32: F32 bit for bit; F64, I64, U64,
 * I32 and U32 rounded to nearest (exact for integers up to 2^24); F16 and BF16 exactly (subnormals,
 * ±Inf and NaN included); I16, I8, U16, U8 exactly; BOOL as 0/1. F8 tensors are an error.
 *
 * @param source the file name, used in every error message.
 * @throws DataError naming `source` and the problem for any malformed input: a header length
 *   beyond the file, a header that is not UTF-8 JSON, a bad dtype, shape or data_offsets
 *   (outside the data buffer, overlapping, leaving gaps, or not matching shape x dtype size).
 * @example const { tensors, metadata } = decodeSafetensors(bytes, 'model.safetensors');
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  checkBytes('decodeSafetensors', 'bytes', bytes);
  checkString('decodeSafetensors', 'source', source);
  const fail = (msg: string): never => {
    throw new DataError(`${source}: invalid safetensors file: ${msg}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (n > bytes.length - 8) {
    fail(`header length ${n} (u64 at byte offset 0) is larger than the ${bytes.length - 8} bytes that follow it (file is ${bytes.length} bytes)`);
  }
  if (n === 0) fail('header length is 0, expected a JSON object');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail(`header (byte offsets 8..${8 + n}) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header (byte offsets 8..${8 + n}) is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : JSON.stringify(header)}`);
  }
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${METADATA_KEY} must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`${METADATA_KEY} value for '${k}' must be a string, got ${JSON.stringify(v)}`);
        setOwn(metadata, k, v as string);
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) fail(`tensor '${name}' must be an object, got ${JSON.stringify(raw)}`);
    const { dtype, shape, data_offsets: offsets } = t!;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) {
      fail(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_SIZES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has invalid shape ${JSON.stringify(shape)}: expected an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}: expected [begin, end] integers with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      fail(`tensor '${name}' data_offsets [${begin}, ${end}] lie outside the data buffer of ${dataLen} bytes (file byte offsets ${dataStart}..${bytes.length})`);
    }
    const dims = shape as number[];
    const expected = dims.reduce((a, b) => a * b, 1) * DTYPE_SIZES[dtype as SafetensorsDtype];
    if (end - begin !== expected) {
      fail(`tensor '${name}' with dtype ${dtype} and shape [${dims.join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: dims, begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = '';
  for (const e of sorted) {
    if (e.begin < pos) fail(`tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev}' (which ends at ${pos})`);
    if (e.begin > pos) fail(`gap in the data buffer: bytes ${pos}..${e.begin} (file byte offset ${dataStart + pos}) belong to no tensor, before '${e.name}'`);
    pos = e.end;
    prev = e.name;
  }
  if (pos !== dataLen) {
    fail(`${dataLen - pos} trailing bytes after the last tensor, at file byte offset ${dataStart + pos} (data buffer is ${dataLen} bytes, tensors cover ${pos})`);
  }
  const tensors: DecodedSafetensors['tensors'] = {};
  for (const e of entries) {
    if (!CONVERTIBLE.includes(e.dtype)) {
      fail(`tensor '${e.name}' has dtype ${e.dtype}, which cannot be loaded as float32 (supported: ${CONVERTIBLE.join(', ')})`);
    }
    setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: toFloat32(bytes, dataStart + e.begin, dataStart + e.end, e.dtype) });
  }
  return { tensors, metadata };
}

/** Converts the little-endian elements in `bytes[begin, end)` of `dtype` to a fresh Float32Array. */
function toFloat32(bytes: Uint8Array, begin: number, end: number, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // NOTE: copy via set(), not bytes.slice(): on a node Buffer slice() is a view into a pool.
    const out = new Float32Array((end - begin) / 4);
    new Uint8Array(out.buffer).set(bytes.subarray(begin, end));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  const size = DTYPE_SIZES[dtype];
  const out = new Float32Array((end - begin) / size);
  const bits = new Uint32Array(out.buffer);
  // One loop per dtype, so the branch is out of the element loop.
  const n = out.length;
  switch (dtype) {
    case 'F32': for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true); break;
    case 'F64': for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true); break;
    // bfloat16 is the top half of a float32: shifting the bits is exact, NaN payloads included.
    case 'BF16': for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16; break;
    case 'F16': for (let i = 0; i < n; i++) out[i] = halfBitsToFloat(view.getUint16(2 * i, true)); break;
    case 'I64': for (let i = 0; i < n; i++) out[i] = bigIntToFloat32(view.getBigInt64(8 * i, true)); break;
    case 'U64': for (let i = 0; i < n; i++) out[i] = bigIntToFloat32(view.getBigUint64(8 * i, true)); break;
    case 'I32': for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true); break;
    case 'U32': for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true); break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true); break;
    case 'U16': for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = view.getInt8(i); break;
    case 'U8': for (let i = 0; i < n; i++) out[i] = view.getUint8(i); break;
    // A bool byte is 0 or 1 as torch writes it; any other non-zero byte reads as true, as numpy's view does.
    case 'BOOL': for (let i = 0; i < n; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1; break;
    default: throw new Error(`toFloat32: dtype ${dtype} has no conversion`);
  }
  return out;
}

const TWO_53 = 2n ** 53n;

/**
 * A 64-bit integer rounded once to the nearest float32 (ties to even), as torch's int64 → float32
 * cast. NOTE: Number(v) then float32 would round twice, which beyond 2^53 can land one ulp off
 * (2^60 + 2^36 + 1 becomes the tie 2^60 + 2^36 and then rounds down), so large values round here
 * on the BigInt, keeping 24 significant bits.
 */
function bigIntToFloat32(v: bigint): number {
  if (v <= TWO_53 && v >= -TWO_53) return Math.fround(Number(v));
  const neg = v < 0n;
  const a = neg ? -v : v;
  const shift = BigInt(a.toString(2).length - 24);
  let q = a >> shift;
  const rem = a - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q) * 2 ** Number(shift);
  return Math.fround(neg ? -r : r);
}

/** Writes element i of a tensor starting at byte `pos` as `dtype` (an integer already checked to fit). */
function writeElement(view: DataView, pos: number, i: number, dtype: SafetensorsDtype, v: number): void {
  switch (dtype) {
    case 'F32': view.setFloat32(pos + 4 * i, v, true); break;
    case 'I64': view.setBigInt64(pos + 8 * i, BigInt(v), true); break;
    case 'I32': view.setInt32(pos + 4 * i, v, true); break;
    case 'I16': view.setInt16(pos + 2 * i, v, true); break;
    case 'I8': view.setInt8(pos + i, v); break;
    case 'U8': case 'BOOL': view.setUint8(pos + i, v); break;
    default: throw new Error(`encodeSafetensors: dtype ${dtype} cannot be written`);
  }
}

/** IEEE binary16 bits to a number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
  if (checkInt('halfToFloat', 'h', h, 0) > 0xffff) throw new RangeError(`halfToFloat: h must be the 16 bits of a half (0 to 65535), got ${h}`);
  return halfBitsToFloat(h);
}

/** halfToFloat without the check, for the decoding loop. */
function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Assigns without invoking setters, so a tensor named `__proto__` is just a key. */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
