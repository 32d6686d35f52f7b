import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectClose } from '@tapegrad/autograd/testing';
import { fromOnnx, IMPORTED_OPS } from '../../src/onnx/index.js';
import { onnx } from '../../src/onnx/proto.js';
import { ourRun } from './helpers.js';

// ONNX files written by torch.onnx.export (torch 1.13, opset 13) for nn.GELU, torch.argmax and
// torch.gather, with PyTorch's outputs on x = 3·sin(0.7·i), [5, 8]: test/torch/onnx_ops_reference.json,
// written by `/usr/bin/python3 test/torch/onnx_ops_reference.py > test/torch/onnx_ops_reference.json`.
// Tolerance: float32 through an 8-term Linear (|terms| ≲ 10) and GELU: 8 · 10 · 2⁻²³ ≈ 1e-5.
interface Ref { onnx: string; y_shape: number[]; y: number[] }
const REF = JSON.parse(readFileSync(new URL('../torch/onnx_ops_reference.json', import.meta.url), 'utf8')) as {
  x: number[]; x_shape: number[]; models: Record<'Gelu' | 'Argmax' | 'GatherArgmax' | 'GatherConst', Ref>;
};
const X = Float32Array.from(REF.x);
const bytesOf = (name: keyof typeof REF.models) => new Uint8Array(Buffer.from(REF.models[name].onnx, 'base64'));
const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!).filter((t) => t !== 'Constant');
const TOL = { rtol: 1e-5, atol: 1e-5 };

describe('fromOnnx: PyTorch-exported GELU, argmax and gather models give PyTorch outputs', () => {
  it('nn.GELU → Gemm, Div, Erf, Add, Mul, Mul: the same values', () => {
    const bytes = bytesOf('Gelu');
    expect(opTypes(bytes)).toEqual(['Gemm', 'Div', 'Erf', 'Add', 'Mul', 'Mul']);
    expectClose(ourRun(fromOnnx(bytes, 'torch-gelu.onnx'), X, REF.x_shape), REF.models.Gelu.y, TOL);
  });

  it('torch.argmax(h, 1) → ArgMax axis=1 keepdims=0 select_last_index=0: the same indices (as floats)', () => {
    const bytes = bytesOf('Argmax');
    expect(opTypes(bytes)).toEqual(['Gemm', 'ArgMax']);
    const y = ourRun(fromOnnx(bytes, 'torch-argmax.onnx'), X, REF.x_shape);
    expect(Array.from(y)).toEqual(REF.models.Argmax.y);
    expect(new Set(REF.models.Argmax.y).size).toBeGreaterThan(1); // not one index everywhere
  });

  it('torch.gather(h, 1, torch.argmax(h, 1, keepdim=True)) → ArgMax + GatherElements: the row maxima', () => {
    const bytes = bytesOf('GatherArgmax');
    expect(opTypes(bytes)).toEqual(['Gemm', 'ArgMax', 'GatherElements']);
    const y = ourRun(fromOnnx(bytes, 'torch-gather-argmax.onnx'), X, REF.x_shape);
    expect(REF.models.GatherArgmax.y_shape).toEqual([5, 1]);
    expectClose(y, REF.models.GatherArgmax.y, TOL);
  });

  it('torch.gather with constant int64 indices along dim 1 then dim 0 (after GELU and a Slice) → GatherElements twice', () => {
    const bytes = bytesOf('GatherConst');
    expect(opTypes(bytes).filter((t) => t === 'GatherElements')).toHaveLength(2);
    const y = ourRun(fromOnnx(bytes, 'torch-gather-const.onnx'), X, REF.x_shape);
    expect(y.length).toBe(3);
    expectClose(y, REF.models.GatherConst.y, TOL);
  });
});

describe('README: the import operator list', () => {
  it('names exactly IMPORTED_OPS (Erf, ArgMax, ArgMin, GatherElements among them)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');
    const m = /Import reads\n`([^`]+)` \(`IMPORTED_OPS`\)/.exec(readme);
    expect(m, 'README: "Import reads `...` (`IMPORTED_OPS`)"').not.toBeNull();
    expect(m![1]!.split(/\s+/)).toEqual([...IMPORTED_OPS]);
    expect(IMPORTED_OPS).toEqual(expect.arrayContaining(['Erf', 'ArgMax', 'ArgMin', 'GatherElements']));
  });
});
