import { type Tensor, tensor } from '@tapegrad/autograd';
import { type AttributeProto, type NodeProto, type TensorProto, AttrType, num, tensorValues } from './proto.js';

/**
 * An integer value of an ONNX graph (shapes, axes, indices): kept as plain numbers and computed
 * eagerly, so the Shape → Gather → Unsqueeze → Concat → Reshape chains exporters write for
 * `x.view(x.size(0), -1)` cost nothing and never reach the tape.
 */
export class Ints {
  constructor(readonly shape: readonly number[], readonly data: readonly number[]) {}
  get rank(): number {
    return this.shape.length;
  }
}

export type Value = Tensor | Ints;

export const isInts = (v: Value): v is Ints => v instanceof Ints;

/** A float tensor from a value (integers become float32 values). */
export function asTensor(v: Value): Tensor {
  return isInts(v) ? tensor(v.data, v.shape) : v;
}

/** The error every node failure becomes: it names the node and its op. */
export function nodeLabel(node: NodeProto, index: number): string {
  return `node ${node.name ? `'${node.name}'` : `#${index}`} (${node.opType})`;
}

/** Attribute access for one node; a wrong attribute type is an error naming the attribute. */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(node: NodeProto) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  private get(name: string, type: number, what: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a && a.type !== type && a.type !== undefined && a.type !== null && a.type !== AttrType.UNDEFINED) throw new Error(`attribute ${name} must be ${what}`);
    return a;
  }
  int(name: string, dflt: number): number {
    const a = this.get(name, AttrType.INT, 'an int');
    return a ? num(a.i) : dflt;
  }
  ints(name: string, dflt: readonly number[] | null): number[] | null {
    const a = this.get(name, AttrType.INTS, 'a list of ints');
    return a ? (a.ints ?? []).map(num) : dflt ? [...dflt] : null;
  }
  float(name: string, dflt: number): number {
    const a = this.get(name, AttrType.FLOAT, 'a float');
    return a ? (a.f ?? 0) : dflt;
  }
  floats(name: string): number[] | null {
    const a = this.get(name, AttrType.FLOATS, 'a list of floats');
    return a ? [...(a.floats ?? [])] : null;
  }
  string(name: string, dflt: string): string {
    const a = this.get(name, AttrType.STRING, 'a string');
    return a?.s ? new TextDecoder().decode(a.s) : dflt;
  }
  tensor(name: string): TensorProto | null {
    return this.get(name, AttrType.TENSOR, 'a tensor')?.t ?? null;
  }
}

/** A tensor proto as a value: floats as a Tensor (the caller owns it), integers as Ints. */
export function protoValue(t: TensorProto, what: string): Value {
  const v = tensorValues(t);
  if (typeof v === 'string') throw new Error(`${what}: ${v}`);
  const dims = (t.dims ?? []).map(num);
  return v.kind === 'int' ? new Ints(dims, v.data as number[]) : tensor(v.data as Float32Array, dims);
}
