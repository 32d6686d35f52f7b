import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as autograd from '../src/index.js';
import {
  type Tensor, createRefBackend, crossEntropy, grad, linear, matmul, memory, mul, relu, slice, sum, tanh, tensor, tidy, withBackend, add,
} from '../src/index.js';
import { expectClose, float64Backend } from '../src/testing/index.js';

// grad(outputs, inputs) against backward(), against finite differences in float64, and against
// PyTorch 1.13's torch.autograd.grad on the graph of test/torch/grad-reference.py (run with
// /usr/bin/python3; the numbers below are its float64 output, compared on the float64 backend
// within float64 rounding of a dozen operations).
const X = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
const W = [0.2, -0.4, 0.1, 0.3, -0.6, 0.5, 0.05, -0.2, 0.7, 0.15, -0.3, 0.4];
const B = [0.1, -0.2, 0.3, 0.0];
const G2 = [1.0, -2.0, 0.5, 3.0, -1.0, 0.25, 2.0, -0.5];
const TORCH = {
  two_outputs: {
    x: [3.2019151629907743, -3.3219531929572716, 0.568513452155646, -0.4510520415551001, 2.2982155092593852, -4.25096231382487],
    w: [-4.8043783126161745, -2.9977051015161456, 7.371608497015597, -0.16995902874015312, -1.057806542341533, 4.953635086677205, 0.3191175545859024, -3.845248618996502, 2.936117943727211, -9.82713362594248, -1.7968762282961968, 8.012433136183528],
  },
  intermediate: {
    h: [1.951486260062903, -1.0740991339960706, -0.5826252249031818, 1.6355081559405753, -0.5365423640432025, -1.3139809200983967, 1.1927471109584846, 0.19933598924991147],
    b: [-0.4044020667782702, -1.5111238997667735, 0.23535110434583117, 0.7391641526483612],
  },
  twice: { x: [0.43365145848958464, -0.5732886754456971, 0.3275000838269625, 0.3352020442905623, -0.07569730968310827, -0.6121897857811724] },
};
const F64 = { rtol: 1e-13, atol: 1e-14 };

/** The graph of grad-reference.py: h = tanh(x·w + b), y1 = Σ h², y2 = 3h; z is never used. */
function graph() {
  const x = tensor(X, [2, 3], { requiresGrad: true });
  const w = tensor(W, [3, 4], { requiresGrad: true });
  const b = tensor(B, [4], { requiresGrad: true });
  const z = tensor([1, 2], [2], { requiresGrad: true });
  const h = tanh(add(matmul(x, w), b));
  const y1 = sum(mul(h, h));
  const y2 = mul(h, 3);
  return { x, w, b, z, h, y1, y2 };
}

const values = (t: Tensor | null | undefined) => Array.from(t!.toArray());

