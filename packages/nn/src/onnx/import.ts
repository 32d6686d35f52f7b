import { checkBytes, checkString, fail as failArg } from '../check.js';
import { Tensor, formatShape, reshape, tidy } from '@tapegrad/autograd';
import { DataError } from '../errors.js';
import { fusionEnabled } from '../fusion.js';
import { keepClassName, Module } from '../module.js';
import { IMPORTED_OPS, OPS, convRelu } from './interpret.js';
import { type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto, DATA_TYPE_NAMES, DataType, num, onnx } from './proto.js';
import { Attrs, Ints, type Value, isInts, nodeLabel, protoValue } from './values.js';

export const IMPORT_OPSETS = { min: 11, max: 17 } as const;

/** Holds parameters and buffers under one dotted prefix, so state-dict keys are the initializer names. */
class Holder extends Module {
  add(kind: 'param' | 'buffer', name: string, t: Tensor): Tensor {
    return kind === 'param' ? this.registerParameter(name, t) : this.registerBuffer(name, t);
  }
  forward(): Tensor {
    throw new Error('OnnxModel: a parameter holder has no forward');
  }
}

interface ParsedNode {
  node: NodeProto;
  index: number;
  attrs: Attrs;
  inputs: string[];
  outputs: string[];
}

/** Names of the dims of a graph input: numbers where fixed, null where symbolic (the batch). */
function dimsOf(v: ValueInfoProto): Array<number | null> | null {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined && num(d.dimValue) > 0 ? num(d.dimValue) : null));
}

/**
 * A Module built from an ONNX graph. Float initializers become parameters (trainable) named as
 * in the file, except batch-norm running statistics, which become buffers; the forward interprets
 * the nodes with autograd ops, so the model trains, saves to safetensors and exports again.
 * In training mode, BatchNormalization uses batch statistics and Dropout drops, as in PyTorch.
 */
export class OnnxModel extends Module {
  static {
    keepClassName(this, 'OnnxModel');
  }
  /** The opset of the default domain the file declares. */
  readonly opset: number;
  readonly inputName: string;
  readonly outputName: string;
  /** The graph input's dims (null where symbolic, e.g. the batch). */
  readonly inputDims: ReadonlyArray<number | null> | null;
  private readonly nodes: ParsedNode[];
  private readonly constants = new Map<string, Value>();
  private readonly weights = new Map<string, Tensor>();
  /** Conv nodes (by index) whose output only a Relu reads, with that Relu: run as one fused op. */
  private readonly reluAfterConv = new Map<number, ParsedNode>();

