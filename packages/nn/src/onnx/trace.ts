import { Generator, noGrad, observeOps, type Storage, type Tensor, tensor, tidy } from '@tapegrad/autograd';
import { withFusion } from '../fusion.js';
import type { Module } from '../module.js';

/** A value of the traced graph: the model input, a parameter or buffer, a constant, or an op's output. */
export type TracedValue =
  | { kind: 'input'; shape: number[] }
  | { kind: 'param'; name: string; shape: number[] }
  | { kind: 'const'; shape: number[]; data: Float32Array }
  | { kind: 'op'; shape: number[] };

/** One op of the forward, with tensors referred to by value id. */
export interface TracedOp {
  op: string;
  inputs: number[];
  output: number;
  /** Plain attributes; tensor-valued ones (batch-norm statistics, where's condition) are in tensorAttrs. */
  attrs: Record<string, unknown>;
  tensorAttrs: Record<string, number | null>;
  /** The dotted path of the innermost module whose forward applied the op ('' for the root). */
  path: string;
  /** Nesting depth (Note [composite ops] in @tapegrad/autograd's op-observer.ts). */
  depth: number;
  /** A composite op's parts: the ops its forward applied, which an exporter emits when it has no node for the whole. */
  parts?: TracedOp[];
  /** For a composite: the value its parts computed that is its output (the same tensor), if any. */
  same?: number;
}

export interface Trace {
  values: TracedValue[];
  /** Top-level ops, composites holding their parts. */
  ops: TracedOp[];
  /** Every op in the order applied (parts before their composite). */
  flat: TracedOp[];
  input: number;
  output: number;
}

/**
 * Runs model.forward once on a dummy input of `shape` in eval mode with grad off, under an op
 * observer, and returns the ops it applied. Tensors that are neither the input, a parameter or
 * buffer, nor an observed op's output become constants (their values are read while they are
 * alive); a tensor that shares the storage of a known value (a `share`/`detach` view) becomes a
 * reshape of it.
 */
export function traceForward(model: Module, shape: readonly number[]): Trace {
  const ids = new Map<Tensor, number>();
  const byStorage = new Map<Storage, number>();
  const values: TracedValue[] = [];
  const ops: TracedOp[] = [];
  const add = (t: Tensor, v: TracedValue): number => {
    const id = values.length;
    values.push(v);
    ids.set(t, id);
    if (!t.isDisposed && !byStorage.has(t.storage)) byStorage.set(t.storage, id);
    return id;
  };
  for (const [name, t] of model.stateDict()) if (!ids.has(t)) add(t, { kind: 'param', name, shape: [...t.shape] });

  const paths: string[] = [''];
  const restore: Array<() => void> = [];
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  for (const [name, m] of model.namedModules()) {
    const inner = m.forward;
    m.forward = (x: Tensor): Tensor => {
      paths.push(name);
      try {
        return inner.call(m, x);
      } finally {
        paths.pop();
      }
    };
    restore.push(() => (m.forward = inner));
  }
  const lookup = (t: Tensor, path: string): number => {
    const known = ids.get(t);
    if (known !== undefined) return known;
    const same = byStorage.get(t.storage);
    if (same !== undefined) {
      const id = add(t, { kind: 'op', shape: [...t.shape] });
      ops.push({ op: 'reshape', inputs: [same], output: id, attrs: {}, tensorAttrs: {}, path, depth: currentDepth });
      return id;
    }
    return add(t, { kind: 'const', shape: [...t.shape], data: t.toFloat32Array() });
  };

  const gen = new Generator(0x0dd);
  const size = shape.reduce((a, d) => a * d, 1);
  const x = tensor(Array.from({ length: size }, () => gen.normal()), shape);
  const input = add(x, { kind: 'input', shape: [...shape] });
  let output = -1;
  let currentDepth = 0;
  model.eval();
  try {
    // Unfused (Note [layer fusion]): the graph has the layers' own ops, Conv then Relu; the
    // forward wrappers above would turn fusion off for every layer anyway.
    withFusion(false, () => noGrad(() =>
      tidy(() => {
        const y = observeOps((e) => {
          const path = paths[paths.length - 1]!;
          currentDepth = e.depth;
          const inputs = e.inputs.map((t) => lookup(t, path));
          const attrs: Record<string, unknown> = {};
          const tensorAttrs: Record<string, number | null> = {};
          for (const [k, v] of Object.entries(e.attrs)) {
            if (v === null && (k === 'weight' || k === 'bias')) tensorAttrs[k] = null;
            else if (v && typeof v === 'object' && 'storage' in v && 'shape' in v) tensorAttrs[k] = lookup(v as Tensor, path);
            else attrs[k] = v;
          }
          // A composite's output is usually the tensor its last part produced.
          const same = ids.get(e.output) ?? (e.output.isDisposed ? undefined : byStorage.get(e.output.storage));
          const out = add(e.output, { kind: 'op', shape: [...e.output.shape] });
          ops.push({ op: e.op, inputs, output: out, attrs, tensorAttrs, path, depth: e.depth, ...(same !== undefined ? { same } : {}) });
        }, () => model.forward(x));
        output = lookup(y, '');
      }),
    ));
  } finally {
    for (const r of restore) r();
    for (const [m, mode] of modes) m.training = mode;
    x.dispose();
  }
  return { values, ops: nest(ops), flat: ops, input, output };
}

/** An op at depth d owns, as its parts, the run of deeper ops right before it. */
function nest(flat: readonly TracedOp[]): TracedOp[] {
  const out: TracedOp[] = [];
  for (const op of flat) {
    const parts: TracedOp[] = [];
    while (out.length && out[out.length - 1]!.depth > op.depth) parts.unshift(out.pop()!);
    out.push(parts.length ? { ...op, parts } : op);
  }
  return out;
}

/**
 * Traces with two batch sizes and checks that both forwards applied the same ops, so that the
 * dimensions that differ between them are exactly the batch-dependent ones (exported as the
 * dynamic dimension N or as −1 in a reshape).
 */
export function traceTwice(model: Module, inputShape: readonly number[]): { a: Trace; b: Trace; batchA: number; batchB: number } {
  const batchA = 2;
  const batchB = 3;
  const a = traceForward(model, [batchA, ...inputShape.slice(1)]);
  const b = traceForward(model, [batchB, ...inputShape.slice(1)]);
  const same = a.flat.length === b.flat.length && a.values.length === b.values.length &&
    a.flat.every((o, i) => o.op === b.flat[i]!.op && o.inputs.join() === b.flat[i]!.inputs.join() && o.output === b.flat[i]!.output);
  if (!same) {
    throw new Error(`toOnnx: the forward applies different ops for batch sizes ${batchA} and ${batchB} (${a.flat.length} vs ${b.flat.length} ops); an exported graph must not depend on the batch size`);
  }
  // Constants are checked for a batch-dependent shape when the exporter uses them (a composite
  // exported as one node never uses its parts' constants, such as gather's one-hot mask).
  return { a, b, batchA, batchB };
}
