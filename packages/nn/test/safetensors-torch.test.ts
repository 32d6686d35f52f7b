import { tensor } from '@tapegrad/autograd';
import { expectClose } from '@tapegrad/autograd/testing';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, decodeSafetensors, encodeSafetensors, Flatten, Linear, loadSafetensorsInto, moduleToSafetensors, ReLU, Sequential,
} from '../src/index.js';

// Files written by test/torch/safetensors_reference.py with torch 1.13 (as safetensors.torch.save_file
// writes them), with torch's own conversions and logits, in test/torch/safetensors_reference.json.
// Regenerate with: /usr/bin/python3 safetensors_reference.py > safetensors_reference.json
interface ModelFile { file: string; logits: number[]; keys: string[]; dtypes: Record<string, string> }
const REF = JSON.parse(readFileSync(new URL('./torch/safetensors_reference.json', import.meta.url), 'utf8')) as {
  dtypes: { file: string; expected: Record<string, { dtype: string; shape: number[]; f32_bits: number[] }> };
  bn_model: { x_eval: number[]; files: Record<'f32' | 'f16' | 'bf16' | 'f64', ModelFile>; after_train_forward: Record<string, number[]> };
};
const bytesOf = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

/** The PyTorch model of the script: Conv2d(1,4,3)-BN2d-ReLU-Flatten-Linear(64,8)-BN1d(momentum=None)-ReLU-Linear(8,3). */
const bnModel = () => new Sequential([
  new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(64, 8), new BatchNorm1d(8, { momentum: null }), new ReLU(), new Linear(8, 3),
]);

