import { Generator } from '@tapegrad/autograd';
import { describe, expect, it } from 'vitest';
import { DataError, decodeSafetensors, encodeSafetensors, type SafetensorsDtype, type SafetensorsTensor } from '../src/index.js';

// Seeded fuzzing of the safetensors codec we wrote ourselves (CONVENTIONS: what we write is fuzzed):
// random files of every encodable dtype round-trip, and random corruptions of them either decode
// or fail with a DataError naming the source, never with another exception.
const INT_RANGES: Array<[SafetensorsDtype, number, number]> = [
  ['I64', -(2 ** 24), 2 ** 24], ['I32', -(2 ** 24), 2 ** 24], ['I16', -32768, 32767], ['I8', -128, 127], ['U8', 0, 255], ['BOOL', 0, 1],
];

function randomFile(g: Generator): Record<string, SafetensorsTensor> {
  const tensors: Record<string, SafetensorsTensor> = {};
  const count = g.nextInt(6);
  for (let t = 0; t < count; t++) {
    const shape = Array.from({ length: g.nextInt(4) }, () => g.nextInt(4));
    const n = shape.reduce((a, b) => a * b, 1);
    const kind = g.nextInt(INT_RANGES.length + 1);
    if (kind === INT_RANGES.length) {
      // F32 with arbitrary bit patterns (NaN payloads, subnormals, ±0, ±Inf) must survive bit for bit.
      const bits = Uint32Array.from({ length: n }, () => (g.nextInt(65536) << 16) | g.nextInt(65536));
      tensors[`t${t}`] = { shape, data: new Float32Array(bits.buffer) };
    } else {
      const [dtype, lo, hi] = INT_RANGES[kind]!;
      tensors[`t${t}`] = { shape, dtype, data: Float32Array.from({ length: n }, () => lo + g.nextInt(hi - lo + 1)) };
    }
  }
  return tensors;
}

describe('safetensors fuzz (seeded)', () => {
  it('300 random files (0–5 tensors, rank 0–3, F32 bit patterns and every integer dtype) round-trip exactly', () => {
    const g = new Generator(11);
    for (let i = 0; i < 300; i++) {
      const tensors = randomFile(g);
      const { tensors: back } = decodeSafetensors(encodeSafetensors(tensors), `fuzz-${i}`);
      expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
      for (const [k, t] of Object.entries(tensors)) {
        expect(back[k]!.dtype).toBe(t.dtype ?? 'F32');
        expect(back[k]!.shape).toEqual(t.shape);
        expect(new Uint32Array(back[k]!.data.buffer)).toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
      }
    }
  });

  it('2000 corruptions (byte flips, truncations, appended bytes) of random files: decoded or a DataError naming the source', () => {
    const g = new Generator(12);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = encodeSafetensors(randomFile(g), g.nextInt(2) ? { k: 'v' } : undefined);
      let bad: Uint8Array;
      const how = g.nextInt(3);
      if (how === 0) {
        bad = bytes.slice();
        for (let f = 0; f <= g.nextInt(3); f++) bad[g.nextInt(bad.length)] = g.nextInt(256);
      } else if (how === 1) {
        bad = bytes.slice(0, g.nextInt(bytes.length));
      } else {
        bad = new Uint8Array(bytes.length + 1 + g.nextInt(8));
        bad.set(bytes);
      }
      try {
        decodeSafetensors(bad, `corrupt-${i}.safetensors`);
      } catch (e) {
        expect(e).toBeInstanceOf(DataError);
        expect((e as Error).message).toMatch(new RegExp(`^corrupt-${i}\\.safetensors: invalid safetensors file: `));
        rejected++;
      }
    }
    // Truncations and appended bytes always break the offsets, so most corruptions are caught.
    expect(rejected).toBeGreaterThan(1000);
  });
});
