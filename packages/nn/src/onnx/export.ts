import { checkObject, checkOptions, checkString } from '../check.js';
import { checkModule, type Module } from '../module.js';
import {
  type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto, DataType, IR_VERSION, attrFloat, attrInt, attrInts, attrString, attrTensor,
  floatTensor, int64Tensor, onnx,
} from './proto.js';
import { formatShape } from '@tapegrad/autograd';
import { type Trace, type TracedOp, traceTwice } from './trace.js';

export interface ToOnnxOptions {
  /** Shape of one input batch, [N, ...]; N is exported as the dynamic dimension "N". */
  inputShape: readonly number[];
  /** ONNX opset of the default domain, 13 to 17 (default 13). */
  opset?: number;
  /** Name of the graph (default 'tapegrad'). */
  graphName?: string;
}

export const EXPORT_OPSETS = [13, 14, 15, 16, 17] as const;

/** What an emitter can use: names of values, new nodes and constants, and which dims are batch-dependent. */
interface Emit {
  op: TracedOp;
  /** The opset being written. */
  opset: number;
  /** The ONNX name of value `id`. */
  name(id: number): string;
  shape(id: number): number[];
  /** Per dim of value `id`: true when it changes with the batch size. */
  batchDims(id: number): boolean[];
  /** Adds a node; returns its first output's name (a fresh one unless `out` is given). */
  node(type: string, inputs: string[], attrs?: AttributeProto[], out?: string): string;
  int64(values: readonly number[], dims?: readonly number[]): string;
  float(values: readonly number[], dims: readonly number[]): string;
  /** Makes `id` another name for an existing value (no node). */
  alias(id: number, name: string): void;
  fail(why: string): never;
}

/** Writes the op's nodes; a composite's emitter may return false (before writing anything) to have its parts exported instead. */
type Emitter = (e: Emit) => void | boolean;

const ELEMENTWISE: Record<string, string> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow',
  neg: 'Neg', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', sign: 'Sign', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', erf: 'Erf',
};

interface Geometry { kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups?: number }

const out = (e: Emit): string => e.name(e.op.output);
const ins = (e: Emit): string[] => e.op.inputs.map((i) => e.name(i));

/** A shape for Reshape/Expand: batch-dependent dims become `dynamic` (−1 for Reshape, 1 for Expand). */
function shapeWithBatch(e: Emit, id: number, dynamic: number, what: string): number[] {
  const bd = e.batchDims(id);
  if (bd.filter(Boolean).length > 1) e.fail(`${what} to ${JSON.stringify(e.shape(id))} has more than one batch-dependent dimension`);
  return e.shape(id).map((d, i) => (bd[i] ? dynamic : d));
}