  constructor(model: ModelProto, source: string) {
    super();
    if (typeof model !== 'object' || model === null) failArg('OnnxModel', 'model', 'a decoded ONNX ModelProto (use fromOnnx for bytes)', model);
    checkString('OnnxModel', 'source', source);
    const fail = (why: string): never => {
      throw new DataError(`${source}: ${why}`);
    };
    const graph: GraphProto = model.graph ?? fail('the file has no graph (not an ONNX model?)');
    const opsets = model.opsetImport ?? [];
    const main = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
    if (!main) fail('the model imports no opset of the default ONNX domain');
    this.opset = num(main!.version);
    if (this.opset < IMPORT_OPSETS.min || this.opset > IMPORT_OPSETS.max) fail(`opset ${this.opset} is not supported (import reads opsets ${IMPORT_OPSETS.min}–${IMPORT_OPSETS.max})`);

    const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
    const inputs = (graph.input ?? []).filter((v) => !initNames.has(v.name ?? ''));
    if (inputs.length !== 1) fail(`the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ') || 'none'}); OnnxModel takes exactly one`);
    if ((graph.output ?? []).length !== 1) fail(`the graph has ${(graph.output ?? []).length} outputs; OnnxModel returns exactly one`);
    const elem = inputs[0]!.type?.tensorType?.elemType;
    if (elem !== undefined && elem !== null && elem !== DataType.FLOAT) fail(`graph input '${inputs[0]!.name}' has data type ${DATA_TYPE_NAMES[elem] ?? elem}; only FLOAT inputs are supported`);
    this.inputName = inputs[0]!.name ?? '';
    this.outputName = graph.output![0]!.name ?? '';
    this.inputDims = dimsOf(inputs[0]!);

    this.nodes = (graph.node ?? []).map((node, index) => ({
      node, index, attrs: new Attrs(node), inputs: (node.input ?? []).map(String), outputs: (node.output ?? []).map(String),
    }));
    // Every node checked up front: one clear error for an op from another domain or one we do not interpret.
    for (const p of this.nodes) {
      const label = nodeLabel(p.node, p.index);
      if (p.node.domain && p.node.domain !== 'ai.onnx') fail(`${label} is in domain '${p.node.domain}'; only the default ONNX domain is supported`);
      if (!OPS[p.node.opType ?? ''] && p.node.opType !== 'Constant') fail(`${label}: operator ${p.node.opType} is not supported (supported: ${IMPORTED_OPS.join(', ')})`);
    }
    // Batch-norm statistics are buffers; every other float initializer is a trainable parameter.
    const statistics = new Set<string>();
    for (const p of this.nodes) if (p.node.opType === 'BatchNormalization') for (const i of [3, 4]) if (p.inputs[i]) statistics.add(p.inputs[i]!);
    const consumer = (name: string) => this.nodes.find((p) => p.inputs.includes(name));
    for (const t of graph.initializer ?? []) {
      const name = t.name ?? '';
      const user = consumer(name);
      let v: Value;
      try {
        v = protoValue(t, `initializer '${name}'`);
      } catch (e) {
        fail(`${(e as Error).message}${user ? ` (used by ${nodeLabel(user.node, user.index)})` : ''}`);
      }
      if (isInts(v!)) this.constants.set(name, v!);
      else this.addWeight(statistics.has(name) ? 'buffer' : 'param', name, v! as Tensor);
    }
    for (const p of this.nodes) {
      if (p.node.opType !== 'Constant') continue;
      const label = nodeLabel(p.node, p.index);
      try {
        this.constants.set(p.outputs[0]!, constantValue(p.attrs));
      } catch (e) {
        fail(`${label}: ${(e as Error).message}`);
      }
    }
    // Names must resolve: every input is the graph input, an initializer, a constant or an earlier node's output.
    const known = new Set<string>([this.inputName, '', ...this.weights.keys(), ...this.constants.keys()]);
    for (const p of this.nodes) {
      for (const i of p.inputs) if (!known.has(i)) fail(`${nodeLabel(p.node, p.index)} reads '${i}', which no earlier node, initializer or input produces (nodes must be in topological order)`);
      for (const o of p.outputs) known.add(o);
    }
    if (!known.has(this.outputName)) fail(`the graph output '${this.outputName}' is produced by no node`);
    // Conv → Relu pairs (Note [layer fusion]): the Conv's one output is read once, by a Relu, and
    // is not the graph output, so nothing else sees the pre-activation.
    const readers = new Map<string, ParsedNode[]>();
    for (const p of this.nodes) for (const i of p.inputs) if (i !== '') readers.set(i, [...(readers.get(i) ?? []), p]);
    for (const p of this.nodes) {
      if (p.node.opType !== 'Conv' || p.outputs.length !== 1 || p.outputs[0] === this.outputName) continue;
      const r = readers.get(p.outputs[0]!) ?? [];
      if (r.length === 1 && r[0]!.node.opType === 'Relu' && r[0]!.inputs.length === 1) this.reluAfterConv.set(p.index, r[0]!);
    }
  }

  private addWeight(kind: 'param' | 'buffer', name: string, t: Tensor): void {
    const parts = name.split('.');
    let holder: Module = this;
    for (const part of parts.slice(0, -1)) holder = holderChild(holder, part);
    const leaf = parts[parts.length - 1]!;
    if (holder === this) (kind === 'param' ? this.registerParameter(leaf, t) : this.registerBuffer(leaf, t));
    else (holder as Holder).add(kind, leaf, t);
    this.weights.set(name, t);
  }

