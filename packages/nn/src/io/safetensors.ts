import { DataError } from '../errors.js';

/**
 * Note [safetensors layout]: an 8-byte little-endian u64 header length N, then N bytes of UTF-8
 * JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {key: string}}`, then
 * the data buffer. Offsets are relative to the start of the data buffer, tensors are stored
 * contiguously without gaps, little endian, row-major. We write tensors sorted by name with
 * `__metadata__` first, and pad the header with spaces so that N is a multiple of 8 (the data
 * buffer then starts 8-byte aligned). https://github.com/huggingface/safetensors
 */

/** A float32 tensor as stored in or read from a safetensors file. */
export interface SafetensorsTensor {
  shape: number[];
  /** Row-major, `prod(shape)` values. */
  data: Float32Array;
}

export interface DecodedSafetensors {
  /** Every tensor converted to float32; `dtype` is the type it had in the file. */
  tensors: Record<string, SafetensorsTensor & { dtype: string }>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Bytes per element of every dtype the format defines; only some can be converted. */
const DTYPE_SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
const CONVERTIBLE = ['F32', 'F64', 'F16', 'BF16'];
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Encodes float32 tensors as safetensors bytes (dtype F32), see Note [safetensors layout].
 *
 * @example
 * const bytes = encodeSafetensors({ 'fc.weight': { shape: [10, 784], data: w } }, { epoch: '3' });
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
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
    const { shape, data } = tensors[name]!;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new TypeError(`encodeSafetensors: tensor '${name}' has invalid shape ${JSON.stringify(shape)}`);
    }
    const numel = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== numel) {
      throw new TypeError(`encodeSafetensors: tensor '${name}' shape [${shape.join(', ')}] needs ${numel} float32 values, got ${data?.length}`);
    }
    const end = offset + data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${offset},${end}]}`);
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
    const { data } = tensors[name]!;
    if (LITTLE_ENDIAN_HOST) {
      // Byte copy keeps NaN payloads bit-exact (a round trip through a JS number might not).
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i]!, true);
    }
    pos += data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes, converting F32, F64, F16 and BF16 tensors to float32 (F32 bit-exact).
 *
 * @param source the file name, used in every error message.
 * @throws DataError naming `source` and the problem for any malformed input: a header length
 *   beyond the file, a header that is not UTF-8 JSON, a bad dtype, shape or data_offsets
 *   (outside the data buffer, overlapping, leaving gaps, or not matching shape x dtype size).
 * @example const { tensors, metadata } = decodeSafetensors(bytes, 'model.safetensors');
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
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
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
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
    const expected = dims.reduce((a, b) => a * b, 1) * DTYPE_SIZES[dtype as string]!;
    if (end - begin !== expected) {
      fail(`tensor '${name}' with dtype ${dtype} and shape [${dims.join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as string, shape: dims, begin, end });
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
function toFloat32(bytes: Uint8Array, begin: number, end: number, dtype: string): Float32Array {
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // NOTE: copy via set(), not bytes.slice(): on a node Buffer slice() is a view into a pool.
    const out = new Float32Array((end - begin) / 4);
    new Uint8Array(out.buffer).set(bytes.subarray(begin, end));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  const size = DTYPE_SIZES[dtype]!;
  const out = new Float32Array((end - begin) / size);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) {
    if (dtype === 'F32') out[i] = view.getFloat32(4 * i, true);
    else if (dtype === 'F64') out[i] = view.getFloat64(8 * i, true);
    else if (dtype === 'BF16') bits[i] = view.getUint16(2 * i, true) << 16;
    else out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/** IEEE binary16 bits to a number (exact: every half is a float32). */
export function halfToFloat(h: number): number {
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
