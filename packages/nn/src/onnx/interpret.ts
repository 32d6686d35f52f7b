import {
  abs, add, avgPool2d, batchNorm, broadcastShapes, broadcastTo, clamp, concat, conv1d, conv2d, conv2dRelu, div, dropout, elu, equal, exp, formatShape, greater,
  layerNorm, leakyRelu, linear, log, logSoftmax, matmul, max, maxPool2d, mean, mul, neg, norm, pad, permute, pow, relu, reshape, sigmoid, sign, slice, softmax,
  softplus, sqrt, sub, sum, tanh, type Tensor, where,
} from '@tapegrad/autograd';
import { DataType } from './proto.js';
import { type Attrs, Ints, type Value, asTensor, isInts } from './values.js';

/** What an op implementation gets: its inputs (null for an omitted optional one), attributes, opset and mode. */
export interface OpContext {
  inputs: ReadonlyArray<Value | null>;
  attrs: Attrs;
  opset: number;
  training: boolean;
  /** Batch-norm running statistics are updated in training mode; these are the buffers by input index. */
  outputs: number;
}

type OpImpl = (c: OpContext) => Value;

const INT64_MAX = 2 ** 63 - 1;

function input(c: OpContext, i: number, what: string): Value {
  const v = c.inputs[i];
  if (!v) throw new Error(`missing input ${i} (${what})`);
  return v;
}
const T = (c: OpContext, i: number, what = 'data'): Tensor => asTensor(input(c, i, what));
function intsInput(c: OpContext, i: number, what: string): number[] {
  const v = input(c, i, what);
  if (!isInts(v)) throw new Error(`input ${i} (${what}) must be a constant or computed integer tensor, got a float tensor ${formatShape(v.shape)}`);
  return [...v.data];
}
const normAxis = (a: number, rank: number, what = 'axis'): number => {
  const r = a < 0 ? a + rank : a;
  if (r < 0 || r >= rank) throw new Error(`${what} ${a} is out of range for rank ${rank}`);
  return r;
};
const prod = (xs: readonly number[]) => xs.reduce((a, d) => a * d, 1);

