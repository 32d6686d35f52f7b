import type { Shape } from './backend.js';
import { engine, noGrad, untracked } from './engine.js';
import { notifyOp } from './op-observer.js';
import { fmt, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * The vector-Jacobian product of one primitive: given the gradient of the output, returns one
 * gradient per input, computing only those with `needs[i]` (others are null). Results are new
 * tensors the engine owns.
 */
export type Vjp = (grad: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => ReadonlyArray<Tensor | null>;

interface NodeInput {
  node: Node | null;   // the producer, when the input is an intermediate result
  leaf: Tensor | null; // the tensor itself, when it is a leaf that requires grad
  shape: Shape;
  needsGrad: boolean;
}

/**
 * One recorded application of a primitive. A node lives as long as some tensor or later node
 * refers to it; its saved tensors are freed as soon as its vjp has run, or when nothing can
 * reach it any more.
 */
export class Node {
  refs = 1;
  consumed = false;
  constructor(
    readonly op: string,
    readonly inputs: readonly NodeInput[],
    readonly outShape: Shape,
    readonly vjp: Vjp,
    private saved: Tensor[],
  ) {}

  savedTensors(): readonly Tensor[] {
    if (this.consumed) {
      throw new Error(`backward: tried to backward through the graph a second time (op ${this.op}); its saved tensors were freed after the first backward`);
    }
    return this.saved;
  }

  freeSaved(): void {
    for (const t of this.saved) t.dispose();
    this.saved = [];
  }

  release(): void {
    if (--this.refs > 0) return;
    this.freeSaved();
    for (const inp of this.inputs) inp.node?.release();
  }
}

/** Whether an op on `inputs` is recorded now (record's test): grad mode is on and some input requires grad. */
export function taped(inputs: readonly Tensor[]): boolean {
  return engine.gradEnabled && inputs.some((t) => t.requiresGrad);
}

/**
 * Records `out = op(inputs)` when grad mode is on and some input requires grad. `saved` tensors
 * are shared (not copied) and owned by the node from now on. `attrs` go to an op observer only
 * (see op-observer.ts), which sees the op whether or not it is recorded.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], vjp: Vjp, saved: readonly Tensor[] = [], attrs?: Readonly<Record<string, unknown>>): Tensor {
  notifyOp(op, out, inputs, attrs);
  if (!taped(inputs)) return out;
  const nodeInputs: NodeInput[] = inputs.map((t) => {
    if (t.gradFn) t.gradFn.refs++;
    return { node: t.gradFn, leaf: t.gradFn ? null : t.requiresGrad ? t : null, shape: t.shape, needsGrad: t.requiresGrad };
  });
  const savedShares = untracked(() => saved.map((t) => t.share()));
  out.gradFn = new Node(op, nodeInputs, out.shape, vjp, savedShares);
  out.requiresGrad = true;
  return out;
}

function topoOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    const stack: Array<[Node, number]> = [[root, 0]];
    seen.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        const child = node.inputs[i]!.node;
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        order.push(node);
        stack.pop();
      }
    }
  }
  return order.reverse(); // every consumer before its producers
}

function accumulateLeaf(leaf: Tensor, g: Tensor, add: (a: Tensor, b: Tensor) => Tensor): void {
  // NOTE: a leaf disposed after the forward cannot own a gradient any more (nothing would ever
  // free it); drop it, as PyTorch's grad of an unreachable leaf is garbage-collected.
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  if (!leaf.grad) {
    leaf.grad = g;
  } else {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    g.dispose();
    leaf.grad = sum;
  }
}

export interface BackwardOptions {
  /** Keep the saved tensors of the nodes the sweep runs through, so the graph can be swept again. */
  retainGraph?: boolean;
}

/**
 * Reverse-mode sweep from `root` seeded with `seed` (owned by the caller). Gradients accumulate
 * (+=) into `.grad` of leaves that require grad, including inputs (FGSM, saliency).
 */
export function runBackward(root: Tensor, seed: Tensor, add: (a: Tensor, b: Tensor) => Tensor, opts: BackwardOptions = {}): void {
  untracked(() =>
    noGrad(() => {
      if (!root.gradFn) {
        // A leaf: d root / d root = seed.
        accumulateLeaf(root, seed.share(), add);
        return;
      }
      sweep([[root.gradFn, seed.share()]], add, opts.retainGraph ?? false, {
        needs: (inp) => inp.needsGrad,
        leaf: (leaf, g) => accumulateLeaf(leaf, g, add),
      });
    }),
  );
}

/**
 * The gradients of `roots` (each seeded with its seed, owned by the caller) with respect to
 * `targets` only, as new untracked tensors (null where a target is not reached), leaving every
 * `.grad` alone (`grad()` in grad.ts). Only the nodes on a path from a root to a target run
 * their vjp, and a vjp computes only the gradients of inputs on such a path, so FGSM's input
 * gradient costs no weight gradients.
 */
export function gradientsOf(roots: ReadonlyArray<readonly [Tensor, Tensor]>, targets: readonly Tensor[], add: (a: Tensor, b: Tensor) => Tensor, opts: BackwardOptions = {}): Array<Tensor | null> {
  return untracked(() =>
    noGrad(() => {
      // found[k]: the gradient of the k-th distinct target, summed over its uses.
      const distinct = [...new Set(targets)];
      const found = new Map<Tensor, Tensor>();
      const accumulate = (t: Tensor, g: Tensor) => {
        const prev = found.get(t);
        if (!prev) found.set(t, g);
        else {
          found.set(t, add(prev, g));
          prev.dispose();
          g.dispose();
        }
      };
      const leafTargets = new Set(distinct.filter((t) => !t.gradFn));
      const nodeTargets = new Map<Node, Tensor>();
      for (const t of distinct) if (t.gradFn) nodeTargets.set(t.gradFn, t);
      try {
        const seeds: Array<[Node, Tensor]> = [];
        for (const [root, seed] of roots) {
          if (root.gradFn) seeds.push([root.gradFn, seed.share()]);
          else if (leafTargets.has(root)) accumulate(root, seed.share());
        }
        if (seeds.length) {
          // A node leads to a target if it produced one or one of its inputs leads to one; the
          // order puts producers after consumers, so walk it backwards.
          const order = topoOrder(seeds.map(([n]) => n));
          const leads = new Set<Node>();
          const reaches = (inp: NodeInput) => inp.needsGrad && (inp.leaf ? leafTargets.has(inp.leaf) : inp.node !== null && leads.has(inp.node));
          for (let i = order.length - 1; i >= 0; i--) {
            const node = order[i]!;
            if (nodeTargets.has(node) || node.inputs.some(reaches)) leads.add(node);
          }
          sweep(seeds, add, opts.retainGraph ?? false, {
            needs: reaches,
            leaf: (leaf, g) => (leafTargets.has(leaf) ? accumulate(leaf, g) : g.dispose()),
            node: (node, g) => {
              const t = nodeTargets.get(node);
              if (t) accumulate(t, g.share());
            },
            // A node that made a target but has no target below it needs no vjp.
            skip: (node) => !node.inputs.some(reaches),
          });
        }
        return targets.map((t, i) => {
          const g = found.get(t);
          if (!g) return null;
          // The same tensor asked for twice gets two handles on one storage.
          return targets.indexOf(t) === i ? g : g.share();
        });
      } catch (err) {
        for (const g of found.values()) g.dispose();
        throw err;
      }
    }),
  );
}

interface SweepHooks {
  /** Which inputs of a node get a gradient from its vjp. */
  needs(inp: NodeInput): boolean;
  /** Receives (and owns) the gradient of a leaf input. */
  leaf(leaf: Tensor, g: Tensor): void;
  /** Sees the complete gradient of a node's output before its vjp runs (not owned). */
  node?(node: Node, g: Tensor): void;
  /** Nodes whose vjp is not needed at all. */
  skip?(node: Node): boolean;
}

/** The reverse sweep shared by backward() and grad(): `seeds` are owned by the sweep. */
function sweep(seeds: ReadonlyArray<readonly [Node, Tensor]>, add: (a: Tensor, b: Tensor) => Tensor, retainGraph: boolean, hooks: SweepHooks): void {
  const grads = new Map<Node, Tensor>();
  const addTo = (node: Node, r: Tensor) => {
    const prev = grads.get(node);
    if (prev) {
      grads.set(node, add(prev, r));
      prev.dispose();
      r.dispose();
    } else grads.set(node, r);
  };
  // The finally frees pending gradients when a vjp throws (e.g. a second backward through a
  // consumed node); each gradient stays in `grads` until its vjp has returned.
  try {
    for (const [node, seed] of seeds) addTo(node, seed);
    for (const node of topoOrder(seeds.map(([n]) => n))) {
      const g = grads.get(node);
      if (!g) continue;
      if (!shapesEqual(g.shape, node.outShape)) {
        throw new Error(`backward: ${node.op} received a gradient of shape ${fmt(g.shape)} but its output has shape ${fmt(node.outShape)}`);
      }
      hooks.node?.(node, g);
      if (hooks.skip?.(node)) {
        grads.delete(node);
        g.dispose();
        continue;
      }
      const needs = node.inputs.map((i) => hooks.needs(i));
      const results = node.vjp(g, node.savedTensors(), needs);
      grads.delete(node);
      g.dispose();
      if (!retainGraph) {
        node.freeSaved();
        node.consumed = true;
      }
      node.inputs.forEach((inp, i) => {
        const r = results[i] ?? null;
        if (!needs[i]) {
          r?.dispose();
          return;
        }
        if (!r) throw new Error(`backward: the vjp of ${node.op} returned no gradient for input ${i}`);
        if (!shapesEqual(r.shape, inp.shape)) {
          throw new Error(`backward: the vjp of ${node.op} returned a gradient of shape ${fmt(r.shape)} for input ${i} of shape ${fmt(inp.shape)}`);
        }
        if (inp.node) addTo(inp.node, r);
        else if (inp.leaf) hooks.leaf(inp.leaf, r);
        else r.dispose();
      });
    }
  } finally {
    for (const g of grads.values()) g.dispose();
  }
}
