import { describe, expect, it } from 'vitest';
import {
  Generator, add, conv2d, crossEntropy, exp, flatten, getBackend, isGradEnabled, keep, linear, manualSeed, maxPool2d, memory, mul,
  noGrad, rand, randn, relu, sum, tensor, tidy, type Tensor,
} from '../src/index.js';
import { expectClose } from '../src/testing/index.js';

// Gradients here are computed on the float32 reference backend from a handful of operations per
// element, so they agree with the closed forms to a few units of float32 roundoff (u = 2⁻²⁴).
const U32 = 2 ** -24;
const TOL = { rtol: 16 * U32, atol: 16 * U32 };

function values(t: Tensor): number[] {
  return Array.from(t.toArray());
}

function clearGrad(...ps: Tensor[]): void {
  for (const p of ps) {
    p.grad?.dispose();
    p.grad = null;
  }
}

describe('gradient accumulation and leaves', () => {
  it('x=[3] w=[3]: two backward calls on fresh graphs accumulate x.grad = 2·w (+=)', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const w = tensor([0.5, -1, 4], [3]);
    tidy(() => sum(mul(x, w)).backward());
    expect(values(x.grad!)).toEqual([0.5, -1, 4]);
    tidy(() => sum(mul(x, w)).backward());
    expect(values(x.grad!)).toEqual([1, -2, 8]);
    expect(w.grad).toBeNull();
  });

  it('x=[2,3] as an input (FGSM-style): d sum(x·w)/dx = w, d/dw = x', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const w = tensor([6, 5, 4, 3, 2, 1], [2, 3], { requiresGrad: true });
    tidy(() => sum(mul(x, w)).backward());
    expect(values(x.grad!)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(values(w.grad!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(x.grad!.shape).toEqual([2, 3]);
  });

  it('x=[3] used on two paths in one graph: sum(x·x + exp(x)) gives 2x + exp(x)', () => {
    const x = tensor([0.5, -1, 2], [3], { requiresGrad: true });
    tidy(() => sum(add(mul(x, x), exp(x))).backward());
    expectClose(x.grad!, [0.5, -1, 2].map((v) => 2 * v + Math.exp(v)), TOL);
  });

  it('x=[2,3] broadcast against b=[3]: b.grad sums over the broadcast rows', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tensor([0, 0, 0], [3], { requiresGrad: true });
    tidy(() => sum(mul(add(x, b), x)).backward());
    expect(values(b.grad!)).toEqual([5, 7, 9]);
  });

  it('backward on a leaf y=[] seeds y.grad = 1', () => {
    const y = tensor([3], [], { requiresGrad: true });
    y.backward();
    expect(values(y.grad!)).toEqual([1]);
  });

  it('backward(grad) with an explicit gradient on y=[2] = 3·x', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const y = mul(x, 3);
    const g = tensor([1, 10], [2]);
    y.backward(g);
    expect(values(x.grad!)).toEqual([3, 30]);
    expect(g.isDisposed).toBe(false); // the caller's gradient is not consumed
  });
});

describe('noGrad and detach', () => {
  it('noGrad: mul(x, 2) with x=[3] requiring grad records nothing', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return mul(x, 2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => sum(y).backward()).toThrow(/does not require grad/);
  });

  it('noGrad restores grad mode after fn throws', () => {
    expect(() => noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph: z = sum(detach(2x)·x) gives dz/dx = 2x only', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const d = mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    tidy(() => sum(mul(d, x)).backward());
    expect(values(x.grad!)).toEqual([2, 4, 6]); // not 4x
  });

  it('detach shares storage: no new bytes, values equal', () => {
    const x = tensor([1, 2, 3], [3]);
    const before = memory();
    const d = x.detach();
    expect(memory().bytes).toBe(before.bytes);
    expect(memory().tensors).toBe(before.tensors + 1);
    expect(values(d)).toEqual([1, 2, 3]);
    x.dispose();
    expect(values(d)).toEqual([1, 2, 3]); // the storage lives while a view does
    d.dispose();
    expect(memory().bytes).toBe(before.bytes - 3 * 4);
  });
});