const EMITTERS: Record<string, Emitter> = {
  ...Object.fromEntries(Object.entries(ELEMENTWISE).map(([op, type]) => [op, (e: Emit) => void e.node(type, ins(e), [], out(e))])),
  conv2d(e) {
    convNode(e, out(e));
  },
  // The fused relu(conv2d) (autograd's Note [fused ops]) is the two nodes it fuses.
  conv2dRelu(e) {
    e.node('Relu', [convNode(e)], [], out(e));
  },
  // The fused maxPool2d(relu(conv2d)) (autograd's Note [fused conv pool]): Conv, Relu, MaxPool.
  conv2dReluMaxPool(e) {
    e.node('MaxPool', [e.node('Relu', [convNode(e)])], maxPoolAttrs(e.op.attrs.pool as Geometry), out(e));
  },
  maxPool2d(e) {
    e.node('MaxPool', ins(e), maxPoolAttrs(e.op.attrs.geometry as Geometry), out(e));
  },
  avgPool2d(e) {
    const g = e.op.attrs.geometry as Geometry;
    if (g.dh !== 1 || g.dw !== 1) e.fail('AveragePool has dilations only from opset 19');
    e.node('AveragePool', ins(e), [
      attrInts('kernel_shape', [g.kh, g.kw]), attrInts('strides', [g.sh, g.sw]), attrInts('pads', [g.ph, g.pw, g.ph, g.pw]), attrInt('count_include_pad', 1),
    ], out(e));
  },
  linear(e) {
    const [x, w, b] = e.op.inputs as [number, number, number | undefined];
    if (e.shape(x).length === 2) {
      e.node('Gemm', ins(e), [attrInt('transB', 1)], out(e));
      return;
    }
    const wt = e.node('Transpose', [e.name(w)], [attrInts('perm', [1, 0])]);
    if (b === undefined) e.node('MatMul', [e.name(x), wt], [], out(e));
    else e.node('Add', [e.node('MatMul', [e.name(x), wt]), e.name(b)], [], out(e));
  },
  matmul(e) {
    const { transA, transB } = e.op.attrs as { transA: boolean; transB: boolean };
    const [a, b] = ins(e) as [string, string];
    const t = (n: string, flag: boolean) => (flag ? e.node('Transpose', [n], [attrInts('perm', [0, 2, 1])]) : n);
    e.node('MatMul', [t(a, transA), t(b, transB)], [], out(e));
  },
  reshape(e) {
    const x = e.op.inputs[0]!;
    if (e.shape(x).join() === e.shape(e.op.output).join() && e.batchDims(x).join() === e.batchDims(e.op.output).join()) {
      e.alias(e.op.output, e.name(x));
      return;
    }
    e.node('Reshape', [e.name(x), e.int64(shapeWithBatch(e, e.op.output, -1, 'reshape'))], [], out(e));
  },
  broadcastTo(e) {
    const x = e.op.inputs[0]!;
    const target = e.shape(e.op.output);
    const bd = e.batchDims(e.op.output);
    const xb = e.batchDims(x);
    const lead = target.length - xb.length;
    // Expand broadcasts both ways: a 1 in the shape keeps the input's (batch) dimension.
    const shape = target.map((d, i) => {
      if (!bd[i]) return d;
      if (i >= lead && xb[i - lead]) return 1;
      return e.fail(`broadcastTo makes a batch-dependent dimension out of a fixed one (${JSON.stringify(target)})`);
    });
    e.node('Expand', [e.name(x), e.int64(shape)], [], out(e));
  },
  clone(e) {
    e.node('Identity', ins(e), [], out(e));
  },
  permute(e) {
    e.node('Transpose', ins(e), [attrInts('perm', e.op.attrs.perm as number[])], out(e));
  },
  sum(e) {
    const { axes, keepdim } = e.op.attrs as { axes: number[]; keepdim: boolean };
    if (!axes.length) return e.alias(e.op.output, ins(e)[0]!);
    e.node('ReduceSum', [...ins(e), e.int64(axes)], [attrInt('keepdims', keepdim ? 1 : 0)], out(e));
  },
  max(e) {
    const { axes, keepdim } = e.op.attrs as { axes: number[]; keepdim: boolean };
    if (!axes.length) return e.alias(e.op.output, ins(e)[0]!);
    e.node('ReduceMax', ins(e), [attrInts('axes', axes), attrInt('keepdims', keepdim ? 1 : 0)], out(e));
  },
  logSoftmax(e) {
    e.node('LogSoftmax', ins(e), [attrInt('axis', -1)], out(e));
  },
  batchNorm(e) {
    batchNormNode(e, out(e));
  },
  // The fused relu(batchNorm) (autograd's Note [fused ops]) is the two nodes it fuses.
  batchNormRelu(e) {
    e.node('Relu', [batchNormNode(e)], [], out(e));
  },
  pad(e) {
    const { before, after, value } = e.op.attrs as { before: number[]; after: number[]; value: number };
    e.node('Pad', [...ins(e), e.int64([...before, ...after]), e.float([value], [])], [], out(e));
  },
  slice(e) {
    const { starts, sizes } = e.op.attrs as { starts: number[]; sizes: number[] };
    const x = e.op.inputs[0]!;
    const xs = e.shape(x);
    const xb = e.batchDims(x);
    const axes: number[] = [];
    const st: number[] = [];
    const en: number[] = [];
    xs.forEach((d, i) => {
      if (starts[i] === 0 && sizes[i] === d) return; // whole dimension
      if (xb[i]) e.fail(`slice cuts the batch dimension (starts ${JSON.stringify(starts)}, sizes ${JSON.stringify(sizes)})`);
      axes.push(i);
      st.push(starts[i]!);
      en.push(starts[i]! + sizes[i]!);
    });
    if (!axes.length) return e.alias(e.op.output, e.name(x));
    e.node('Slice', [e.name(x), e.int64(st), e.int64(en), e.int64(axes)], [], out(e));
  },
  concat(e) {
    e.node('Concat', ins(e), [attrInt('axis', e.op.attrs.axis as number)], out(e));
  },
  greater(e) {
    e.node('Cast', [e.node('Greater', ins(e))], [attrInt('to', DataType.FLOAT)], out(e));
  },
  equal(e) {
    e.node('Cast', [e.node('Equal', ins(e))], [attrInt('to', DataType.FLOAT)], out(e));
  },
  where(e) {
    const cond = e.node('Cast', [e.name(e.op.tensorAttrs.cond!)], [attrInt('to', DataType.BOOL)]);
    e.node('Where', [cond, ...ins(e)], [], out(e));
  },
  // Composites (Note [composite ops] in @tapegrad/autograd): one node where ONNX has one.
  elu(e) {
    e.node('Elu', ins(e), [attrFloat('alpha', e.op.attrs.alpha as number)], out(e));
  },
  leakyRelu(e) {
    e.node('LeakyRelu', ins(e), [attrFloat('alpha', e.op.attrs.negativeSlope as number)], out(e));
  },
  softplus(e) {
    // Note [softplus threshold]: ONNX Softplus is log(1 + eˣ) with no threshold. Above βx > t
    // tapegrad returns x, which differs from softplus by log1p(e^(−βx))/β < e^(−t)/β: below
    // float32's resolution of x = t/β when t ≥ 20 (relative e^(−t)/t < 1e-10), so the default
    // threshold 20 (PyTorch's) needs no Where; a smaller one gets it.
    const { beta, threshold } = e.op.attrs as { beta: number; threshold: number };
    const x = ins(e)[0]!;
    const bx = beta === 1 ? x : e.node('Mul', [x, e.float([beta], [])]);
    const exact = threshold >= 20;
    const spOut = exact && beta === 1 ? out(e) : undefined;
    let sp = e.node('Softplus', [bx], [], spOut);
    if (beta !== 1) sp = e.node('Div', [sp, e.float([beta], [])], [], exact ? out(e) : undefined);
    if (!exact) e.node('Where', [e.node('Greater', [bx, e.float([threshold], [])]), x, sp], [], out(e));
  },
  gelu(e) {
    const approximate = e.op.attrs.approximate as 'none' | 'tanh';
    if (e.opset >= 20) return void e.node('Gelu', ins(e), [attrString('approximate', approximate)], out(e));
    if (approximate === 'tanh') return false; // its parts are Mul/Add/Tanh
    // x·Φ(x) = x · (1 + erf(x/√2)) / 2, with ONNX Erf (opset ≥ 9).
    const x = ins(e)[0]!;
    const erf = e.node('Erf', [e.node('Mul', [x, e.float([Math.SQRT1_2], [])])]);
    e.node('Mul', [e.node('Mul', [x, e.float([0.5], [])]), e.node('Add', [erf, e.float([1], [])])], [], out(e));
  },
  norm(e) {
    const { axes, keepdim } = e.op.attrs as { axes: number[]; keepdim: boolean };
    const x = e.op.inputs[0]!;
    const all = axes.length ? axes : e.shape(x).map((_, i) => i);
    if (e.opset >= 18) e.node('ReduceL2', [ins(e)[0]!, e.int64(all)], [attrInt('keepdims', keepdim ? 1 : 0)], out(e));
    else e.node('ReduceL2', [ins(e)[0]!], [attrInts('axes', all), attrInt('keepdims', keepdim ? 1 : 0)], out(e));
  },
  argmax(e) {
    argExtremum(e, 'ArgMax');
  },
  argmin(e) {
    argExtremum(e, 'ArgMin');
  },
  gather(e) {
    const [x, index] = ins(e) as [string, string];
    // Indices are float tensors in tapegrad; GatherElements wants integers.
    const idx = e.node('Cast', [index], [attrInt('to', DataType.INT64)]);
    e.node('GatherElements', [x, idx], [attrInt('axis', e.op.attrs.dim as number)], out(e));
  },
  layerNorm(e) {
    if (e.opset < 17) return false; // LayerNormalization is opset 17; before it, its parts (ReduceMean, Sub, Mul, Sqrt, Div)
    const { axes, eps, hasWeight, hasBias } = e.op.attrs as { axes: number[]; eps: number; hasWeight: boolean; hasBias: boolean };
    const [x, ...rest] = e.op.inputs as [number, ...number[]];
    const normShape = e.shape(x).slice(axes[0]);
    const size = normShape.reduce((a, d) => a * d, 1);
    const scale = hasWeight ? e.name(rest[0]!) : e.float(new Array<number>(size).fill(1), normShape);
    const inputs = [e.name(x), scale, ...(hasBias ? [e.name(rest[hasWeight ? 1 : 0]!)] : [])];
    e.node('LayerNormalization', inputs, [attrInt('axis', axes[0]!), attrFloat('epsilon', eps)], out(e));
  },
  dropout: randomMask,
  dropout2d: randomMask,
};