  /** Output of the graph for input x ([N, ...] as the graph input declares). */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) failArg('OnnxModel.forward', 'x', 'a Tensor', x);
    if (this.inputDims) {
      const ok = x.ndim === this.inputDims.length && this.inputDims.every((d, i) => d === null || d === x.shape[i]);
      if (!ok) throw new Error(`OnnxModel: input ${formatShape(x.shape)} does not match the graph input '${this.inputName}' [${this.inputDims.map((d) => d ?? '?').join(',')}]`);
    }
    return tidy(() => {
      const env = new Map<string, Value>([...this.constants, ...this.weights]);
      env.set(this.inputName, x);
      const fuse = fusionEnabled();
      const fused = new Set<ParsedNode>();
      for (const p of this.nodes) {
        if (p.node.opType === 'Constant' || fused.has(p)) continue;
        const ins = p.inputs.map((n) => (n === '' ? null : env.get(n)!));
        const relu = fuse ? this.reluAfterConv.get(p.index) : undefined;
        let out: Value;
        try {
          const c = { inputs: ins, attrs: p.attrs, opset: this.opset, training: this.training, outputs: p.outputs.filter((o) => o !== '').length };
          out = relu ? convRelu(c) : OPS[p.node.opType!]!(c);
        } catch (e) {
          throw new Error(`OnnxModel: ${nodeLabel(p.node, p.index)}: ${(e as Error).message}`, { cause: e });
        }
        if (relu) {
          fused.add(relu);
          env.set(relu.outputs[0]!, out);
        } else {
          env.set(p.outputs[0]!, out);
        }
      }
      const y = env.get(this.outputName)!;
      if (isInts(y)) throw new Error(`OnnxModel: the graph output '${this.outputName}' is an integer tensor`);
      // A view, so that disposing the result never frees a parameter or constant the graph returns as is.
      return reshape(y, y.shape);
    });
  }

  override dispose(): void {
    super.dispose();
    for (const v of this.constants.values()) if (!isInts(v)) v.dispose();
  }
}

function holderChild(m: Module, name: string): Holder {
  const found = m.namedModules().find(([n]) => n === name);
  if (found) return found[1] as Holder;
  return m.registerModule(name, new Holder());
}

function constantValue(attrs: Attrs): Value {
  const t = attrs.tensor('value');
  if (t) return protoValue(t, 'value');
  if (attrs.has('value_float')) return protoValue({ dims: [], dataType: DataType.FLOAT, floatData: [attrs.float('value_float', 0)] }, 'value_float');
  if (attrs.has('value_floats')) {
    const fs = attrs.floats('value_floats')!;
    return protoValue({ dims: [fs.length], dataType: DataType.FLOAT, floatData: fs }, 'value_floats');
  }
  if (attrs.has('value_int')) return new Ints([], [attrs.int('value_int', 0)]);
  if (attrs.has('value_ints')) {
    const is = attrs.ints('value_ints', [])!;
    return new Ints([is.length], is);
  }
  throw new Error('only value, value_float(s) and value_int(s) constants are supported');
}

/**
 * Builds a trainable Module from the bytes of an ONNX model (browser-safe).
 * @param source names the file in error messages.
 * @throws DataError naming the source and what is wrong for a malformed file, an unsupported
 *   opset, operator (and its node) or data type.
 * @example const model = fromOnnx(bytes); model.forward(x) // [N, 1, 28, 28] -> [N, 10]
 */
export function fromOnnx(bytes: Uint8Array, source = 'ONNX model'): OnnxModel {
  checkBytes('fromOnnx', 'bytes', bytes);
  checkString('fromOnnx', 'source', source);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new DataError(`${source}: not a valid ONNX file (protobuf decoding failed: ${(e as Error).message})`, { cause: e });
  }
  return new OnnxModel(model, source);
}