describe('tidy and keep', () => {
  it('tidy disposes intermediates and keeps the returned tensor', () => {
    const x = tensor([1, 2, 3], [3]);
    const before = memory();
    let mid: Tensor | null = null;
    const y = tidy(() => {
      mid = mul(x, 2);
      return add(mid, 1);
    });
    expect(mid!.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(values(y)).toEqual([3, 5, 7]);
    expect(memory()).toEqual({ tensors: before.tensors + 1, bytes: before.bytes + 3 * 4 });
    y.dispose();
    expect(memory()).toEqual(before);
  });

  it('tidy keeps tensors returned in arrays and nested plain objects', () => {
    const x = tensor([1, 2], [2]);
    const before = memory();
    const r = tidy(() => {
      const a = mul(x, 2);
      mul(x, 5); // dropped
      return { list: [a, add(x, 1)], nested: { b: mul(x, 3) }, n: 4 };
    });
    expect(values(r.list[0]!)).toEqual([2, 4]);
    expect(values(r.list[1]!)).toEqual([2, 3]);
    expect(values(r.nested.b)).toEqual([3, 6]);
    expect(memory().tensors).toBe(before.tensors + 3);
    for (const t of [...r.list, r.nested.b]) t.dispose();
    expect(memory()).toEqual(before);
  });

  it('keep() exempts a tensor from the enclosing scopes', () => {
    const before = memory();
    let kept: Tensor | null = null;
    let dropped: Tensor | null = null;
    tidy(() => {
      tidy(() => {
        kept = keep(tensor([1, 2], [2]));
        dropped = tensor([3, 4], [2]);
      });
    });
    expect(kept!.isDisposed).toBe(false);
    expect(dropped!.isDisposed).toBe(true);
    kept!.dispose();
    expect(memory()).toEqual(before);
  });

  it('nested tidy: a tensor returned by the inner scope is disposed by the outer one unless returned again', () => {
    let inner: Tensor | null = null;
    const outer = tidy(() => {
      inner = tidy(() => mul(tensor([1, 2], [2]), 2));
      return add(inner, 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(values(outer)).toEqual([3, 5]);
    outer.dispose();
  });

  it('tidy whose fn throws disposes what it created (x=[64])', () => {
    const before = memory();
    expect(() =>
      tidy(() => {
        mul(tensor(new Array(64).fill(1), [64]), 2);
        throw new Error('fail inside tidy');
      }),
    ).toThrow('fail inside tidy');
    expect(memory()).toEqual(before);
  });
});

describe('memory across training steps', () => {
  /** A tiny CNN: conv2d(x=[4,1,8,8], w1=[4,1,3,3], b1=[4]) -> relu -> maxPool2d k=2 -> flatten -> linear(w2=[3,36], b2=[3]) -> crossEntropy. */
  function makeCnn() {
    const g = new Generator(2024);
    const r = (n: number, s: number) => Array.from({ length: n }, () => s * g.normal());
    const params = [
      tensor(r(36, 0.3), [4, 1, 3, 3], { requiresGrad: true }),
      tensor(r(4, 0.1), [4], { requiresGrad: true }),
      tensor(r(108, 0.2), [3, 36], { requiresGrad: true }),
      tensor(r(3, 0.1), [3], { requiresGrad: true }),
    ] as const;
    const x = tensor(r(4 * 64, 1), [4, 1, 8, 8]);
    const y = [0, 1, 2, 1];
    const forward = () => {
      const [w1, b1, w2, b2] = params;
      const h = maxPool2d(relu(conv2d(x, w1, b1)), { kernelSize: 2 });
      return crossEntropy(linear(flatten(h), w2, b2), y);
    };
    const sgd = (lr: number) => {
      for (const p of params) {
        getBackend().sgdStep(p.storage, p.grad!.storage, null, { lr, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true });
      }
    };
    return { params, x, forward, sgd };
  }

  it('cnn x=[4,1,8,8] conv[4,1,3,3] -> relu -> maxPool k=2 -> linear[3,36] -> crossEntropy: SGD steps leave memory() flat', () => {
    const { params, forward, sgd } = makeCnn();
    const base = memory();
    const losses: number[] = [];
    const after: Array<{ tensors: number; bytes: number }> = [];
    for (let step = 0; step < 4; step++) {
      const loss = tidy(() => {
        const l = forward();
        l.backward();
        return l.item();
      });
      losses.push(loss);
      for (const p of params) expect(p.grad!.shape).toEqual(p.shape);
      sgd(0.1);
      clearGrad(...params);
      after.push(memory());
    }
    // Zeroing the grads each step returns memory to the level before the first step.
    for (const m of after) expect(m).toEqual(base);
    // The update did something: the loss on this fixed batch falls monotonically for a small lr.
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
  });

  it('cnn: with grads kept between steps, step 2 and step 3 end at the same memory()', () => {
    const { params, forward } = makeCnn();
    const step = () => {
      tidy(() => forward().backward());
      // an update in noGrad arithmetic: p -= 0.05·grad, written back in place
      noGrad(() => tidy(() => {
        for (const p of params) getBackend().copyInPlace(p.storage, add(p, mul(p.grad!, -0.05)).storage);
      }));
      return memory();
    };
    const m1 = step(); // creates the grads
    const m2 = step();
    const m3 = step();
    expect(m2).toEqual(m1);
    expect(m3).toEqual(m2);
    clearGrad(...params);
  });

  it('noGrad inference loop over the cnn leaves memory() flat', () => {
    const { forward } = makeCnn();
    const base = memory();
    for (let i = 0; i < 3; i++) noGrad(() => tidy(() => forward().item()));
    expect(memory()).toEqual(base);
  });
});

describe('saved tensors and graph lifetime', () => {
  it('sum(exp(3x)) x=[256]: saved tensors hold memory until backward, then are freed', () => {
    const x = tensor(Array.from({ length: 256 }, (_, i) => i / 256), [256], { requiresGrad: true });
    const before = memory();
    // The intermediates are disposed by tidy, but the tape keeps its own shares of what the vjps need.
    const loss = tidy(() => sum(exp(mul(x, 3))));
    const afterForward = memory();
    expect(afterForward.bytes).toBeGreaterThan(before.bytes + 4); // more than the loss itself
    loss.backward();
    clearGrad(x);
    // Only the loss remains: one tensor of one float32.
    expect(memory()).toEqual({ tensors: before.tensors + 1, bytes: before.bytes + 4 });
    loss.dispose();
    expect(memory()).toEqual(before);
  });

  it('disposing the output of an un-backpropagated graph frees its saved tensors', () => {
    const x = tensor(Array.from({ length: 100 }, (_, i) => i / 100), [100], { requiresGrad: true });
    const before = memory();
    const loss = tidy(() => sum(mul(exp(x), x)));
    expect(memory().bytes).toBeGreaterThan(before.bytes + 4);
    loss.dispose();
    expect(memory()).toEqual(before);
  });

  it('graph outputs still alive keep their nodes; disposing all of them frees everything', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const before = memory();
    const a = exp(x);
    const b = mul(a, a);
    const c = sum(b);
    a.dispose();
    b.dispose();
    c.backward();
    expectClose(x.grad!, [1, 2, 3].map((v) => 2 * Math.exp(2 * v)), TOL);
    clearGrad(x);
    c.dispose();
    expect(memory()).toEqual(before);
  });

  it('x=[3]: tensors disposed after forward but before backward still backprop (the tape holds its own share)', () => {
    const x = tensor([0.5, -1, 1.5], [3], { requiresGrad: true });
    const y = mul(x, x);
    const z = exp(y);
    const loss = sum(z);
    y.dispose();
    z.dispose();
    expect(y.isDisposed && z.isDisposed).toBe(true);
    loss.backward();
    // d/dx Σ exp(x²) = 2x·exp(x²)
    expectClose(x.grad!, [0.5, -1, 1.5].map((v) => 2 * v * Math.exp(v * v)), TOL);
    loss.dispose();
  });

  it('x=[3] requiring grad, disposed before backward: the other leaf still gets its grad and nothing leaks', () => {
    const w = tensor([1, 2, 3], [3], { requiresGrad: true });
    const before = memory();
    const x = tensor([4, 5, 6], [3], { requiresGrad: true });
    const loss = tidy(() => sum(mul(mul(x, x), w)));
    x.dispose();
    loss.backward();
    expect(values(w.grad!)).toEqual([16, 25, 36]);
    expect(x.grad).toBeNull();
    clearGrad(w);
    loss.dispose();
    expect(memory()).toEqual(before);
  });

  it('a failed second backward leaks nothing', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const before = memory();
    const loss = tidy(() => sum(mul(x, x)));
    loss.backward();
    expect(() => loss.backward()).toThrow(/second time/);
    clearGrad(x);
    loss.dispose();
    expect(memory()).toEqual(before);
  });
});

describe('random number generation', () => {
  it('randn [2,3] and rand [4] low=-2 high=2 are reproducible after manualSeed(42)', () => {
    manualSeed(42);
    const a = values(randn([2, 3]));
    const u = values(rand([4], { low: -2, high: 2 }));
    manualSeed(42);
    expect(values(randn([2, 3]))).toEqual(a);
    expect(values(rand([4], { low: -2, high: 2 }))).toEqual(u);
    expect(u.every((v) => v >= -2 && v < 2)).toBe(true);
    manualSeed(43);
    expect(values(randn([2, 3]))).not.toEqual(a);
  });

  it('randn [3] with an explicit Generator(7) ignores the default generator', () => {
    const a = values(randn([3], { generator: new Generator(7) }));
    manualSeed(1);
    randn([5]);
    expect(values(randn([3], { generator: new Generator(7) }))).toEqual(a);
  });

  it('Generator state()/setState() resumes the sequence, including a pending Box–Muller spare', () => {
    const g = new Generator(5);
    g.normal(); // leaves a spare normal pending
    const saved = JSON.parse(JSON.stringify(g.state()));
    const next = [g.normal(), g.normal(), g.nextFloat(), g.nextU32(), g.normal()];
    g.setState(saved);
    expect([g.normal(), g.normal(), g.nextFloat(), g.nextU32(), g.normal()]).toEqual(next);
    // A different generator restored from the same state continues identically too.
    const h = new Generator(999);
    h.setState(saved);
    expect([h.normal(), h.normal(), h.nextFloat(), h.nextU32(), h.normal()]).toEqual(next);
  });

  it('randn [4] drawn from a restored Generator equals the uninterrupted draw', () => {
    const g = new Generator(11);
    randn([3], { generator: g });
    const s = g.state();
    const a = values(randn([4], { generator: g }));
    g.setState(s);
    expect(values(randn([4], { generator: g }))).toEqual(a);
  });
});