/** A Conv node from the op's geometry; returns its output's name (`outName`, or a fresh one). */
function maxPoolAttrs(g: Geometry): AttributeProto[] {
  const attrs = [attrInts('kernel_shape', [g.kh, g.kw]), attrInts('strides', [g.sh, g.sw]), attrInts('pads', [g.ph, g.pw, g.ph, g.pw])];
  if (g.dh !== 1 || g.dw !== 1) attrs.push(attrInts('dilations', [g.dh, g.dw]));
  return attrs;
}

/** A BatchNormalization node of the op (batchNorm, or batchNormRelu's first part); returns its output. */
function batchNormNode(e: Emit, name?: string): string {
  const a = e.op.attrs as { training: boolean; eps: number; c: number };
  if (a.training) e.fail('batch norm in training mode (batch statistics) has no inference graph; the exporter runs the model in eval mode, so this forward forces training');
  const t = e.op.tensorAttrs;
  const scale = t.weight !== null && t.weight !== undefined ? e.name(t.weight) : e.float(new Array<number>(a.c).fill(1), [a.c]);
  const bias = t.bias !== null && t.bias !== undefined ? e.name(t.bias) : e.float(new Array<number>(a.c).fill(0), [a.c]);
  return e.node('BatchNormalization', [e.name(e.op.inputs[0]!), scale, bias, e.name(t.runningMean!), e.name(t.runningVar!)], [attrFloat('epsilon', a.eps)], name);
}