describe('grad against PyTorch 1.13 (torch.autograd.grad)', () => {
  it('two outputs [] and [2,4] with gradOutputs [null, g2] w.r.t. x=[2,3], w=[3,4]', () =>
    withBackend(float64Backend(), () => tidy(() => {
      const { x, w, y1, y2 } = graph();
      const [gx, gw] = grad([y1, y2], [x, w], { gradOutputs: [null, tensor(G2, [2, 4])] });
      expect(gx!.shape).toEqual([2, 3]);
      expect(gw!.shape).toEqual([3, 4]);
      expectClose(gx!, TORCH.two_outputs.x, F64);
      expectClose(gw!, TORCH.two_outputs.w, F64);
    })));

  it('an intermediate result h=[2,4] and a leaf b=[4] as inputs', () =>
    withBackend(float64Backend(), () => tidy(() => {
      const { h, b, y1 } = graph();
      const [gh, gb] = grad(y1, [h, b]);
      expectClose(gh!, TORCH.intermediate.h, F64);
      expectClose(gb!, TORCH.intermediate.b, F64);
    })));

  it('the same input twice gets the same gradient twice', () =>
    withBackend(float64Backend(), () => tidy(() => {
      const { x, y1 } = graph();
      const [g1, g2] = grad(y1, [x, x]);
      expect(g1).not.toBe(g2);
      expectClose(g1!, TORCH.twice.x, F64);
      expectClose(g2!, TORCH.twice.x, F64);
    })));

  it('an unused input: an error naming it, null with allowUnused, zeros with materializeGrads', () =>
    withBackend(float64Backend(), () => tidy(() => {
      const { z, b, y1 } = graph();
      // PyTorch: "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True …"
      expect(() => grad(y1, [b, z], { retainGraph: true })).toThrow('grad: inputs[1] (shape [2]) was not used to compute the outputs; pass {allowUnused: true} to get null for it');
      const [gz, gb] = grad(y1, [z, b], { allowUnused: true, retainGraph: true });
      expect(gz).toBeNull();
      expectClose(gb!, TORCH.intermediate.b, F64);
      const [zz] = grad(y1, [z], { materializeGrads: true });
      expect(zz!.shape).toEqual([2]);
      expect(values(zz)).toEqual([0, 0]);
    })));

  it('errors as PyTorch raises them: a non-scalar output without gradOutputs, inputs without requiresGrad, createGraph', () =>
    tidy(() => {
      const { x, w, y1, y2 } = graph();
      // PyTorch: "grad can be implicitly created only for scalar outputs"
      expect(() => grad(y2, [x])).toThrow('grad: outputs[0] has shape [2,4]; a gradient can be implicitly created only for a one-element output, pass gradOutputs');
      expect(() => grad(y2, [x], { gradOutputs: tensor([1, 2], [2]) })).toThrow('grad: gradOutputs[0] has shape [2] but outputs[0] has shape [2,4]');
      expect(() => grad([y1, y2], [x], { gradOutputs: [null] })).toThrow('grad: 2 outputs but 1 gradOutputs');
      expect(() => grad(y1, [tensor([1], [1])])).toThrow('grad: inputs[0] (shape [1]) does not require grad');
      expect(() => grad(sum(tensor([1, 2], [2])), [x])).toThrow('grad: outputs[0] (shape []) does not require grad');
      expect(() => grad(y1, [w], { createGraph: true })).toThrow('grad: createGraph: true is not supported');
      expect(() => grad(y1, [w], { retain_graph: true } as never)).toThrow("grad: unknown option 'retain_graph'");
      expect(() => grad(y1, [])).toThrow('grad: inputs is empty');
    }));

  it('without retainGraph the swept graph is freed (a second sweep fails, as PyTorch); with it, backward() still works', () =>
    tidy(() => {
      const a = graph();
      grad(a.y1, [a.x]);
      // PyTorch: "Trying to backward through the graph a second time …"
      expect(() => a.y1.backward()).toThrow('backward: tried to backward through the graph a second time');
      const b = graph();
      const [gx] = grad(b.y1, [b.x], { retainGraph: true });
      b.y1.backward();
      expect(values(b.x.grad)).toEqual(values(gx));
    }));
});

describe('grad leaves every .grad alone', () => {
  it('a linear+ReLU+linear classifier: parameter .grad stays null or keeps its tensor and values', () =>
    tidy(() => {
      const w1 = tensor(Array.from({ length: 5 * 4 }, (_, i) => Math.sin(i)), [5, 4], { requiresGrad: true });
      const b1 = tensor([0.1, -0.1, 0.2, 0, 0.3], [5], { requiresGrad: true });
      const w2 = tensor(Array.from({ length: 3 * 5 }, (_, i) => Math.cos(i)), [3, 5], { requiresGrad: true });
      const old = tensor([7, 7, 7], [3]);
      const b2 = tensor([0, 0, 0], [3], { requiresGrad: true });
      b2.grad = old;
      const x = tensor(Array.from({ length: 2 * 4 }, (_, i) => i / 4 - 1), [2, 4], { requiresGrad: true });
      const loss = crossEntropy(linear(relu(linear(x, w1, b1)), w2, b2), [2, 0]);
      const [gx, gw1] = grad(loss, [x, w1]);
      expect(gx!.shape).toEqual([2, 4]);
      expect(gw1!.shape).toEqual([5, 4]);
      expect([x.grad, w1.grad, b1.grad, w2.grad]).toEqual([null, null, null, null]);
      expect(b2.grad).toBe(old);
      expect(values(b2.grad)).toEqual([7, 7, 7]);
    }));
});

