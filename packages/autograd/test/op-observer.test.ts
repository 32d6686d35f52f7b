import { describe, expect, it } from 'vitest';
import '../src/testing/index.js'; // expect(...).toAllSatisfy
import {
  type ObservedOp, add, batchNorm, conv2d, matmul, maxPool2d, noGrad, observeOps, ones, permute, relu, sign, sum, tensor, tidy, zeros,
} from '../src/index.js';

function trace(fn: () => unknown): ObservedOp[] {
  const seen: ObservedOp[] = [];
  observeOps((e) => seen.push(e), fn);
  return seen;
}

describe('observeOps', () => {
  it('sees every primitive of a forward in order, with grad mode off and no input requiring grad', () => {
    const x = tensor(Array.from({ length: 2 * 1 * 6 * 6 }, (_, i) => i % 5), [2, 1, 6, 6]);
    const w = ones([3, 1, 3, 3]);
    const seen = trace(() => noGrad(() => tidy(() => sum(maxPool2d(relu(conv2d(x, w, null, { stride: 1, padding: 1 })), { kernelSize: 2 }), [2, 3]))));
    expect(seen.map((e) => e.op)).toEqual(['conv2d', 'relu', 'maxPool2d', 'sum']);
    const [conv, r, pool, s] = seen;
    expect(conv!.inputs).toEqual([x, w]);
    expect(conv!.attrs.geometry).toMatchObject({ sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, kh: 3, kw: 3 });
    expect(r!.inputs[0]).toBe(conv!.output);
    expect(pool!.inputs[0]).toBe(r!.output);
    expect(pool!.attrs.geometry).toMatchObject({ kh: 2, kw: 2, sh: 2, sw: 2 });
    expect(s!.attrs).toEqual({ axes: [2, 3], keepdim: false });
    expect(s!.output.shape).toEqual([2, 3]);
    x.dispose();
    w.dispose();
  });

  it('passes attributes the shapes do not determine: permutation, GEMM flags, batch-norm statistics', () => {
    const a = ones([2, 3]);
    const rm = zeros([3]);
    const rv = ones([3]);
    const seen = trace(() => tidy(() => {
      permute(a, [1, 0]);
      matmul(a, permute(a, [1, 0]));
      batchNorm(a, rm, rv, null, null, { training: false, eps: 1e-3 });
    }));
    const ops = seen.map((e) => e.op);
    expect(ops).toContain('matmul');
    expect(seen.find((e) => e.op === 'permute')!.attrs).toEqual({ perm: [1, 0] });
    expect(seen.find((e) => e.op === 'matmul')!.attrs).toEqual({ transA: false, transB: false });
    const bn = seen.find((e) => e.op === 'batchNorm')!;
    expect(bn.attrs.runningMean).toBe(rm);
    expect(bn.attrs).toMatchObject({ eps: 1e-3, training: false });
    for (const t of [a, rm, rv]) t.dispose();
  });

  it('sees ops that record no tape entry (sign, comparisons) and nothing outside its scope', () => {
    const a = tensor([-1, 0, 2]);
    const seen = trace(() => tidy(() => add(sign(a), 1)));
    expect(seen.map((e) => e.op)).toEqual(['sign', 'add']);
    expect(trace(() => undefined)).toEqual([]);
    // After the scope ends, the observer is gone: a later op is not seen by anyone.
    const later: ObservedOp[] = [];
    observeOps((e) => later.push(e), () => undefined);
    tidy(() => relu(a));
    expect(later).toEqual([]);
    a.dispose();
  });

  it('nests: the inner observer replaces the outer one inside its scope', () => {
    const a = tensor([1, 2]);
    const outer: string[] = [];
    const inner: string[] = [];
    observeOps((e) => outer.push(e.op), () => tidy(() => {
      relu(a);
      observeOps((e) => inner.push(e.op), () => sign(a));
      add(a, a);
    }));
    expect(outer).toEqual(['relu', 'add']);
    expect(inner).toEqual(['sign']);
    a.dispose();
  });
});

describe('observeOps: composite ops (Note [composite ops])', () => {
  it('a composite is seen as its parts at depth 1, then as itself at depth 0 with its attributes; nested composites nest', async () => {
    const { leakyRelu, elu, argmax } = await import('../src/index.js');
    const x = tensor([-2, -0.5, 0, 1.5], [2, 2]);
    const seen = trace(() => noGrad(() => tidy(() => {
      leakyRelu(x, 0.2);
      elu(x, 0.5);
      argmax(x, 1);
    })));
    const lr = seen.findIndex((e) => e.op === 'leakyRelu');
    expect(seen[lr]!.depth).toBe(0);
    expect(seen[lr]!.attrs).toEqual({ negativeSlope: 0.2 });
    expect(seen[lr]!.inputs).toEqual([x]);
    // Its parts come right before it, one level deeper, and end in the tensor it returns.
    expect(seen.slice(0, lr).map((e) => [e.op, e.depth])).toEqual([['greater', 1], ['mul', 1], ['where', 1]]);
    expect(seen[lr - 1]!.output).toBe(seen[lr]!.output);
    const el = seen.findIndex((e) => e.op === 'elu');
    expect(seen[el]!.attrs).toEqual({ alpha: 0.5 });
    expect(seen.slice(lr + 1, el)).toAllSatisfy((e) => e.depth === 1);
    const am = seen.findIndex((e) => e.op === 'argmax');
    expect(seen[am]!.attrs).toEqual({ dim: 1, keepdim: false });
    expect(seen.slice(el + 1, am)).toAllSatisfy((e) => e.depth === 1);
    x.dispose();
  });

  it('without an observer a composite runs its forward only (no depth left behind for a later observer)', async () => {
    const { leakyRelu } = await import('../src/index.js');
    const x = tensor([-1, 2], [2]);
    tidy(() => leakyRelu(x, 0.1));
    const seen = trace(() => tidy(() => relu(x)));
    expect(seen.map((e) => [e.op, e.depth])).toEqual([['relu', 0]]);
    x.dispose();
  });
});