function convNode(e: Emit, outName?: string): string {
  const g = e.op.attrs.geometry as Geometry;
  return e.node('Conv', ins(e), [
    attrInts('kernel_shape', [g.kh, g.kw]), attrInts('strides', [g.sh, g.sw]), attrInts('pads', [g.ph, g.pw, g.ph, g.pw]),
    attrInts('dilations', [g.dh, g.dw]), attrInt('group', g.groups ?? 1),
  ], outName);
}

function argExtremum(e: Emit, type: 'ArgMax' | 'ArgMin'): void {
  const { dim, keepdim } = e.op.attrs as { dim: number; keepdim: boolean };
  // First index on ties, as tapegrad and PyTorch; tapegrad's indices are float numbers.
  const i = e.node(type, ins(e), [attrInt('axis', dim), attrInt('keepdims', keepdim ? 1 : 0), attrInt('select_last_index', 0)]);
  e.node('Cast', [i], [attrInt('to', DataType.FLOAT)], out(e));
}

function randomMask(e: Emit): never {
  const { p } = e.op.attrs as { p: number };
  return e.fail(
    `${e.op.op}(x, ${p}, true) forces training mode, whose random mask has no deterministic inference graph (the exporter runs the model in eval mode, ` +
      `so pass the module's training flag — ${e.op.op}(x, p, this.training) — or use the Dropout layer, and it exports as the identity)`,
  );
}