describe('grad against backward()', () => {
  // The same vjps run in the same order, so the results are bit-identical on the float32 backend.
  function mlp() {
    const w1 = tensor(Array.from({ length: 6 * 4 }, (_, i) => Math.sin(1.3 * i)), [6, 4], { requiresGrad: true });
    const b1 = tensor(Array.from({ length: 6 }, (_, i) => 0.1 * i - 0.2), [6], { requiresGrad: true });
    const w2 = tensor(Array.from({ length: 3 * 6 }, (_, i) => Math.cos(0.7 * i)), [3, 6], { requiresGrad: true });
    const x = tensor(Array.from({ length: 5 * 4 }, (_, i) => Math.sin(0.4 * i) * 2), [5, 4], { requiresGrad: true });
    const loss = crossEntropy(linear(relu(linear(x, w1, b1)), w2), [2, 0, 1, 1, 0], { reduction: 'sum' });
    return { params: [w1, b1, w2, x], loss };
  }

  it('x=[5,4] → linear 4→6 → ReLU → linear 6→3 → crossEntropy: grad(loss, [w1, b1, w2, x]) equals each .grad from backward()', () =>
    tidy(() => {
      const a = mlp();
      a.loss.backward();
      const b = mlp();
      const gs = grad(b.loss, b.params);
      a.params.forEach((p, i) => {
        expect(gs[i]!.shape).toEqual(p.shape);
        expect(values(gs[i])).toEqual(values(p.grad));
      });
    }));

  it('grad(loss, [x]) runs only the vjps on the path to x: 2 GEMMs (no weight gradients) against 4 for backward()', () => {
    // A reference backend of its own whose gemm counts its calls.
    const be = createRefBackend();
    const gemm = be.gemm.bind(be);
    let calls = 0;
    be.gemm = (...args) => {
      calls++;
      return gemm(...args);
    };
    withBackend(be, () => tidy(() => {
      const count = (fn: () => void) => {
        calls = 0;
        fn();
        return calls;
      };
      const a = mlp();
      const b = mlp();
      const viaBackward = count(() => a.loss.backward());
      let gx: Tensor | undefined;
      const viaGrad = count(() => { [gx] = grad(b.loss, [b.params[3]!]); });
      expect(viaBackward).toBe(4);
      expect(viaGrad).toBe(2);
      expect(values(gx)).toEqual(values(a.params[3]!.grad));
    }));
  });

  it('backward(g, {retainGraph: true}) twice accumulates 2·dloss/dx, as PyTorch with retain_graph=True', () =>
    tidy(() => {
      const a = mlp();
      const [once] = grad(a.loss, [a.params[3]!], { retainGraph: true });
      a.loss.backward(undefined, { retainGraph: true });
      a.loss.backward();
      expectClose(a.params[3]!.grad!, values(once).map((v) => 2 * v), { rtol: 2 ** -23, atol: 0 });
    }));

  it('an error for an unused input frees the gradients computed before it (no leak)', () => {
    const before = memory();
    tidy(() => {
      const b = mlp();
      const unused = tensor([1], [1], { requiresGrad: true });
      expect(() => grad(b.loss, [b.params[0]!, unused])).toThrow('grad: inputs[1]');
    });
    expect(memory()).toEqual(before);
  });

  it('no tensor leaks: the results belong to the enclosing tidy, the saved tensors are freed', () => {
    const before = memory();
    tidy(() => {
      const b = mlp();
      const gs = grad(b.loss, b.params);
      expect(gs).toHaveLength(4);
    });
    expect(memory()).toEqual(before);
  });
});

