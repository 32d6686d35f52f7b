// The ONNX protobuf schema through onnx-proto (protobufjs static code generated from onnx.proto);
// no hand-written encoder. Helpers here build and read TensorProto and AttributeProto values.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type ModelProto = onnxProto.onnx.IModelProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;
export const AttrType = onnx.AttributeProto.AttributeType;

/** The IR version written: 8 goes with opsets 13–17 (onnx 1.10–1.12). */
export const IR_VERSION = 8;

/** protobufjs decodes int64 as Long objects (or numbers when `long` is absent); both become numbers. */
export function num(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** A FLOAT tensor proto, data little-endian in raw_data (what torch.onnx.export writes). */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** An INT64 tensor proto (shapes, axes, pads). */
export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...data] };
}

export function attrInt(name: string, i: number): AttributeProto {
  return { name, type: AttrType.INT, i };
}
export function attrInts(name: string, ints: readonly number[]): AttributeProto {
  return { name, type: AttrType.INTS, ints: [...ints] };
}
export function attrFloat(name: string, f: number): AttributeProto {
  return { name, type: AttrType.FLOAT, f };
}
export function attrString(name: string, value: string): AttributeProto {
  return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
}
export function attrTensor(name: string, t: TensorProto): AttributeProto {
  return { name, type: AttrType.TENSOR, t };
}

export const DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v as number, k]));

/** Values of a tensor proto as numbers, or an error message naming the unsupported dtype. */
export function tensorValues(t: TensorProto): { kind: 'float' | 'int'; data: Float32Array | number[] } | string {
  const dt = t.dataType ?? 0;
  const n = (t.dims ?? []).reduce<number>((a, d) => a * num(d), 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) return 'external data (weights in a separate file) is not supported';
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const need = (bytes: number) => (raw && raw.length !== n * bytes ? `raw_data holds ${raw.length} bytes but dims [${(t.dims ?? []).map(num).join(',')}] need ${n * bytes}` : null);
  switch (dt) {
    case DataType.FLOAT: {
      const bad = need(4);
      if (bad) return bad;
      const out = new Float32Array(n);
      if (view) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      else if ((t.floatData?.length ?? 0) === n) out.set(t.floatData!);
      else return `float_data holds ${t.floatData?.length ?? 0} values but dims need ${n}`;
      return { kind: 'float', data: out };
    }
    case DataType.DOUBLE: {
      // Converted to float32, the only float type tapegrad computes in ONNX models.
      const bad = need(8);
      if (bad) return bad;
      const out = new Float32Array(n);
      if (view) for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      else if ((t.doubleData?.length ?? 0) === n) out.set(t.doubleData!);
      else return `double_data holds ${t.doubleData?.length ?? 0} values but dims need ${n}`;
      return { kind: 'float', data: out };
    }
    case DataType.INT64: {
      const bad = need(8);
      if (bad) return bad;
      if (view) return { kind: 'int', data: Array.from({ length: n }, (_, i) => Number(view.getBigInt64(i * 8, true))) };
      if ((t.int64Data?.length ?? 0) !== n) return `int64_data holds ${t.int64Data?.length ?? 0} values but dims need ${n}`;
      return { kind: 'int', data: t.int64Data!.map(num) };
    }
    case DataType.INT32: {
      const bad = need(4);
      if (bad) return bad;
      if (view) return { kind: 'int', data: Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true)) };
      if ((t.int32Data?.length ?? 0) !== n) return `int32_data holds ${t.int32Data?.length ?? 0} values but dims need ${n}`;
      return { kind: 'int', data: [...t.int32Data!] };
    }
    case DataType.BOOL: {
      const bad = need(1);
      if (bad) return bad;
      if (raw) return { kind: 'int', data: Array.from(raw, (b) => (b ? 1 : 0)) };
      return { kind: 'int', data: (t.int32Data ?? []).map((b) => (b ? 1 : 0)) };
    }
    default:
      return `data type ${DATA_TYPE_NAMES[dt] ?? dt} is not supported (FLOAT, DOUBLE, INT64, INT32 and BOOL are)`;
  }
}
