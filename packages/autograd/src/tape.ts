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

/**
 * Records `out = op(inputs)` when grad mode is on and some input requires grad. `saved` tensors
 * are shared (not copied) and owned by the node from now on. `attrs` go to an op observer only
 * (see op-observer.ts), which sees the op whether or not it is recorded.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], vjp: Vjp, saved: readonly Tensor[] = [], attrs?: Readonly<Record<string, unknown>>): Tensor {
  notifyOp(op, out, inputs, attrs);
  if (!engine.gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  const nodeInputs: NodeInput[] = inputs.map((t) => {
    if (t.gradFn) t.gradFn.refs++;
    return { node: t.gradFn, leaf: t.gradFn ? null : t.requiresGrad ? t : null, shape: t.shape, needsGrad: t.requiresGrad };
  });
  const savedShares = untracked(() => saved.map((t) => t.share()));
  out.gradFn = new Node(op, nodeInputs, out.shape, vjp, savedShares);
  out.requiresGrad = true;
  return out;
}

function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
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
  return order.reverse(); // root first
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

/**
 * Reverse-mode sweep from `root` seeded with `seed` (owned by the caller). Gradients accumulate
 * (+=) into `.grad` of leaves that require grad, including inputs (FGSM, saliency).
 */
export function runBackward(root: Tensor, seed: Tensor, add: (a: Tensor, b: Tensor) => Tensor): void {
  untracked(() =>
    noGrad(() => {
      if (!root.gradFn) {
        // A leaf: d root / d root = seed.
        accumulateLeaf(root, seed.share(), add);
        return;
      }
      const order = topoOrder(root.gradFn);
      const grads = new Map<Node, Tensor>();
      grads.set(order[0]!, seed.share());
      // The finally frees pending gradients when a vjp throws (e.g. a second backward through a
      // consumed node); each gradient stays in `grads` until its vjp has returned.
      try {
        for (const node of order) {
          const g = grads.get(node);
          if (!g) continue;
          if (!shapesEqual(g.shape, node.outShape)) {
            throw new Error(`backward: ${node.op} received a gradient of shape ${fmt(g.shape)} but its output has shape ${fmt(node.outShape)}`);
          }
          const needs = node.inputs.map((i) => i.needsGrad);
          const results = node.vjp(g, node.savedTensors(), needs);
          grads.delete(node);
          g.dispose();
          node.freeSaved();
          node.consumed = true;
          node.inputs.forEach((inp, i) => {
            const r = results[i] ?? null;
            if (!inp.needsGrad) {
              r?.dispose();
              return;
            }
            if (!r) throw new Error(`backward: the vjp of ${node.op} returned no gradient for input ${i}`);
            if (!shapesEqual(r.shape, inp.shape)) {
              throw new Error(`backward: the vjp of ${node.op} returned a gradient of shape ${fmt(r.shape)} for input ${i} of shape ${fmt(inp.shape)}`);
            }
            if (inp.node) {
              const prev = grads.get(inp.node);
              if (prev) {
                grads.set(inp.node, add(prev, r));
                prev.dispose();
                r.dispose();
              } else grads.set(inp.node, r);
            } else if (inp.leaf) accumulateLeaf(inp.leaf, r, add);
            else r.dispose();
          });
        }
      } finally {
        for (const g of grads.values()) g.dispose();
      }
    }),
  );
}