/** Integer broadcast arithmetic (shape computations). */
function intBinary(a: Ints, b: Ints, f: (x: number, y: number) => number): Ints {
  if (a.data.length === 1 || b.data.length === 1 || a.data.length === b.data.length) {
    const n = Math.max(a.data.length, b.data.length);
    const data = Array.from({ length: n }, (_, i) => f(a.data[a.data.length === 1 ? 0 : i]!, b.data[b.data.length === 1 ? 0 : i]!));
    return new Ints(a.data.length >= b.data.length ? a.shape : b.shape, data);
  }
  throw new Error(`integer operands ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
}

function binary(f: (a: Tensor, b: Tensor) => Tensor, fi: ((x: number, y: number) => number) | null): OpImpl {
  return (c) => {
    const a = input(c, 0, 'A');
    const b = input(c, 1, 'B');
    if (fi && isInts(a) && isInts(b)) return intBinary(a, b, fi);
    return f(asTensor(a), asTensor(b));
  };
}
const unary = (f: (x: Tensor) => Tensor): OpImpl => (c) => f(T(c, 0, 'X'));

/** Symmetric 2-D pads from ONNX [top, left, bottom, right], or the explicit padding to apply first. */
function spatialPads(c: OpContext, rank: number, kernel: readonly number[], strides: readonly number[], dilations: readonly number[], inShape: readonly number[]): number[] {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  const n = rank - 2;
  if (autoPad === 'NOTSET') return c.attrs.ints('pads', new Array<number>(2 * n).fill(0))!;
  if (autoPad === 'VALID') return new Array<number>(2 * n).fill(0);
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw new Error(`auto_pad ${autoPad} is not supported`);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = inShape[2 + i]!;
    const out = Math.ceil(size / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - size);
    const small = Math.floor(total / 2);
    before.push(autoPad === 'SAME_UPPER' ? small : total - small);
    after.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return [...before, ...after];
}

/** Pads [b0, b1, e0, e1] of the spatial dims: symmetric ones go to the op, the rest to an explicit pad first. */
function splitPads(x: Tensor, pads: readonly number[], value: number): { x: Tensor; sym: number[] } {
  const n = pads.length / 2;
  const sym: number[] = [];
  const extra: number[] = [];
  let any = false;
  for (let i = 0; i < n; i++) {
    const b = pads[i]!;
    const e = pads[i + n]!;
    if (b < 0 || e < 0) throw new Error(`negative pads [${pads.join(',')}] are not supported`);
    const s = Math.min(b, e);
    sym.push(s);
    extra.push(b - s, e - s);
    if (b !== e) any = true;
  }
  if (!any) return { x, sym };
  // pad() takes (before, after) pairs from the last dim.
  const torchOrder: number[] = [];
  for (let i = n - 1; i >= 0; i--) torchOrder.push(extra[2 * i]!, extra[2 * i + 1]!);
  return { x: pad(x, torchOrder, value), sym };
}

/** Conv; with `withRelu`, relu(Conv) as one fused op (a Conv whose only reader is a Relu, Note [layer fusion]). */
function conv(c: OpContext, withRelu = false): Tensor {
  let x = T(c, 0, 'X');
  const w = T(c, 1, 'W');
  const b = c.inputs[2] ? T(c, 2, 'B') : null;
  const rank = x.ndim;
  if (rank !== 3 && rank !== 4) throw new Error(`only 1-D and 2-D convolutions are supported, input is ${formatShape(x.shape)}`);
  const n = rank - 2;
  const kernel = c.attrs.ints('kernel_shape', w.shape.slice(2))!;
  if (kernel.join() !== w.shape.slice(2).join()) throw new Error(`kernel_shape [${kernel.join(',')}] does not match the weight ${formatShape(w.shape)}`);
  const strides = c.attrs.ints('strides', new Array<number>(n).fill(1))!;
  const dilations = c.attrs.ints('dilations', new Array<number>(n).fill(1))!;
  const group = c.attrs.int('group', 1);
  const split = splitPads(x, spatialPads(c, rank, kernel, strides, dilations, x.shape), 0);
  x = split.x;
  if (!Number.isInteger(group) || group < 1) throw new Error(`group must be a positive integer, got ${group}`);
  // Grouped and depthwise convolutions are the ops' own `groups` (weight [O, C/group, ...]).
  if (n === 2) {
    const opts = { stride: strides as [number, number], padding: split.sym as [number, number], dilation: dilations as [number, number], groups: group };
    return withRelu ? conv2dRelu(x, w, b, opts) : conv2d(x, w, b, opts);
  }
  const y = conv1d(x, w, b, { stride: strides[0], padding: split.sym[0], dilation: dilations[0], groups: group });
  return withRelu ? relu(y) : y;
}

/** Conv then Relu in one op, for a Conv node whose output only a Relu node reads (OnnxModel). */
export const convRelu: OpImpl = (c) => conv(c, true);

function pool(kind: 'max' | 'avg'): OpImpl {
  return (c) => {
    let x = T(c, 0, 'X');
    if (x.ndim !== 4) throw new Error(`only 2-D pooling is supported, input is ${formatShape(x.shape)}`);
    if (c.outputs > 1) throw new Error('the Indices output is not supported');
    const kernel = c.attrs.ints('kernel_shape', null);
    if (!kernel || kernel.length !== 2) throw new Error('kernel_shape must give 2 sizes');
    const strides = c.attrs.ints('strides', [1, 1])!;
    const dilations = c.attrs.ints('dilations', [1, 1])!;
    if (c.attrs.int('ceil_mode', 0) !== 0) throw new Error('ceil_mode=1 is not supported');
    if (c.attrs.int('storage_order', 0) !== 0) throw new Error('storage_order=1 is not supported');
    const pads = spatialPads(c, 4, kernel, strides, dilations, x.shape);
    if (kind === 'avg') {
      if (dilations.some((d) => d !== 1)) throw new Error('dilated average pooling is not supported');
      if (pads.some((p) => p !== 0) && c.attrs.int('count_include_pad', 0) === 0) throw new Error('average pooling with padding and count_include_pad=0 is not supported (tapegrad counts the padding, as PyTorch does by default)');
    }
    const split = splitPads(x, pads, kind === 'max' ? -Infinity : 0);
    x = split.x;
    const opts = { kernelSize: kernel as [number, number], stride: strides as [number, number], padding: split.sym as [number, number], dilation: dilations as [number, number] };
    return kind === 'max' ? maxPool2d(x, opts) : avgPool2d(x, opts);
  };
}

function gemm(c: OpContext): Tensor {
  const a = T(c, 0, 'A');
  const b = T(c, 1, 'B');
  const bias = c.inputs[2] ? T(c, 2, 'C') : null;
  const alpha = c.attrs.float('alpha', 1);
  const beta = c.attrs.float('beta', 1);
  const transA = c.attrs.int('transA', 0);
  const transB = c.attrs.int('transB', 0);
  // The torch.nn.Linear case: one fused GEMM with the bias.
  if (!transA && transB && alpha === 1 && (!bias || (beta === 1 && bias.ndim === 1))) return linear(a, b, bias);
  let y = matmul(transA ? permute(a, [1, 0]) : a, transB ? permute(b, [1, 0]) : b);
  if (alpha !== 1) y = mul(y, alpha);
  if (bias) y = add(y, beta === 1 ? bias : mul(bias, beta));
  return y;
}

function softmaxLike(f: (x: Tensor, dim: number) => Tensor): OpImpl {
  return (c) => {
    const x = T(c, 0, 'input');
    const axis = normAxis(c.attrs.int('axis', c.opset >= 13 ? -1 : 1), x.ndim);
    if (c.opset >= 13 || axis === x.ndim - 1) return f(x, axis);
    // Before opset 13 the input is coerced to 2-D at `axis`.
    return reshape(f(reshape(x, [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]), 1), x.shape);
  };
}

/** Axes from the attribute (older opsets) or the second input (newer ones). */
function axesOf(c: OpContext, fromInputAt: number | null, rank: number): number[] | null {
  const viaInput = fromInputAt !== null && c.opset >= fromInputAt;
  const raw = viaInput ? (c.inputs[1] ? intsInput(c, 1, 'axes') : null) : c.attrs.ints('axes', null);
  return raw ? raw.map((a) => normAxis(a, rank)) : null;
}

function reduce(f: (x: Tensor, axes: number[], keep: boolean) => Tensor, axesInputFrom: number | null): OpImpl {
  return (c) => {
    const x = T(c, 0, 'data');
    const keep = c.attrs.int('keepdims', 1) === 1;
    let axes = axesOf(c, axesInputFrom, x.ndim);
    if (!axes || axes.length === 0) {
      if (c.attrs.int('noop_with_empty_axes', 0)) return x;
      axes = x.shape.map((_, i) => i);
    }
    return f(x, axes, keep);
  };
}

function unsqueezeShape(shape: readonly number[], axes: readonly number[]): number[] {
  const rank = shape.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : shape[k++]!);
  return out;
}

function reshapeValue(v: Value, shape: number[]): Value {
  return isInts(v) ? new Ints(shape, v.data) : reshape(v, shape);
}

function gatherValue(c: OpContext): Value {
  const data = input(c, 0, 'data');
  const idx = input(c, 1, 'indices');
  if (!isInts(idx)) throw new Error('indices must be integers');
  const axis = normAxis(c.attrs.int('axis', 0), data.shape.length);
  const dim = data.shape[axis]!;
  const picks = idx.data.map((i) => (i < 0 ? i + dim : i));
  if (picks.some((i) => i < 0 || i >= dim)) throw new Error(`indices [${idx.data.join(',')}] are out of range for dimension ${dim}`);
  if (isInts(data)) {
    if (data.rank !== 1) throw new Error(`gathering from integer data of rank ${data.rank} is not supported`);
    return new Ints(idx.shape, picks.map((i) => data.data[i]!));
  }
  const parts = picks.map((i) => slice(data, data.shape.map((_, d) => (d === axis ? i : 0)), data.shape.map((s, d) => (d === axis ? 1 : s))));
  const joined = parts.length === 1 ? parts[0]! : concat(parts, axis);
  return reshape(joined, [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)]);
}

function sliceValue(c: OpContext): Value {
  const data = input(c, 0, 'data');
  const rank = data.shape.length;
  const starts = intsInput(c, 1, 'starts');
  const ends = intsInput(c, 2, 'ends');
  const axes = c.inputs[3] ? intsInput(c, 3, 'axes').map((a) => normAxis(a, rank)) : starts.map((_, i) => i);
  const steps = c.inputs[4] ? intsInput(c, 4, 'steps') : starts.map(() => 1);
  if (steps.some((s) => s !== 1)) throw new Error(`steps [${steps.join(',')}] are not supported (only 1)`);
  const st = data.shape.map(() => 0);
  const sz = [...data.shape];
  axes.forEach((a, k) => {
    const d = data.shape[a]!;
    const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clampIdx(starts[k]!);
    const e = ends[k]! >= INT64_MAX / 2 ? d : clampIdx(ends[k]!);
    st[a] = s;
    sz[a] = Math.max(0, e - s);
  });
  if (isInts(data)) {
    if (data.rank !== 1) throw new Error('slicing integer data of rank > 1 is not supported');
    return new Ints([sz[0]!], data.data.slice(st[0]!, st[0]! + sz[0]!));
  }
  return slice(data, st, sz);
}

function castValue(c: OpContext): Value {
  const v = input(c, 0, 'input');
  const to = c.attrs.int('to', 0);
  if (to === DataType.FLOAT || to === DataType.DOUBLE) return asTensor(v);
  if (to === DataType.INT64 || to === DataType.INT32) {
    if (isInts(v)) return v;
    throw new Error('casting a computed float tensor to integers is not supported');
  }
  if (to === DataType.BOOL) return isInts(v) ? new Ints(v.shape, v.data.map((x) => (x ? 1 : 0))) : sub(1, equal(v, 0));
  throw new Error(`cast to data type ${to} is not supported`);
}

/** Op implementations by ONNX op type (default domain). */
export const OPS: Record<string, OpImpl> = {
  Identity: (c) => input(c, 0, 'input'),
  Conv: (c) => conv(c),
  Gemm: gemm,
  MatMul: (c) => matmul(T(c, 0, 'A'), T(c, 1, 'B')),
  Add: binary(add, (x, y) => x + y),
  Sub: binary(sub, (x, y) => x - y),
  Mul: binary(mul, (x, y) => x * y),
  Div: binary(div, (x, y) => Math.trunc(x / y)),
  Pow: binary(pow, null),
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  Tanh: unary(tanh),
  Exp: unary(exp),
  Log: unary(log),
  Sqrt: unary(sqrt),
  Neg: unary(neg),
  Abs: unary(abs),
  Sign: unary(sign),
  LeakyRelu: (c) => leakyRelu(T(c, 0, 'X'), c.attrs.float('alpha', 0.01)),
  Elu: (c) => elu(T(c, 0, 'X'), c.attrs.float('alpha', 1)),
  Softplus: (c) => softplus(T(c, 0, 'X'), { threshold: Infinity }),
  Greater: binary((a, b) => greater(a, b), null),
  Less: binary((a, b) => greater(b, a), null),
  Equal: binary((a, b) => equal(a, b), null),
  Where: (c) => where(T(c, 0, 'condition'), T(c, 1, 'X'), T(c, 2, 'Y')),
  Clip: (c) => {
    const bound = (i: number, attr: string): number | undefined => {
      if (c.opset < 11) return c.attrs.has(attr) ? c.attrs.float(attr, 0) : undefined;
      const v = c.inputs[i];
      if (!v) return undefined;
      const t = asTensor(v);
      if (t.size !== 1) throw new Error(`${attr} must be a scalar`);
      return t.item();
    };
    return clamp(T(c, 0, 'input'), bound(1, 'min'), bound(2, 'max'));
  },
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: (c) => {
    const x = T(c, 0, 'X');
    return mean(x, x.shape.map((_, i) => i).slice(2), { keepdim: true });
  },
  GlobalMaxPool: (c) => {
    const x = T(c, 0, 'X');
    return max(x, x.shape.map((_, i) => i).slice(2), { keepdim: true });
  },
  BatchNormalization: (c) => {
    if (c.outputs > 1) throw new Error('training outputs (running mean/var) are not supported');
    if (c.attrs.int('training_mode', 0) !== 0) throw new Error('training_mode=1 is not supported (the model trains in training mode by itself)');
    const x = T(c, 0, 'X');
    const momentum = 1 - c.attrs.float('momentum', 0.9); // ONNX keeps momentum·running; PyTorch's momentum weighs the batch
    return batchNorm(x, T(c, 3, 'input_mean'), T(c, 4, 'input_var'), T(c, 1, 'scale'), T(c, 2, 'B'), { training: c.training, momentum, eps: c.attrs.float('epsilon', 1e-5) });
  },
  Dropout: (c) => {
    if (c.outputs > 1) throw new Error('the mask output is not supported');
    const x = T(c, 0, 'data');
    const ratio = c.opset >= 12 ? (c.inputs[1] ? asTensor(c.inputs[1]).item() : 0.5) : c.attrs.float('ratio', 0.5);
    return dropout(x, ratio, c.training);
  },
  Flatten: (c) => {
    const x = T(c, 0, 'input');
    const a = c.attrs.int('axis', 1);
    const axis = a < 0 ? a + x.ndim : a;
    if (axis < 0 || axis > x.ndim) throw new Error(`axis ${a} is out of range for ${formatShape(x.shape)}`);
    return reshape(x, [prod(x.shape.slice(0, axis)), prod(x.shape.slice(axis))]);
  },
  Reshape: (c) => {
    const v = input(c, 0, 'data');
    const target = intsInput(c, 1, 'shape');
    const allowZero = c.attrs.int('allowzero', 0) === 1;
    const shape = target.map((d, i) => (d === 0 && !allowZero ? v.shape[i]! : d));
    if (isInts(v)) {
      const known = prod(shape.filter((d) => d !== -1));
      return new Ints(shape.map((d) => (d === -1 ? v.data.length / known : d)), v.data);
    }
    return reshape(v, shape);
  },
  Transpose: (c) => {
    const x = T(c, 0, 'data');
    return permute(x, c.attrs.ints('perm', x.shape.map((_, i) => x.ndim - 1 - i))!);
  },
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
  Shape: (c) => {
    const v = input(c, 0, 'data');
    const r = v.shape.length;
    const start = normAxisClamped(c.attrs.int('start', 0), r);
    const end = normAxisClamped(c.attrs.int('end', r), r);
    const dims = v.shape.slice(start, end);
    return new Ints([dims.length], dims);
  },
  Gather: gatherValue,
  Unsqueeze: (c) => {
    const v = input(c, 0, 'data');
    const axes = c.opset >= 13 ? intsInput(c, 1, 'axes') : c.attrs.ints('axes', null);
    if (!axes) throw new Error('axes are required');
    return reshapeValue(v, unsqueezeShape(v.shape, axes));
  },
  Squeeze: (c) => {
    const v = input(c, 0, 'data');
    const axes = axesOf(c, 13, v.shape.length);
    const keep = v.shape.map((d, i) => (axes ? !axes.includes(i) : d !== 1));
    axes?.forEach((a) => {
      if (v.shape[a] !== 1) throw new Error(`cannot squeeze axis ${a} of size ${v.shape[a]}`);
    });
    return reshapeValue(v, v.shape.filter((_, i) => keep[i]));
  },
  Concat: (c) => {
    const vs = c.inputs.filter((v): v is Value => v !== null);
    const axis = c.attrs.int('axis', 0);
    if (vs.every(isInts)) {
      if (vs.some((v) => v.rank !== 1)) throw new Error('concatenating integer data of rank > 1 is not supported');
      const data = vs.flatMap((v) => [...v.data]);
      return new Ints([data.length], data);
    }
    const ts = vs.map(asTensor);
    return concat(ts, normAxis(axis, ts[0]!.ndim));
  },
  Cast: castValue,
  Slice: sliceValue,
  Pad: (c) => {
    const mode = c.attrs.string('mode', 'constant');
    if (mode !== 'constant') throw new Error(`mode ${mode} is not supported (only constant)`);
    const x = T(c, 0, 'data');
    const pads = c.opset >= 11 ? intsInput(c, 1, 'pads') : c.attrs.ints('pads', null)!;
    const value = c.opset >= 11 ? (c.inputs[2] ? asTensor(c.inputs[2]).item() : 0) : c.attrs.float('value', 0);
    if (c.inputs[3]) throw new Error('the axes input is not supported');
    const n = x.ndim;
    if (pads.length !== 2 * n) throw new Error(`pads [${pads.join(',')}] must have ${2 * n} entries for ${formatShape(x.shape)}`);
    if (pads.some((p) => p < 0)) throw new Error(`negative pads [${pads.join(',')}] are not supported`);
    const torchOrder: number[] = [];
    for (let i = n - 1; i >= 0; i--) torchOrder.push(pads[i]!, pads[i + n]!);
    return pad(x, torchOrder, value);
  },
  Expand: (c) => {
    const x = T(c, 0, 'input');
    const shape = intsInput(c, 1, 'shape');
    return broadcastTo(x, broadcastShapes('Expand', x.shape, shape));
  },
  ReduceSum: reduce((x, axes, keep) => sum(x, axes, { keepdim: keep }), 13),
  ReduceMean: reduce((x, axes, keep) => mean(x, axes, { keepdim: keep }), 18),
  ReduceMax: reduce((x, axes, keep) => max(x, axes, { keepdim: keep }), 18),
  ReduceL2: reduce((x, axes, keep) => norm(x, 2, axes, { keepdim: keep }), 18),
  LayerNormalization: (c) => {
    if (c.outputs > 1) throw new Error('the Mean and InvStdDev outputs are not supported');
    const x = T(c, 0, 'X');
    const axis = normAxis(c.attrs.int('axis', -1), x.ndim);
    return layerNorm(x, x.shape.slice(axis), T(c, 1, 'Scale'), c.inputs[2] ? T(c, 2, 'B') : null, c.attrs.float('epsilon', 1e-5));
  },
};

function normAxisClamped(a: number, rank: number): number {
  return Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
}

/** The ONNX operators fromOnnx interprets. */
export const IMPORTED_OPS: readonly string[] = [...Object.keys(OPS), 'Constant'].sort();
