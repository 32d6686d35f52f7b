import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ag from '../src/index.js';
import { TENSOR_METHOD_NAMES, Tensor, tensor, tidy } from '../src/index.js';
import * as ops from '../src/ops/index.js';

const values = (t: Tensor) => Array.from(t.toArray());

// Exported functions of ops/index.ts that are not a method, and why.
const NOT_METHODS: Record<string, string> = {
  concat: 'takes a list of tensors; the method is x.cat(others, dim)',
  stack: 'takes a list of tensors',
  where: 'its first argument is the condition (torch.where(cond, a, b))',
  bmm: 'internal batched GEMM on rank-3 operands with transpose flags',
  unbroadcast: 'gradient helper',
  conv2dGeometry: 'shape helper',
  poolGeometry: 'shape helper',
  conv2dRelu: 'a fusion the caller picks (layers, Sequential), not a torch.Tensor method',
  conv2dReluMaxPool: 'a fusion the caller picks (layers, Sequential), not a torch.Tensor method',
  batchNormRelu: 'a fusion the caller picks (layers, Sequential), not a torch.Tensor method',
};

describe('Tensor methods', () => {
  it('TENSOR_METHOD_NAMES are all installed on Tensor.prototype as functions', () => {
    for (const name of TENSOR_METHOD_NAMES) expect(typeof (Tensor.prototype as unknown as Record<string, unknown>)[name], name).toBe('function');
    expect(new Set(TENSOR_METHOD_NAMES).size).toBe(TENSOR_METHOD_NAMES.length);
  });

  it('every op exported from ops/index.ts is a method or is listed in NOT_METHODS with a reason', () => {
    const fns = Object.entries(ops).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    const missing = fns.filter((k) => !TENSOR_METHOD_NAMES.includes(k) && !(k in NOT_METHODS));
    expect(missing).toEqual([]);
    // the package root exports the same ops
    for (const k of fns) expect(typeof (ag as Record<string, unknown>)[k], k).toBe('function');
  });

  it('x=[2,3]: x.add(1).mul(y).relu().sum() equals the free functions, and gradients flow', () => {
    const x = tensor([1, -2, 3, -4, 5, -6], [2, 3], { requiresGrad: true });
    const y = tensor([0.5, 1, 2], [3]);
    const viaMethods = x.add(1).mul(y).relu().sum();
    const viaOps = ops.sum(ops.relu(ops.mul(ops.add(x, 1), y)));
    expect(viaMethods.item()).toBe(viaOps.item());
    viaMethods.backward();
    expect(values(x.grad!)).toEqual([0.5, 0, 2, 0, 1, 0]);
  });

  it('x=[2,3,4]: reductions, layout and softmax methods take the free functions\' arguments', () => {
    tidy(() => {
      const x = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [2, 3, 4]);
      expect(x.sum(1, { keepdim: true }).shape).toEqual([2, 1, 4]);
      expect(values(x.sum(1, { keepdim: true }))).toEqual(values(ops.sum(x, 1, { keepdim: true })));
      expect(values(x.mean())).toEqual(values(ops.mean(x)));
      expect(values(x.max(2))).toEqual(values(ops.max(x, 2)));
      expect(x.reshape([6, 4]).shape).toEqual([6, 4]);
      expect(x.view([4, -1]).shape).toEqual([4, 6]);
      expect(x.flatten(1).shape).toEqual([2, 12]);
      expect(x.transpose(0, 1).shape).toEqual([3, 2, 4]);
      expect(x.permute([2, 0, 1]).shape).toEqual([4, 2, 3]);
      expect(values(x.softmax(1))).toEqual(values(ops.softmax(x, 1)));
      expect(values(x.logSoftmax(-1))).toEqual(values(ops.logSoftmax(x, -1)));
      expect(values(x.exp().log())).toEqual(values(ops.log(ops.exp(x))));
      expect(values(x.pow(2))).toEqual(values(ops.pow(x, 2)));
      expect(values(x.clamp(-0.5, 0.5))).toEqual(values(ops.clamp(x, -0.5, 0.5)));
      expect(values(x.sigmoid())).toEqual(values(ops.sigmoid(x)));
      expect(values(x.tanh())).toEqual(values(ops.tanh(x)));
      expect(values(x.erf())).toEqual(values(ops.erf(x)));
      expect(x.unsqueeze(0).shape).toEqual([1, 2, 3, 4]);
      expect(x.cat([x], 1).shape).toEqual([2, 6, 4]);
      const w = tensor(Array.from({ length: 20 }, (_, i) => i / 10), [4, 5]);
      expect(values(x.matmul(w))).toEqual(values(ops.matmul(x, w)));
    });
  });

  it('clone() copies storage and stays on the tape; detach() shares storage and leaves it', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const c = x.clone();
    expect(c.requiresGrad).toBe(true);
    expect(c.storage).not.toBe(x.storage);
    expect(values(c)).toEqual([1, 2, 3]);
    c.mul(2).sum().backward();
    expect(values(x.grad!)).toEqual([2, 2, 2]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBe(null);
  });

  it('requiresGrad_ sets the flag on a leaf and returns the tensor; a non-leaf cannot stop requiring grad', () => {
    const x = tensor([1, 2], [2]);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    expect(x.requiresGrad_(false).requiresGrad).toBe(false);
    const y = x.requiresGrad_(true).mul(2);
    expect(() => y.requiresGrad_(false)).toThrow(/^requiresGrad_: tensor Tensor\(\[2\], requiresGrad\) is the result of mul, not a leaf/);
    expect(() => x.requiresGrad_('yes' as unknown as boolean)).toThrow(/^requiresGrad_: flag must be a boolean, got "yes"/);
  });

  it('package.json keeps the method installation from being tree-shaken (sideEffects names tensor-methods.js)', () => {
    // With "sideEffects": false a bundler (Vite/rolldown) drops `import './tensor-methods.js'` and a
    // bundled page fails with "x.relu is not a function".
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { sideEffects?: unknown };
    expect(Array.isArray(pkg.sideEffects)).toBe(true);
    expect(pkg.sideEffects).toEqual(expect.arrayContaining(['./dist/index.js', './dist/tensor-methods.js']));
  });

  it('a method reports errors under the op\'s name', () => {
    const x = tensor([1, 2, 3, 4], [2, 2]);
    expect(() => x.reshape([3, 2])).toThrow(/^reshape: cannot reshape \[2,2\]/);
    expect(() => x.matmul(tensor([1, 2, 3], [3]))).toThrow(/^matmul: /);
  });
});