/** ONNX op names our primitives map to, for documentation and tests. */
// dropout and dropout2d have emitters only to refuse a forced training mode with a clear message.
export const EXPORTED_OPS: readonly string[] = Object.keys(EMITTERS).filter((op) => op !== 'dropout' && op !== 'dropout2d');

function valueInfo(name: string, shape: readonly number[], batch: readonly boolean[], batchA: number): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: shape.map((d, i) => (batch[i] ? (d === batchA ? { dimParam: 'N' } : {}) : { dimValue: d })) },
      },
    },
  };
}

/** Builds the ONNX model proto from two traces (batch sizes batchA and batchB). */
function buildModel(a: Trace, b: Trace, batchA: number, batchB: number, paramData: ReadonlyMap<number, Float32Array>, opts: ToOnnxOptions): Uint8Array {
  const opset = opts.opset ?? 13;
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const names = new Map<number, string>();
  const used = new Set<string>();
  const unique = (base: string): string => {
    let n = base;
    for (let k = 1; used.has(n); k++) n = `${base}_${k}`;
    used.add(n);
    return n;
  };
  names.set(a.input, unique('input'));
  const emitted = new Set<number>();
  const name = (id: number): string => {
    const known = names.get(id);
    if (known) return known;
    const v = a.values[id]!;
    if (v.kind === 'param') {
      const n = unique(v.name);
      names.set(id, n);
      if (!emitted.has(id)) {
        emitted.add(id);
        initializers.push(floatTensor(n, v.shape, paramData.get(id)!));
      }
      return n;
    }
    if (v.kind === 'const') {
      const w = b.values[id]!;
      if (v.shape.join() !== w.shape.join()) {
        const user = current;
        throw new Error(`toOnnx: a constant created in the forward has a batch-dependent shape (${formatShape(v.shape)} for batch ${batchA}, ${formatShape(w.shape)} for batch ${batchB})${user ? `, used by ${user.op} in module '${user.path || '(root)'}'` : ''}; create it from the input with ops instead`);
      }
      const n = unique(`/Constant_${id}_output_0`);
      nodes.push({ name: unique(`/Constant_${id}`), opType: 'Constant', input: [], output: [n], attribute: [attrTensor('value', floatTensor('', v.shape, v.data))] });
      names.set(id, n);
      return n;
    }
    throw new Error(`toOnnx: internal error: value ${id} (${v.kind}) is used before it is produced`);
  };
  const batchDims = (id: number): boolean[] => a.values[id]!.shape.map((d, i) => d !== b.values[id]!.shape[i]);
  let current: TracedOp | null = null;
  let counter = 0;
  const emitOp = (op: TracedOp): void => {
    const i = counter++;
    const emitter = EMITTERS[op.op];
    const where = `module '${op.path || '(root)'}'`;
    const prefix = op.path ? `/${op.path.replaceAll('.', '/')}` : '';
    const e: Emit = {
      op,
      opset,
      name,
      shape: (id) => a.values[id]!.shape,
      batchDims,
      node(type, inputs, attrs = [], outName) {
        const nodeName = unique(`${prefix}/${type}`);
        const o = outName ?? unique(`${nodeName}_output_0`);
        nodes.push({ name: nodeName, opType: type, input: inputs, output: [o], attribute: attrs });
        return o;
      },
      int64(values, dims = [values.length]) {
        const n = unique(`${prefix}/Constant_${i}_output_0`);
        nodes.push({ name: unique(`${prefix}/Constant_${i}`), opType: 'Constant', input: [], output: [n], attribute: [attrTensor('value', int64Tensor('', dims, values))] });
        return n;
      },
      float(values, dims) {
        const n = unique(`${prefix}/Constant_${i}_output_0`);
        nodes.push({ name: unique(`${prefix}/Constant_${i}`), opType: 'Constant', input: [], output: [n], attribute: [attrTensor('value', floatTensor('', dims, Float32Array.from(values)))] });
        return n;
      },
      alias(id, n) {
        names.set(id, n);
      },
      fail(why) {
        throw new Error(`toOnnx: op ${op.op} (in ${where}): ${why}`);
      },
    };
    // The op's output gets a name before the emitter runs, so emitters can write to it directly.
    const typeHint = op.op.charAt(0).toUpperCase() + op.op.slice(1);
    names.set(op.output, unique(`${prefix}/${typeHint}_output_${i}`));
    const previous = current;
    current = op;
    const done = emitter ? emitter(e) !== false : false;
    current = previous;
    if (done) return;
    if (!op.parts) throw new Error(`toOnnx: op ${op.op} (in ${where}) has no ONNX counterpart in the exporter (supported: ${EXPORTED_OPS.join(', ')})`);
    // A composite without a node of its own: the ops it is made of.
    for (const part of op.parts) emitOp(part);
    if (op.same === undefined) throw new Error(`toOnnx: internal error: composite ${op.op} (in ${where}) returned a tensor none of its parts computed`);
    const same = op.same;
    if (a.values[same]!.shape.join() === a.values[op.output]!.shape.join()) names.set(op.output, name(same));
    else emitOp({ op: 'reshape', inputs: [same], output: op.output, attrs: {}, tensorAttrs: {}, path: op.path, depth: op.depth });
  };
  for (const op of a.ops) {
    current = op;
    emitOp(op);
  }
  // The graph output: renamed to 'output' through an Identity (also when the forward returns its input or a parameter).
  const outName = 'output';
  nodes.push({ name: unique('/Identity_output'), opType: 'Identity', input: [name(a.output)], output: [outName], attribute: [] });
  const model = {
    irVersion: IR_VERSION,
    producerName: 'tapegrad',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: opts.graphName ?? 'tapegrad',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(names.get(a.input)!, a.values[a.input]!.shape, batchDims(a.input), batchA)],
      output: [valueInfo(outName, a.values[a.output]!.shape, batchDims(a.output), batchA)],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The model as an ONNX file (bytes; browser-safe). The forward runs in eval mode on a dummy input
 * of `inputShape` under an op observer, so a custom `forward` exports too; every op it applies
 * becomes ONNX nodes. Parameters and buffers the forward uses become initializers named as in the
 * state dict (`conv1.weight`, `bn.running_mean`); batch norm exports with its running statistics,
 * dropout disappears. The batch dimension is dynamic ("N").
 * @throws naming the op and the module path when an op has no ONNX counterpart.
 * @example const bytes = toOnnx(model, { inputShape: [1, 1, 28, 28] });
 */
export function toOnnx(model: Module, opts: ToOnnxOptions): Uint8Array {
  checkToOnnxArgs('toOnnx', model, opts);
  const opset = opts.opset ?? 13;
  if (!EXPORT_OPSETS.includes(opset as (typeof EXPORT_OPSETS)[number])) throw new Error(`toOnnx: opset ${opset} is not supported (export writes opsets ${EXPORT_OPSETS[0]}–${EXPORT_OPSETS[EXPORT_OPSETS.length - 1]})`);
  const shape = opts.inputShape;
  if (!Array.isArray(shape) || shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`toOnnx: inputShape must be a list of positive integers [N, ...], got ${JSON.stringify(shape)}`);
  }
  const { a, b, batchA, batchB } = traceTwice(model, shape);
  const state = model.stateDict();
  const paramData = new Map<number, Float32Array>();
  a.values.forEach((v, id) => {
    if (v.kind === 'param') paramData.set(id, state.get(v.name)!.toFloat32Array());
  });
  return buildModel(a, b, batchA, batchB, paramData, opts);
}

/** The model and options of toOnnx / saveOnnx (opset and inputShape are checked by toOnnx). */
export function checkToOnnxArgs(fn: string, model: unknown, opts: unknown): void {
  checkModule(fn, 'model', model);
  const o = checkObject(fn, 'opts', opts, 'an object {inputShape, opset?, graphName?}');
  checkOptions(fn, o, ['inputShape', 'opset', 'graphName']);
  if (o.graphName !== undefined) checkString(fn, 'graphName', o.graphName);
}
