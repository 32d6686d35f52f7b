import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../src/io/safetensors-node.js';
import { decodeSafetensors, encodeSafetensors, halfToFloat } from '../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Builds a file from a header object (or raw header text) and a data buffer. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors encode/decode', () => {
  it('round-trips w=[2,3] b=[3] scalar=[] empty=[0,4] bit-for-bit, incl. NaN payloads, Inf, -0, subnormals', () => {
    const special = new Float32Array(6);
    const u = new Uint32Array(special.buffer);
    u.set([0x7fc00001, 0xff800000, 0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff]); // NaN payload, -Inf, -0, min/max subnormal, max
    const tensors = {
      w: { shape: [2, 3], data: special },
      b: { shape: [3], data: Float32Array.of(Infinity, -1.5, 1e-40) },
      scalar: { shape: [], data: Float32Array.of(3.25) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = encodeSafetensors(tensors, { epoch: '3', note: 'hi' });
    const back = decodeSafetensors(bytes, 'mem');
    expect(Object.keys(back.tensors).sort()).toEqual(['b', 'empty', 'scalar', 'w']);
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name]!.shape).toEqual(t.shape);
      expect(back.tensors[name]!.dtype).toBe('F32');
      expect(bitsOf(back.tensors[name]!.data)).toEqual(bitsOf(t.data));
    }
    expect(back.metadata).toEqual({ epoch: '3', note: 'hi' });
  });

  it('header: tensors sorted by name, __metadata__ first, padded with spaces to a multiple of 8', () => {
    const bytes = encodeSafetensors(
      { zeta: { shape: [1], data: Float32Array.of(1) }, alpha: { shape: [2], data: Float32Array.of(2, 3) }, '10': { shape: [1], data: Float32Array.of(4) } },
      { k: 'v' },
    );
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"k":"v"},"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
        '"alpha":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"zeta":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}',
    );
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(bytes.length).toBe(8 + n + 16);
  });

  it('decodes a hand-built fixture: x=[2] F32, h=[2] F16, g=[1] BF16, d=[1] F64', () => {
    // Header text is 8-aligned by hand: the data buffer follows immediately.
    const data = Uint8Array.of(
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, // x: 1.0, -2.0 (F32 LE)
      0x00, 0x3c, 0x01, 0x00, //                           h: 1.0, 2^-24 (F16 LE)
      0x49, 0x40, //                                       g: 3.140625 (BF16 0x4049)
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40, // d: 2.5 (F64 LE)
    );
    const header = {
      x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      h: { dtype: 'F16', shape: [2], data_offsets: [8, 12] },
      g: { dtype: 'BF16', shape: [1], data_offsets: [12, 14] },
      d: { dtype: 'F64', shape: [1], data_offsets: [14, 22] },
    };
    const { tensors, metadata } = decodeSafetensors(build(header, data), 'fixture.safetensors');
    expect(metadata).toEqual({});
    expect(Array.from(tensors['x']!.data)).toEqual([1, -2]);
    expect(Array.from(tensors['h']!.data)).toEqual([1, 2 ** -24]);
    expect(tensors['h']!.dtype).toBe('F16');
    expect(Array.from(tensors['g']!.data)).toEqual([3.140625]);
    expect(Array.from(tensors['d']!.data)).toEqual([2.5]);
  });

  it('halfToFloat handles Inf, NaN, -0 and the largest half', () => {
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });

  const f32x2 = new Uint8Array(8);
  const malformed: [string, Uint8Array, RegExp][] = [
    ['file shorter than 8 bytes', Uint8Array.of(1, 2, 3), /file is 3 bytes, too short/],
    ['header length larger than the file', (() => { const b = build({}); new DataView(b.buffer).setUint32(0, 1000, true); return b; })(), /header length 1000 .* is larger than the 2 bytes that follow/],
    ['header length with high word set', (() => { const b = build({}); new DataView(b.buffer).setUint32(4, 1, true); return b; })(), /header length 4294967298/],
    ['non-JSON header', build('{"a": nope}'), /header \(byte offsets 8\.\.19\) is not valid JSON/],
    ['invalid UTF-8 header', (() => { const b = build('{"a":1}'); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ['header that is an array', build('[1,2]'), /header must be a JSON object, got an array/],
    ['unknown dtype', build({ a: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, f32x2), /tensor 'a' has unknown dtype "F33"/],
    ['known but unsupported dtype', build({ a: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] } }, f32x2), /tensor 'a' has dtype F8_E4M3, which cannot be loaded as float32 \(supported: F32, F64, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL\)/],
    ['negative shape', build({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32x2), /tensor 'a' has invalid shape \[-2\]/],
    ['non-integer shape', build({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, f32x2), /tensor 'a' has invalid shape \[1\.5\]/],
    ['offsets outside the data buffer', build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32x2), /tensor 'a' data_offsets \[0, 16\] lie outside the data buffer of 8 bytes/],
    ['offsets not matching shape x dtype size', build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32x2), /dtype F32 and shape \[3\] needs 12 bytes but data_offsets \[0, 8\] span 8/],
    ['overlapping offsets', build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2), /tensor 'b' data_offsets \[4, 8\] overlap tensor 'a'/],
    ['reversed offsets', build({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, f32x2), /invalid data_offsets \[8,0\]/],
    ['gap in the data buffer', build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32x2), /gap in the data buffer: bytes 0\.\.4/],
    ['trailing bytes', build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32x2), /4 trailing bytes after the last tensor/],
    ['metadata value not a string', build({ __metadata__: { a: 1 } }), /__metadata__ value for 'a' must be a string/],
    ['tensor entry not an object', build({ a: 3 }), /tensor 'a' must be an object/],
  ];
  for (const [what, bytes, pattern] of malformed) {
    it(`rejects ${what}, naming the source`, () => {
      let err: unknown;
      try {
        decodeSafetensors(bytes, 'bad.safetensors');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/^bad\.safetensors: invalid safetensors file: /);
      expect((err as Error).message).toMatch(pattern);
    });
  }

  it('a tensor named __proto__ is an ordinary key', () => {
    // An object literal cannot hold an own __proto__ key, so build the header text by hand.
    const text = '{"__proto__":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const { tensors } = decodeSafetensors(build(text, f32x2), 'p');
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  it('encode rejects a shape/data mismatch [2,2] with 3 values', () => {
    expect(() => encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(/tensor 'a' shape \[2, 2\] needs 4 float32 values, got 3/);
  });
});

describe('safetensors files and atomic writes', () => {
  it('writeSafetensorsFile / readSafetensorsFile round-trip w=[4,5] and leave no temp file', () => {
    const path = join(dir, 'model.safetensors');
    const w = Float32Array.from({ length: 20 }, (_, i) => i / 7);
    writeSafetensorsFile(path, { w: { shape: [4, 5], data: w } }, { step: '10' });
    writeSafetensorsFile(path, { w: { shape: [4, 5], data: w } }, { step: '11' }); // overwrite
    const back = readSafetensorsFile(path);
    expect(back.tensors['w']!.data).toEqual(w);
    expect(back.metadata).toEqual({ step: '11' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('readSafetensorsFile names the path for a missing or corrupt file', () => {
    expect(() => readSafetensorsFile(join(dir, 'missing.safetensors'))).toThrow(/missing\.safetensors: cannot read safetensors file/);
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Uint8Array.of(255, 255, 0, 0, 0, 0, 0, 0, 1));
    expect(() => readSafetensorsFile(bad)).toThrow(/bad\.safetensors: invalid safetensors file: header length 65535/);
  });

  it('writeFileAtomic into a missing directory throws a DataError naming the path', () => {
    const path = join(dir, 'no-such-dir', 'x.bin');
    expect(() => writeFileAtomic(path, Uint8Array.of(1))).toThrow(DataError);
    expect(() => writeFileAtomic(path, Uint8Array.of(1))).toThrow(/no-such-dir\/x\.bin: cannot write file atomically/);
    expect(existsSync(path)).toBe(false);
  });
});