describe('grad in float64 against finite differences', () => {
  // f(x, w) = Σ tanh(x·w)[:, 1:] ⊙ c: central differences with step 1e-6 agree with the tape to
  // about eps² · f''' + rounding / eps ≈ 1e-10.
  const XS = [0.3, -0.8, 1.1, 0.5, -0.2, 0.9];
  const WS = [0.4, -0.5, 0.2, 0.1, 0.6, -0.3, -0.7, 0.8, 0.25];
  const C = [1, -2, 0.5, 3];
  const f = (x: Tensor, w: Tensor) => sum(mul(slice(tanh(matmul(x, w)), [0, 1], [2, 2]), tensor(C, [2, 2])));
  const numeric = (which: 0 | 1) =>
    tidy(() => {
      const base = [XS, WS];
      const shapes = [[2, 3], [3, 3]];
      return base[which]!.map((_, j) => {
        const at = (d: number) => {
          const vs = base.map((v, k) => (k === which ? v.map((u, i) => (i === j ? u + d : u)) : v));
          return f(tensor(vs[0]!, shapes[0]), tensor(vs[1]!, shapes[1])).item();
        };
        return (at(1e-6) - at(-1e-6)) / 2e-6;
      });
    });
  const worstError = (a: ArrayLike<number>, b: readonly number[]) => Math.max(...b.map((v, i) => Math.abs(a[i]! - v)));

  it('x=[2,3] w=[3,3] through matmul, tanh, slice, mul, sum: the gradient check passes, and fails for a wrong gradient (negative control)', () =>
    withBackend(float64Backend(), () => tidy(() => {
      const x = tensor(XS, [2, 3], { requiresGrad: true });
      const w = tensor(WS, [3, 3], { requiresGrad: true });
      const [gx, gw] = grad(f(x, w), [x, w]);
      const nx = numeric(0);
      const nw = numeric(1);
      expect(worstError(gx!.toArray(), nx)).toBeLessThan(1e-8);
      expect(worstError(gw!.toArray(), nw)).toBeLessThan(1e-8);
      // Negative control: the gradient of f without the slice is not f's gradient.
      const [wrong] = grad(sum(mul(tanh(matmul(x, w)), 1)), [x]);
      expect(worstError(wrong!.toArray(), nx)).toBeGreaterThan(1e-2);
    })));
});

describe('README "Gradients without .grad"', () => {
  it('runs as written: gx = w·(1 − tanh²(x·w)), gw = the first row of the Jacobian, null for the unused input, w.grad null', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const at = readme.indexOf('\n#### Gradients without `.grad`\n');
    expect(at).toBeGreaterThan(0);
    const code = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
    const js = ts.transpileModule(`${code}\nreturn { x, w, gx, gw, unused };`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    const names = Object.keys(autograd);
    const run = new Function(...names, js) as (...a: unknown[]) => Record<string, Tensor | null>;
    const { x, w, gx, gw, unused } = tidy(() => {
      const r = run(...names.map((k) => (autograd as Record<string, unknown>)[k]));
      return r as never;
    }) as Record<string, Tensor | null>;
    const xs = [0.5, -1, 2];
    const ws = [3, 1, -2];
    // In float32, 1 − y² cancels where |y| ≈ 1 (y = tanh(−4)): its absolute error is a few ulps of
    // y² ≈ 1 (2⁻²⁴ each), times |w| ≤ 3; hence an absolute tolerance of 4·2⁻²³.
    const tol = { rtol: 4 * 2 ** -23, atol: 4 * 2 ** -23 };
    expectClose(gx!, xs.map((v, i) => ws[i]! * (1 - Math.tanh(v * ws[i]!) ** 2)), tol);
    expectClose(gw!, [xs[0]! * (1 - Math.tanh(xs[0]! * ws[0]!) ** 2), 0, 0], tol);
    expect(unused).toBeNull();
    expect(w!.grad).toBeNull();
    expect(x!.grad).toBeNull();
  });
});