describe('safetensors: every dtype PyTorch writes decodes to the float32 torch converts it to', () => {
  const { tensors } = decodeSafetensors(bytesOf(REF.dtypes.file), 'torch-dtypes.safetensors');
  for (const [name, want] of Object.entries(REF.dtypes.expected)) {
    it(`${name}: ${want.dtype} [${want.shape.join(',')}] bit for bit (NaN as NaN)`, () => {
      const t = tensors[name]!;
      expect(t.dtype).toBe(want.dtype);
      expect(t.shape).toEqual(want.shape);
      const got = bits(t.data);
      const wantF = new Float32Array(Int32Array.from(want.f32_bits).buffer);
      // torch keeps a NaN's payload through the cast; we need only NaN-ness.
      expect(got.map((b, i) => (Number.isNaN(t.data[i]) ? 'NaN' : b))).toEqual(want.f32_bits.map((b, i) => (Number.isNaN(wantF[i]) ? 'NaN' : b)));
    });
  }
  it('the file covers F16/BF16 subnormals, ±Inf and NaN, F64 underflow and overflow, I64 ties beyond 2^53', () => {
    const e = REF.dtypes.expected;
    expect(new Set(Object.values(e).map((v) => v.dtype))).toEqual(new Set(['F16', 'BF16', 'F64', 'F32', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL']));
    expect(Array.from(tensors.f16!.data.subarray(4, 12))).toEqual([65504, 2 ** -14, 2 ** -24, 50 * 2 ** -24, -8 * 2 ** -24, Infinity, -Infinity, NaN]); // max, min normal, subnormals (3e-6, -5e-7 rounded), ±Inf, NaN
    expect(tensors.bf16!.data[6]).toBe(2 ** -133); // a bfloat16 subnormal
    expect(tensors.f64!.data[5]).toBe(Infinity); // 3.5e38 overflows float32
    expect(tensors.i64!.data[7]).toBe(2 ** 60 + 2 ** 37); // 2^60 + 2^36 + 1 rounds up, not to the tie's even neighbour
  });
});

describe('safetensors: a PyTorch batch-norm model state_dict loads and gives PyTorch logits', () => {
  const x = tensor(REF.bn_model.x_eval, [4, 1, 6, 6]);
  for (const tag of ['f32', 'f16', 'bf16', 'f64'] as const) {
    it(`Conv2d-BatchNorm2d-Linear-BatchNorm1d(momentum=None)-Linear, state_dict saved as ${tag.toUpperCase()} (num_batches_tracked I64): strict load, logits x=[4,1,6,6] within 1e-5`, () => {
      const f = REF.bn_model.files[tag];
      expect(f.dtypes['1.num_batches_tracked']).toBe('I64');
      const m = bnModel();
      // The same keys (PyTorch lists each module's buffers after its parameters, we list all buffers last).
      expect([...m.stateDict().keys()].sort()).toEqual([...f.keys].sort());
      loadSafetensorsInto(m, bytesOf(f.file), `torch-bn-${tag}.safetensors`);
      expect(Array.from((m.getSubmodule('1') as BatchNorm2d).numBatchesTracked.toFloat32Array())).toEqual([3]);
      // float32 sums of ≤ 64 terms of magnitude ≲ 1: differences of a few 1e-7 between summation orders.
      expectClose(m.eval().forward(x), f.logits, { rtol: 1e-5, atol: 1e-5, label: tag });
    });
  }

  it('one more training-mode forward: running statistics (BN2d momentum 0.1, BN1d cumulative average 1/4) and num_batches_tracked = 4 as PyTorch', () => {
    const m = bnModel();
    loadSafetensorsInto(m, bytesOf(REF.bn_model.files.f32.file), 'torch-bn.safetensors');
    m.train().forward(x);
    const state = m.stateDict();
    for (const [k, want] of Object.entries(REF.bn_model.after_train_forward)) {
      expectClose(state.get(k)!.toFloat32Array(), want, { rtol: 1e-5, atol: 1e-6, label: k });
    }
    expect(REF.bn_model.after_train_forward['5.num_batches_tracked']).toEqual([4]);
  });

  it('saving the loaded float32 model writes the bytes PyTorch wrote (F32 weights, I64 counters, same header)', () => {
    const m = bnModel();
    const torchBytes = bytesOf(REF.bn_model.files.f32.file);
    loadSafetensorsInto(m, torchBytes, 'torch-bn.safetensors');
    expect(Buffer.from(moduleToSafetensors(m)).equals(Buffer.from(torchBytes))).toBe(true);
  });
});

describe('safetensors encode: integer dtypes', () => {
  it('I64 [3], I32 [2], I16, I8, U8, BOOL round-trip; the header names each dtype', () => {
    const bytes = encodeSafetensors({
      a: { shape: [3], data: Float32Array.of(0, -5, 16777216), dtype: 'I64' },
      b: { shape: [2], data: Float32Array.of(-(2 ** 31), 2 ** 31 - 256), dtype: 'I32' },
      c: { shape: [1], data: Float32Array.of(-32768), dtype: 'I16' },
      d: { shape: [1], data: Float32Array.of(-128), dtype: 'I8' },
      e: { shape: [2], data: Float32Array.of(0, 255), dtype: 'U8' },
      f: { shape: [2], data: Float32Array.of(1, 0), dtype: 'BOOL' },
      g: { shape: [], data: Float32Array.of(7), dtype: 'I64' },
    });
    const { tensors } = decodeSafetensors(bytes, 'ints.safetensors');
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, [t.dtype, t.shape, Array.from(t.data)]]))).toEqual({
      a: ['I64', [3], [0, -5, 16777216]], b: ['I32', [2], [-(2 ** 31), 2 ** 31 - 256]], c: ['I16', [1], [-32768]], d: ['I8', [1], [-128]],
      e: ['U8', [2], [0, 255]], f: ['BOOL', [2], [1, 0]], g: ['I64', [], [7]],
    });
    // I64 is 8 little-endian bytes: -5 is 0xfb followed by seven 0xff.
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(Array.from(bytes.subarray(8 + n + 8, 8 + n + 16))).toEqual([0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });
  it('rejects a non-integer or out-of-range value and a dtype it cannot write, naming the tensor and value', () => {
    expect(() => encodeSafetensors({ n: { shape: [2], data: Float32Array.of(1, 2.5), dtype: 'I64' } })).toThrow(/encodeSafetensors: tensor 'n' value 2\.5 at index 1 is not an integer in the range of I64/);
    expect(() => encodeSafetensors({ n: { shape: [1], data: Float32Array.of(256), dtype: 'U8' } })).toThrow(/tensor 'n' value 256 at index 0 is not an integer in the range of U8/);
    expect(() => encodeSafetensors({ n: { shape: [1], data: Float32Array.of(2), dtype: 'BOOL' } })).toThrow(/tensor 'n' value 2 at index 0 is not 0 or 1/);
    expect(() => encodeSafetensors({ n: { shape: [1], data: Float32Array.of(1), dtype: 'F16' } })).toThrow(/tensor 'n' has dtype "F16", which encode cannot write \(supported: F32, I64, I32, I16, I8, U8, BOOL\)/);
  });
});
