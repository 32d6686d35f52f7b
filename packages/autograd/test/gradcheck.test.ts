import { describe, expect, it } from 'vitest';
import {
  Generator, Tensor, abs, add, avgPool2d, batchNorm, batchNormRelu, bmm, broadcastTo, clamp, concat, conv1d, conv2d, crossEntropy, div, dropout,
  conv2dRelu, conv2dReluMaxPool, exp, flatten, getBackend, linear, log, logSoftmax, matmul, max, maxPool2d, mean, mseLoss, mul, neg, ones, pad, permute, pow, relu,
  memory, reshape, sigmoid, slice, softmax, sqrt, squeeze, sub, sum, tanh, tensor, transpose, unsqueeze, where, zeros,
  clone, elu, erf, gather, gelu, leakyRelu, min, norm, softplus, stack, adaptiveAvgPool2d, bceWithLogits, dropout2d, layerNorm, nllLoss,
} from '../src/index.js';
import { record } from '../src/tape.js';
import { gradcheck, type GradcheckOptions, type GradInput } from '../src/testing/index.js';

// Every check runs in float64 on the reference backend with gradcheck's defaults: central
// differences with eps = 1e-6 have truncation error O(eps²·|f'''|) ≈ 1e-12 and rounding error
// O(2⁻⁵²·|f| / eps) ≈ 2e-10·|f|, so atol 1e-6 + rtol 1e-4 leaves orders of magnitude of margin while
// a wrong vjp (off by a factor, a sign or a transposition) misses by O(1) (see the negative control).
// Inputs are random normal unless stated; kinks (relu, abs, max, maxPool, clamp) are almost surely
// farther than eps from the data, and log/sqrt/pow bases get positive data from `pos`.

/** Deterministic positive data in [0.5, 2] for log, sqrt, pow bases and divisors. */
function pos(shape: readonly number[], seed = 1): GradInput {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Array.from({ length: n }, () => 0.5 + 1.5 * g.nextFloat()) };
}

/** Fixed, non-differentiable data (a condition or a target). */
function constant(shape: readonly number[], data: readonly number[]): GradInput {
  return { shape, data, requiresGrad: false };
}

interface Case {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: readonly GradInput[];
  opts?: GradcheckOptions;
}

function run(cases: readonly Case[]): void {
  for (const c of cases) it(c.name, () => gradcheck(c.name, c.fn, c.inputs, c.opts));
}

describe('gradcheck: broadcasting binary ops', () => {
  run([
    { name: 'add a=[2,3] b=[2,3]', fn: add, inputs: [[2, 3], [2, 3]] },
    { name: 'add a=[2,3] b=[3]', fn: add, inputs: [[2, 3], [3]] },
    { name: 'add a=[2,1,4] b=[3,1]', fn: add, inputs: [[2, 1, 4], [3, 1]] },
    { name: 'add a=[] b=[2,3] (0-d tensor)', fn: add, inputs: [[], [2, 3]] },
    { name: 'add a=[2,3] b=2.5 (number)', fn: (a) => add(a, 2.5), inputs: [[2, 3]] },
    { name: 'add a=2.5 (number) b=[2,3]', fn: (b) => add(2.5, b), inputs: [[2, 3]] },
    { name: 'sub a=[2,3] b=[3]', fn: sub, inputs: [[2, 3], [3]] },
    { name: 'sub a=[3,1] b=[2,1,4]', fn: sub, inputs: [[3, 1], [2, 1, 4]] },
    { name: 'sub a=1 (number) b=[2,3]', fn: (b) => sub(1, b), inputs: [[2, 3]] },
    { name: 'mul a=[2,3] b=[2,3]', fn: mul, inputs: [[2, 3], [2, 3]] },
    { name: 'mul a=[2,1,4] b=[3,1]', fn: mul, inputs: [[2, 1, 4], [3, 1]] },
    { name: 'mul a=[2,3] b=-3 (number)', fn: (a) => mul(a, -3), inputs: [[2, 3]] },
    { name: 'mul x=[2,3] by itself (two paths into one leaf)', fn: (x) => mul(x, x), inputs: [[2, 3]] },
    { name: 'mul a=[2,3] b=[3] with b not requiring grad', fn: mul, inputs: [[2, 3], { shape: [3], requiresGrad: false }] },
    { name: 'div a=[2,3] b=[3] (b in [0.5,2])', fn: div, inputs: [[2, 3], pos([3])] },
    { name: 'div a=[2,1,4] b=[3,1] (b in [0.5,2])', fn: div, inputs: [[2, 1, 4], pos([3, 1])] },
    { name: 'div a=[2,3] b=2 (number)', fn: (a) => div(a, 2), inputs: [[2, 3]] },
    { name: 'div a=2 (number) b=[2,3] (b in [0.5,2])', fn: (b) => div(2, b), inputs: [pos([2, 3])] },
    { name: 'pow a=[2,3] b=[2,3] (a in [0.5,2])', fn: pow, inputs: [pos([2, 3]), [2, 3]] },
    { name: 'pow a=[2,1,4] b=[3,1] (a in [0.5,2])', fn: pow, inputs: [pos([2, 1, 4]), [3, 1]] },
    { name: 'pow a=[2,3] b=[3] (a in [0.5,2])', fn: pow, inputs: [pos([2, 3]), [3]] },
    { name: 'pow a=[2,3] b=2 (number, a of any sign)', fn: (a) => pow(a, 2), inputs: [[2, 3]] },
    { name: 'pow a=[2,3] b=0.5 (number, a in [0.5,2])', fn: (a) => pow(a, 0.5), inputs: [pos([2, 3])] },
    { name: 'pow a=2 (number) b=[2,3]', fn: (b) => pow(2, b), inputs: [[2, 3]] },
  ]);
});

describe('gradcheck: unary ops', () => {
  run([
    { name: 'neg x=[3,4]', fn: neg, inputs: [[3, 4]] },
    { name: 'exp x=[3,4]', fn: exp, inputs: [[3, 4]] },
    { name: 'log x=[3,4] (x in [0.5,2])', fn: log, inputs: [pos([3, 4])] },
    { name: 'sqrt x=[3,4] (x in [0.5,2])', fn: sqrt, inputs: [pos([3, 4])] },
    { name: 'abs x=[3,4]', fn: abs, inputs: [[3, 4]] },
    { name: 'relu x=[3,4]', fn: relu, inputs: [[3, 4]] },
    { name: 'relu x=[2,3,4]', fn: relu, inputs: [[2, 3, 4]] },
    { name: 'sigmoid x=[3,4]', fn: sigmoid, inputs: [[3, 4]] },
    { name: 'tanh x=[3,4]', fn: tanh, inputs: [[3, 4]] },
    { name: 'erf x=[3,4]', fn: erf, inputs: [[3, 4]] },
    { name: 'erf x=[3,4] scaled by 2.5 (|x| past 3, the continued-fraction branch)', fn: (x) => erf(mul(x, 2.5)), inputs: [[3, 4]] },
    { name: 'tanh(sigmoid(exp(x))) x=[2,3] (chain)', fn: (x) => tanh(sigmoid(exp(x))), inputs: [[2, 3]] },
  ]);
});

describe('gradcheck: matmul, bmm, linear', () => {
  run([
    { name: 'matmul a=[3,4] b=[4,5]', fn: matmul, inputs: [[3, 4], [4, 5]] },
    { name: 'matmul a=[2,3,4] b=[4,5] (batched a)', fn: matmul, inputs: [[2, 3, 4], [4, 5]] },
    { name: 'matmul a=[3,4] b=[2,4,5] (batched b)', fn: matmul, inputs: [[3, 4], [2, 4, 5]] },
    { name: 'matmul a=[2,3,4] b=[2,4,5]', fn: matmul, inputs: [[2, 3, 4], [2, 4, 5]] },
    { name: 'matmul a=[1,3,4] b=[2,4,5] (broadcast batch)', fn: matmul, inputs: [[1, 3, 4], [2, 4, 5]] },
    { name: 'matmul a=[2,1,3,4] b=[3,4,2] (4-D broadcast batch)', fn: matmul, inputs: [[2, 1, 3, 4], [3, 4, 2]] },
    { name: 'matmul a=[4] b=[4,5] (1-D a)', fn: matmul, inputs: [[4], [4, 5]] },
    { name: 'matmul a=[4] b=[2,4,5] (1-D a, batched b)', fn: matmul, inputs: [[4], [2, 4, 5]] },
    { name: 'matmul a=[3,4] b=[4] (1-D b)', fn: matmul, inputs: [[3, 4], [4]] },
    { name: 'matmul a=[4] b=[4] (dot)', fn: matmul, inputs: [[4], [4]] },
    { name: 'matmul a=[2,3,4] b=[4] (batched, 1-D b)', fn: matmul, inputs: [[2, 3, 4], [4]] },
    { name: 'bmm a=[2,3,4] b=[2,4,5]', fn: (a, b) => bmm(a, b), inputs: [[2, 3, 4], [2, 4, 5]] },
    { name: 'bmm a=[2,4,3]ᵀ b=[2,4,5] transA', fn: (a, b) => bmm(a, b, true, false), inputs: [[2, 4, 3], [2, 4, 5]] },
    { name: 'bmm a=[2,3,4] b=[2,5,4]ᵀ transB', fn: (a, b) => bmm(a, b, false, true), inputs: [[2, 3, 4], [2, 5, 4]] },
    { name: 'bmm a=[2,4,3]ᵀ b=[2,5,4]ᵀ transA transB', fn: (a, b) => bmm(a, b, true, true), inputs: [[2, 4, 3], [2, 5, 4]] },
    { name: 'bmm a=[1,3,4] b=[2,4,5] (batch-1 a broadcast)', fn: (a, b) => bmm(a, b), inputs: [[1, 3, 4], [2, 4, 5]] },
    { name: 'bmm a=[2,4,3]ᵀ b=[1,5,4]ᵀ transA transB, batch-1 b', fn: (a, b) => bmm(a, b, true, true), inputs: [[2, 4, 3], [1, 5, 4]] },
    { name: 'bmm a=[1,4,3]ᵀ b=[2,4,5] transA, batch-1 a', fn: (a, b) => bmm(a, b, true, false), inputs: [[1, 4, 3], [2, 4, 5]] },
    { name: 'linear x=[4,3] w=[5,3] b=[5]', fn: (x, w, b) => linear(x, w, b), inputs: [[4, 3], [5, 3], [5]] },
    { name: 'linear x=[4,3] w=[5,3] no bias', fn: (x, w) => linear(x, w), inputs: [[4, 3], [5, 3]] },
    { name: 'linear x=[2,3,4] w=[5,4] b=[5] (3-D input)', fn: (x, w, b) => linear(x, w, b), inputs: [[2, 3, 4], [5, 4], [5]] },
    { name: 'linear x=[3] w=[2,3] b=[2] (1-D input)', fn: (x, w, b) => linear(x, w, b), inputs: [[3], [2, 3], [2]] },
  ]);
});

describe('gradcheck: reductions', () => {
  run([
    { name: 'sum x=[2,3,4] all dims', fn: (x) => sum(x), inputs: [[2, 3, 4]] },
    { name: 'sum x=[2,3,4] dim=1', fn: (x) => sum(x, 1), inputs: [[2, 3, 4]] },
    { name: 'sum x=[2,3,4] dim=[0,2] keepdim', fn: (x) => sum(x, [0, 2], { keepdim: true }), inputs: [[2, 3, 4]] },
    { name: 'sum x=[2,3,4] dim=-1 keepdim', fn: (x) => sum(x, -1, { keepdim: true }), inputs: [[2, 3, 4]] },
    { name: 'mean x=[2,3,4] all dims', fn: (x) => mean(x), inputs: [[2, 3, 4]] },
    { name: 'mean x=[2,3,4] dim=0', fn: (x) => mean(x, 0), inputs: [[2, 3, 4]] },
    { name: 'mean x=[2,3,4] dim=[1,2] keepdim', fn: (x) => mean(x, [1, 2], { keepdim: true }), inputs: [[2, 3, 4]] },
    { name: 'max x=[2,3,4] all dims', fn: (x) => max(x), inputs: [[2, 3, 4]] },
    { name: 'max x=[2,3,4] dim=1', fn: (x) => max(x, 1), inputs: [[2, 3, 4]] },
    { name: 'max x=[2,3,4] dim=[0,2] keepdim', fn: (x) => max(x, [0, 2], { keepdim: true }), inputs: [[2, 3, 4]] },
    { name: 'max x=[3,5] dim=-1', fn: (x) => max(x, -1), inputs: [[3, 5]] },
  ]);
});

describe('gradcheck: layout ops', () => {
  run([
    { name: 'reshape x=[2,6] -> [3,4]', fn: (x) => reshape(x, [3, 4]), inputs: [[2, 6]] },
    { name: 'reshape x=[2,3,4] -> [4,-1]', fn: (x) => reshape(x, [4, -1]), inputs: [[2, 3, 4]] },
    { name: 'flatten x=[2,3,4] startDim=1', fn: (x) => flatten(x), inputs: [[2, 3, 4]] },
    { name: 'flatten x=[2,3,4] startDim=0', fn: (x) => flatten(x, 0), inputs: [[2, 3, 4]] },
    { name: 'unsqueeze x=[2,3] dim=1', fn: (x) => unsqueeze(x, 1), inputs: [[2, 3]] },
    { name: 'unsqueeze x=[2,3] dim=-1', fn: (x) => unsqueeze(x, -1), inputs: [[2, 3]] },
    { name: 'squeeze x=[2,1,3,1] all', fn: (x) => squeeze(x), inputs: [[2, 1, 3, 1]] },
    { name: 'squeeze x=[2,1,3] dim=1', fn: (x) => squeeze(x, 1), inputs: [[2, 1, 3]] },
    { name: 'permute x=[2,3,4] dims=[2,0,1]', fn: (x) => permute(x, [2, 0, 1]), inputs: [[2, 3, 4]] },
    { name: 'permute x=[2,3,4] dims=[1,-1,0]', fn: (x) => permute(x, [1, -1, 0]), inputs: [[2, 3, 4]] },
    { name: 'transpose x=[3,4] (last two)', fn: (x) => transpose(x), inputs: [[3, 4]] },
    { name: 'transpose x=[2,3,4] dims 0,2', fn: (x) => transpose(x, 0, 2), inputs: [[2, 3, 4]] },
    { name: 'broadcastTo x=[3,1] -> [2,3,4]', fn: (x) => broadcastTo(x, [2, 3, 4]), inputs: [[3, 1]] },
    { name: 'broadcastTo x=[] -> [2,3]', fn: (x) => broadcastTo(x, [2, 3]), inputs: [[]] },
    { name: 'pad x=[2,3] padding=[1,2] (last dim)', fn: (x) => pad(x, [1, 2]), inputs: [[2, 3]] },
    { name: 'pad x=[1,2,3,3] padding=[1,1,2,0] value=0.5', fn: (x) => pad(x, [1, 1, 2, 0], 0.5), inputs: [[1, 2, 3, 3]] },
    { name: 'slice x=[3,4] starts=[1,1] sizes=[2,-1]', fn: (x) => slice(x, [1, 1], [2, -1]), inputs: [[3, 4]] },
    { name: 'slice x=[2,3,4] starts=[0,1] sizes=[2,1] (trailing dim whole)', fn: (x) => slice(x, [0, 1], [2, 1]), inputs: [[2, 3, 4]] },
    { name: 'concat [2,3]+[1,3]+[3,3] dim=0', fn: (a, b, c) => concat([a!, b!, c!], 0), inputs: [[2, 3], [1, 3], [3, 3]] },
    { name: 'concat [2,1,3]+[2,2,3] dim=1', fn: (a, b) => concat([a!, b!], 1), inputs: [[2, 1, 3], [2, 2, 3]] },
    { name: 'concat [2,3]+[2,2] dim=-1', fn: (a, b) => concat([a!, b!], -1), inputs: [[2, 3], [2, 2]] },
    { name: 'concat [2,3] with itself dim=0', fn: (a) => concat([a!, a!], 0), inputs: [[2, 3]] },
  ]);
});

describe('gradcheck: where, clamp', () => {
  const cond = constant([2, 3], [1, 0, 0, 1, 1, 0]);
  run([
    { name: 'where cond=[2,3] a=[2,3] b=[3]', fn: (c, a, b) => where(c!, a!, b!), inputs: [cond, [2, 3], [3]] },
    { name: 'where cond=[2,3] a=[2,3] b=0 (number)', fn: (c, a) => where(c!, a!, 0), inputs: [cond, [2, 3]] },
    { name: 'where cond=[3] a=[2,1] b=[2,3]', fn: (c, a, b) => where(c!, a!, b!), inputs: [constant([3], [0, 1, 0]), [2, 1], [2, 3]] },
    { name: 'clamp x=[3,4] min=-0.5 max=0.5', fn: (x) => clamp(x, -0.5, 0.5), inputs: [[3, 4]] },
    { name: 'clamp x=[3,4] min=0', fn: (x) => clamp(x, 0), inputs: [[3, 4]] },
    { name: 'clamp x=[3,4] max=0.3', fn: (x) => clamp(x, undefined, 0.3), inputs: [[3, 4]] },
    { name: 'clamp x=[3,4] no bounds (identity)', fn: (x) => clamp(x), inputs: [[3, 4]] },
  ]);
});

describe('gradcheck: conv2dRelu (fused relu(conv2d))', () => {
  run([
    { name: 'conv2dRelu x=[1,1,5,5] w=[1,1,3,3] b=[1] (full Jacobian)', fn: (x, w, b) => conv2dRelu(x, w, b), inputs: [[1, 1, 5, 5], [1, 1, 3, 3], [1]] },
    { name: 'conv2dRelu x=[2,3,7,7] w=[4,3,3,3] b=[4] s=2 p=1', fn: (x, w, b) => conv2dRelu(x, w, b, { stride: 2, padding: 1 }), inputs: [[2, 3, 7, 7], [4, 3, 3, 3], [4]] },
    { name: 'conv2dRelu x=[2,3,6,5] w=[3,3,3,3] no bias p=1', fn: (x, w) => conv2dRelu(x, w, null, { padding: 1 }), inputs: [[2, 3, 6, 5], [3, 3, 3, 3]] },
    { name: 'conv2dRelu x=[3,2,6,7] w=[5,2,3,2] b=[5] s=[2,1] p=[1,0] d=[1,2]', fn: (x, w, b) => conv2dRelu(x, w, b, { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }), inputs: [[3, 2, 6, 7], [5, 2, 3, 2], [5]] },
    { name: 'conv2dRelu x=[2,3,5,5] w=[4,3,3,3] b=[4], only w and b require grad', fn: (x, w, b) => conv2dRelu(x, w, b, { padding: 1 }), inputs: [{ shape: [2, 3, 5, 5], requiresGrad: false }, [4, 3, 3, 3], [4]] },
    { name: 'conv2dRelu x=[2,1,6,6] w=[3,1,3,3] no bias, only w requires grad (conv2dReluBackwardWeight without dbias)', fn: (x, w) => conv2dRelu(x, w), inputs: [{ shape: [2, 1, 6, 6], requiresGrad: false }, [3, 1, 3, 3]] },
    { name: 'conv2dRelu x=[2,2,5,5] w=[3,2,3,3] b=[3], only w requires grad', fn: (x, w, b) => conv2dRelu(x, w, b, { stride: 2 }), inputs: [{ shape: [2, 2, 5, 5], requiresGrad: false }, [3, 2, 3, 3], { shape: [3], requiresGrad: false }] },
    { name: 'conv2dRelu x=[2,3,5,5] w=[4,3,3,3] b=[4], bias needs no grad (reluBackward path)', fn: (x, w, b) => conv2dRelu(x, w, b), inputs: [[2, 3, 5, 5], [4, 3, 3, 3], { shape: [4], requiresGrad: false }] },
    { name: 'conv2dRelu then maxPool2d x=[1,2,6,6] w=[3,2,3,3] b=[3] k=2', fn: (x, w, b) => maxPool2d(conv2dRelu(x, w, b), { kernelSize: 2 }), inputs: [[1, 2, 6, 6], [3, 2, 3, 3], [3]] },
  ]);

  it('conv2dRelu: values and gradients equal relu(conv2d) on the reference backend (x=[2,3,6,6] w=[4,3,3,3] b=[4] p=1)', () => {
    const g = new Generator(5);
    const data = (n: number) => Array.from({ length: n }, () => g.normal());
    const [xd, wd, bd, dyd] = [data(2 * 3 * 36), data(4 * 27), data(4), data(2 * 4 * 36)];
    const grads = (f: (x: Tensor, w: Tensor, b: Tensor) => Tensor) => {
      const x = tensor(xd, [2, 3, 6, 6], { requiresGrad: true });
      const w = tensor(wd, [4, 3, 3, 3], { requiresGrad: true });
      const b = tensor(bd, [4], { requiresGrad: true });
      const y = f(x, w, b);
      sum(mul(y, tensor(dyd, [2, 4, 6, 6]))).backward();
      return [y, x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.toArray()));
    };
    const fused = grads((x, w, b) => conv2dRelu(x, w, b, { padding: 1 }));
    const plain = grads((x, w, b) => relu(conv2d(x, w, b, { padding: 1 })));
    expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0)).toBe(true); // both sides of the kink
    expect(fused).toEqual(plain);
  });
});

describe('gradcheck: conv2dReluMaxPool (fused maxPool2d(relu(conv2d)))', () => {
  run([
    { name: 'conv2dReluMaxPool x=[1,1,6,6] w=[1,1,3,3] b=[1] k=2 (full Jacobian)', fn: (x, w, b) => conv2dReluMaxPool(x, w, b, {}, { kernelSize: 2 }), inputs: [[1, 1, 6, 6], [1, 1, 3, 3], [1]] },
    { name: 'conv2dReluMaxPool x=[2,3,8,8] w=[4,3,3,3] b=[4] p=1 k=2', fn: (x, w, b) => conv2dReluMaxPool(x, w, b, { padding: 1 }, { kernelSize: 2 }), inputs: [[2, 3, 8, 8], [4, 3, 3, 3], [4]] },
    { name: 'conv2dReluMaxPool x=[2,2,9,7] w=[3,2,3,3] no bias k=3 s=2 p=1 (overlapping windows, odd sizes)', fn: (x, w) => conv2dReluMaxPool(x, w, null, {}, { kernelSize: 3, stride: 2, padding: 1 }), inputs: [[2, 2, 9, 7], [3, 2, 3, 3]] },
    { name: 'conv2dReluMaxPool x=[2,2,9,8] w=[3,2,3,2] b=[3] s=[2,1] p=[1,0] pool k=[2,3] s=[1,2]', fn: (x, w, b) => conv2dReluMaxPool(x, w, b, { stride: [2, 1], padding: [1, 0] }, { kernelSize: [2, 3], stride: [1, 2] }), inputs: [[2, 2, 9, 8], [3, 2, 3, 2], [3]] },
    { name: 'conv2dReluMaxPool x=[2,3,6,6] w=[4,3,3,3] b=[4] k=2, only w and b require grad', fn: (x, w, b) => conv2dReluMaxPool(x, w, b, { padding: 1 }, { kernelSize: 2 }), inputs: [{ shape: [2, 3, 6, 6], requiresGrad: false }, [4, 3, 3, 3], [4]] },
    { name: 'conv2dReluMaxPool x=[2,3,6,6] w=[4,3,3,3] b=[4] k=2, only x requires grad', fn: (x, w, b) => conv2dReluMaxPool(x, w, b, {}, { kernelSize: 2 }), inputs: [[2, 3, 6, 6], { shape: [4, 3, 3, 3], requiresGrad: false }, { shape: [4], requiresGrad: false }] },
  ]);

  it('conv2dReluMaxPool: values and gradients equal maxPool2d(relu(conv2d)) on the reference backend (x=[2,3,8,8] w=[4,3,3,3] b=[4] p=1, k=2)', () => {
    const g = new Generator(6);
    const data = (n: number) => Array.from({ length: n }, () => g.normal());
    const [xd, wd, bd, dyd] = [data(2 * 3 * 64), data(4 * 27), data(4), data(2 * 4 * 16)];
    const grads = (f: (x: Tensor, w: Tensor, b: Tensor) => Tensor) => {
      const x = tensor(xd, [2, 3, 8, 8], { requiresGrad: true });
      const w = tensor(wd, [4, 3, 3, 3], { requiresGrad: true });
      const b = tensor(bd, [4], { requiresGrad: true });
      const y = f(x, w, b);
      sum(mul(y, tensor(dyd, [2, 4, 4, 4]))).backward();
      return [y, x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.toArray()));
    };
    const fused = grads((x, w, b) => conv2dReluMaxPool(x, w, b, { padding: 1 }, { kernelSize: 2 }));
    const plain = grads((x, w, b) => maxPool2d(relu(conv2d(x, w, b, { padding: 1 })), { kernelSize: 2 }));
    expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0)).toBe(true); // windows with and without a positive value
    expect(fused.slice(0, 3)).toEqual(plain.slice(0, 3));
    // the bias gradient sums the same terms in another order
    fused[3]!.forEach((v, i) => expect(v).toBeCloseTo(plain[3]![i]!, 12));
  });
});

describe('gradcheck: convolution and pooling', () => {
  run([
    { name: 'conv2d x=[1,1,5,5] w=[1,1,3,3] (full Jacobian)', fn: (x, w) => conv2d(x, w), inputs: [[1, 1, 5, 5], [1, 1, 3, 3]] },
    { name: 'conv2d x=[1,2,4,5] w=[2,2,2,2] b=[2] s=2 p=1 d=2 (full Jacobian)', fn: (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, dilation: 2 }), inputs: [[1, 2, 4, 5], [2, 2, 2, 2], [2]] },
    { name: 'conv2d x=[2,3,7,7] w=[4,3,3,3] b=[4] s=2 p=1', fn: (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }), inputs: [[2, 3, 7, 7], [4, 3, 3, 3], [4]] },
    { name: 'conv2d x=[2,3,7,7] w=[4,3,3,3] s=2 p=1 no bias', fn: (x, w) => conv2d(x, w, null, { stride: 2, padding: 1 }), inputs: [[2, 3, 7, 7], [4, 3, 3, 3]] },
    { name: 'conv2d x=[2,2,9,6] w=[3,2,3,2] s=[2,1] p=[1,0] (non-square)', fn: (x, w) => conv2d(x, w, null, { stride: [2, 1], padding: [1, 0] }), inputs: [[2, 2, 9, 6], [3, 2, 3, 2]] },
    { name: 'conv2d x=[2,2,8,7] w=[3,2,3,3] b=[3] d=2 p=2', fn: (x, w, b) => conv2d(x, w, b, { dilation: 2, padding: 2 }), inputs: [[2, 2, 8, 7], [3, 2, 3, 3], [3]] },
    { name: 'conv2d x=[3,2,6,5] w=[2,2,3,3] b=[2] s=2 p=1 d=2', fn: (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, dilation: 2 }), inputs: [[3, 2, 6, 5], [2, 2, 3, 3], [2]] },
    { name: 'conv2d x=[2,3,5,5] w=[4,3,3,3] b=[4], only w and b require grad', fn: (x, w, b) => conv2d(x, w, b, { padding: 1 }), inputs: [{ shape: [2, 3, 5, 5], requiresGrad: false }, [4, 3, 3, 3], [4]] },
    { name: 'conv2d x=[1,1,6,6] w=[1,1,3,3] s=2 (last row and column uncovered)', fn: (x, w) => conv2d(x, w, null, { stride: 2 }), inputs: [[1, 1, 6, 6], [1, 1, 3, 3]] },
    { name: 'conv2d x=[2,3,4,5] w=[2,3,1,1] b=[2] (1x1 kernel)', fn: (x, w, b) => conv2d(x, w, b), inputs: [[2, 3, 4, 5], [2, 3, 1, 1], [2]] },
    { name: 'conv2d x=[2,2,3,4] w=[3,2,3,4] b=[3] (kernel covers the input: 1x1 output)', fn: (x, w, b) => conv2d(x, w, b), inputs: [[2, 2, 3, 4], [3, 2, 3, 4], [3]] },
    { name: 'conv1d x=[2,3,9] w=[4,3,3] b=[4] s=2 p=1', fn: (x, w, b) => conv1d(x, w, b, { stride: 2, padding: 1 }), inputs: [[2, 3, 9], [4, 3, 3], [4]] },
    { name: 'conv1d x=[1,2,10] w=[3,2,3] d=2 no bias', fn: (x, w) => conv1d(x, w, null, { dilation: 2 }), inputs: [[1, 2, 10], [3, 2, 3]] },
    { name: 'conv2d x=[1,4,4,4] w=[4,2,2,2] b=[4] groups=2 (full Jacobian)', fn: (x, w, b) => conv2d(x, w, b, { groups: 2 }), inputs: [[1, 4, 4, 4], [4, 2, 2, 2], [4]], opts: { jacobian: true } },
    { name: 'conv2d x=[2,4,6,5] w=[6,2,3,3] b=[6] groups=2 s=2 p=1', fn: (x, w, b) => conv2d(x, w, b, { groups: 2, stride: 2, padding: 1 }), inputs: [[2, 4, 6, 5], [6, 2, 3, 3], [6]] },
    { name: 'conv2d x=[2,3,5,5] w=[3,1,3,3] b=[3] groups=3 p=1 (depthwise)', fn: (x, w, b) => conv2d(x, w, b, { groups: 3, padding: 1 }), inputs: [[2, 3, 5, 5], [3, 1, 3, 3], [3]] },
    { name: 'conv2d x=[2,3,7,6] w=[6,1,3,3] groups=3 d=2 p=[2,1] (depthwise, multiplier 2)', fn: (x, w) => conv2d(x, w, null, { groups: 3, dilation: 2, padding: [2, 1] }), inputs: [[2, 3, 7, 6], [6, 1, 3, 3]] },
    { name: 'conv2d x=[2,6,7,6] w=[9,2,3,2] b=[9] groups=3 s=[2,1] p=[1,0]', fn: (x, w, b) => conv2d(x, w, b, { groups: 3, stride: [2, 1], padding: [1, 0] }), inputs: [[2, 6, 7, 6], [9, 2, 3, 2], [9]] },
    { name: 'conv2d x=[2,4,5,5] w=[4,1,3,3] groups=4, only w requires grad', fn: (x, w) => conv2d(x, w, null, { groups: 4 }), inputs: [{ shape: [2, 4, 5, 5], requiresGrad: false }, [4, 1, 3, 3]] },
    { name: 'conv1d x=[2,4,9] w=[8,1,3] b=[8] groups=4 s=2 p=1 d=2 (depthwise, multiplier 2)', fn: (x, w, b) => conv1d(x, w, b, { groups: 4, stride: 2, padding: 1, dilation: 2 }), inputs: [[2, 4, 9], [8, 1, 3], [8]] },
    { name: 'conv1d x=[1,4,8] w=[2,2,3] groups=2 (full Jacobian)', fn: (x, w) => conv1d(x, w, null, { groups: 2 }), inputs: [[1, 4, 8], [2, 2, 3]], opts: { jacobian: true } },
    { name: 'maxPool2d x=[2,3,6,6] k=2', fn: (x) => maxPool2d(x, { kernelSize: 2 }), inputs: [[2, 3, 6, 6]] },
    { name: 'maxPool2d x=[1,2,7,5] k=3 s=2 p=1', fn: (x) => maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), inputs: [[1, 2, 7, 5]] },
    { name: 'maxPool2d x=[2,1,6,7] k=[2,3] s=[1,2]', fn: (x) => maxPool2d(x, { kernelSize: [2, 3], stride: [1, 2] }), inputs: [[2, 1, 6, 7]] },
    { name: 'maxPool2d x=[1,2,7,7] k=2 s=1 d=2', fn: (x) => maxPool2d(x, { kernelSize: 2, stride: 1, dilation: 2 }), inputs: [[1, 2, 7, 7]] },
    { name: 'maxPool2d x=[1,2,5,5] k=2 (last row and column uncovered)', fn: (x) => maxPool2d(x, { kernelSize: 2 }), inputs: [[1, 2, 5, 5]] },
    { name: 'avgPool2d x=[2,2,6,6] k=2', fn: (x) => avgPool2d(x, { kernelSize: 2 }), inputs: [[2, 2, 6, 6]] },
    { name: 'avgPool2d x=[1,2,7,5] k=3 s=2 p=1', fn: (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), inputs: [[1, 2, 7, 5]] },
    { name: 'avgPool2d x=[1,1,5,5] k=2 s=1 (full Jacobian)', fn: (x) => avgPool2d(x, { kernelSize: 2, stride: 1 }), inputs: [[1, 1, 5, 5]] },
  ]);
});

describe('gradcheck: softmax and losses', () => {
  const t4 = [0, 3, 4, 1];
  run([
    { name: 'logSoftmax x=[3,5] dim=1', fn: (x) => logSoftmax(x, 1), inputs: [[3, 5]] },
    { name: 'logSoftmax x=[3,5] dim=0', fn: (x) => logSoftmax(x, 0), inputs: [[3, 5]] },
    { name: 'logSoftmax x=[2,3,4] dim=-1', fn: (x) => logSoftmax(x, -1), inputs: [[2, 3, 4]] },
    { name: 'logSoftmax x=[2,3,4] dim=1', fn: (x) => logSoftmax(x, 1), inputs: [[2, 3, 4]] },
    { name: 'softmax x=[3,5] dim=1', fn: (x) => softmax(x, 1), inputs: [[3, 5]] },
    { name: 'softmax x=[2,3,4] dim=0', fn: (x) => softmax(x, 0), inputs: [[2, 3, 4]] },
    { name: 'crossEntropy logits=[4,5] reduction=mean', fn: (x) => crossEntropy(x, t4), inputs: [[4, 5]] },
    { name: 'crossEntropy logits=[4,5] reduction=sum', fn: (x) => crossEntropy(x, t4, { reduction: 'sum' }), inputs: [[4, 5]] },
    { name: 'crossEntropy logits=[4,5] reduction=none', fn: (x) => crossEntropy(x, t4, { reduction: 'none' }), inputs: [[4, 5]] },
    { name: 'crossEntropy logits=[4,5] labelSmoothing=0.1 mean', fn: (x) => crossEntropy(x, t4, { labelSmoothing: 0.1 }), inputs: [[4, 5]] },
    { name: 'crossEntropy logits=[4,5] labelSmoothing=0.2 none', fn: (x) => crossEntropy(x, t4, { labelSmoothing: 0.2, reduction: 'none' }), inputs: [[4, 5]] },
    { name: 'crossEntropy logits=[3,4] targets as a tensor', fn: (x) => crossEntropy(x, tensor([2, 0, 3], [3])), inputs: [[3, 4]] },
    { name: 'mseLoss input=[3,4] target=[3,4] mean', fn: (a, b) => mseLoss(a!, b!), inputs: [[3, 4], [3, 4]] },
    { name: 'mseLoss input=[3,4] target=[3,4] sum', fn: (a, b) => mseLoss(a!, b!, { reduction: 'sum' }), inputs: [[3, 4], [3, 4]] },
    { name: 'mseLoss input=[3,4] target=[3,4] none', fn: (a, b) => mseLoss(a!, b!, { reduction: 'none' }), inputs: [[3, 4], [3, 4]] },
  ]);
});

describe('gradcheck: batchNorm and dropout', () => {
  // Running stats are updated in place by every training call, so each evaluation makes its own.
  const fresh = (c: number) => [zeros([c]), ones([c])] as const;
  const evalStats = () => [tensor([0.3, -0.2, 0.1], [3]), tensor([0.8, 1.5, 0.6], [3])] as const;
  run([
    { name: 'batchNorm training x=[4,3] weight=[3] bias=[3]', fn: (x, w, b) => batchNorm(x!, ...fresh(3), w, b, { training: true }), inputs: [[4, 3], [3], [3]] },
    { name: 'batchNorm training x=[2,3,2,2] weight=[3] bias=[3]', fn: (x, w, b) => batchNorm(x!, ...fresh(3), w, b, { training: true }), inputs: [[2, 3, 2, 2], [3], [3]] },
    { name: 'batchNorm training x=[2,3,2,2] no affine', fn: (x) => batchNorm(x!, ...fresh(3), null, null, { training: true }), inputs: [[2, 3, 2, 2]] },
    { name: 'batchNorm training x=[3,2,4] weight only', fn: (x, w) => batchNorm(x!, ...fresh(2), w, null, { training: true }), inputs: [[3, 2, 4], [2]] },
    { name: 'batchNorm training x=[3,2,4] bias only', fn: (x, b) => batchNorm(x!, ...fresh(2), null, b, { training: true }), inputs: [[3, 2, 4], [2]] },
    { name: 'batchNorm training x=[4,3] weight=[3] bias=[3], x not requiring grad', fn: (x, w, b) => batchNorm(x!, ...fresh(3), w, b, { training: true }), inputs: [{ shape: [4, 3], requiresGrad: false }, [3], [3]] },
    { name: 'batchNorm eval x=[2,3,2,2] weight=[3] bias=[3]', fn: (x, w, b) => batchNorm(x!, ...evalStats(), w, b, { training: false }), inputs: [[2, 3, 2, 2], [3], [3]] },
    { name: 'batchNorm eval x=[4,3] no affine', fn: (x) => batchNorm(x!, ...evalStats(), null, null, { training: false }), inputs: [[4, 3]] },
    { name: 'batchNormRelu training x=[2,3,3,3] weight=[3] bias=[3]', fn: (x, w, b) => batchNormRelu(x!, ...fresh(3), w, b, { training: true }), inputs: [[2, 3, 3, 3], [3], [3]] },
    { name: 'batchNormRelu training x=[3,2,4] no affine', fn: (x) => batchNormRelu(x!, ...fresh(2), null, null, { training: true }), inputs: [[3, 2, 4]] },
    { name: 'batchNormRelu training x=[4,3] weight only, x not requiring grad', fn: (x, w) => batchNormRelu(x!, ...fresh(3), w, null, { training: true }), inputs: [{ shape: [4, 3], requiresGrad: false }, [3]] },
    { name: 'batchNormRelu eval x=[2,3,2,2] weight=[3] bias=[3]', fn: (x, w, b) => batchNormRelu(x!, ...evalStats(), w, b, { training: false }), inputs: [[2, 3, 2, 2], [3], [3]] },
    { name: 'dropout x=[4,5] p=0.3 training (fixed Generator)', fn: (x) => dropout(x, 0.3, true, new Generator(7)), inputs: [[4, 5]] },
    { name: 'dropout x=[2,3,4] p=0.5 training (fixed Generator)', fn: (x) => dropout(x, 0.5, true, new Generator(11)), inputs: [[2, 3, 4]] },
    { name: 'dropout x=[4,5] p=0.3 eval (identity)', fn: (x) => dropout(x, 0.3, false), inputs: [[4, 5]] },
  ]);
});

describe('batchNormRelu (fused relu(batchNorm))', () => {
  it('values, gradients and running statistics equal relu(batchNorm) on the reference backend (x=[3,4,5,5])', () => {
    const g = new Generator(9);
    const data = (n: number) => Array.from({ length: n }, () => g.normal());
    const [xd, wd, bd, dyd] = [data(3 * 4 * 25), data(4), data(4), data(3 * 4 * 25)];
    const grads = (f: (x: Tensor, rm: Tensor, rv: Tensor, w: Tensor, b: Tensor) => Tensor) => {
      const x = tensor(xd, [3, 4, 5, 5], { requiresGrad: true });
      const w = tensor(wd, [4], { requiresGrad: true });
      const b = tensor(bd, [4], { requiresGrad: true });
      const [rm, rv] = [zeros([4]), ones([4])];
      const y = f(x, rm, rv, w, b);
      sum(mul(y, tensor(dyd, [3, 4, 5, 5]))).backward();
      return [y, x.grad!, w.grad!, b.grad!, rm, rv].map((t) => Array.from(t.toArray()));
    };
    const fused = grads((x, rm, rv, w, b) => batchNormRelu(x, rm, rv, w, b));
    const plain = grads((x, rm, rv, w, b) => relu(batchNorm(x, rm, rv, w, b)));
    expect(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0)).toBe(true); // both sides of the kink
    expect(fused).toEqual(plain);
  });

  it('errors name batchNormRelu', () => {
    expect(() => batchNormRelu(zeros([2, 3, 4]), zeros([2]), ones([2]))).toThrow(/batchNormRelu: runningMean must be \[3\]/);
    expect(() => batchNormRelu(zeros([1, 3]), zeros([3]), ones([3]))).toThrow(/batchNormRelu: expected more than 1 value per channel/);
  });
});

describe('gradcheck: composite graphs', () => {
  run([
    {
      name: 'mlp x=[3,4] w1=[5,4] b1=[5] w2=[2,5]: crossEntropy(linear(tanh(linear(x))))',
      fn: (x, w1, b1, w2) => crossEntropy(linear(tanh(linear(x!, w1!, b1)), w2!), [1, 0, 1]),
      inputs: [[3, 4], [5, 4], [5], [2, 5]],
    },
    {
      name: 'cnn x=[2,1,6,6] w=[2,1,3,3] fw=[3,8]: conv -> relu -> maxPool -> flatten -> linear -> crossEntropy',
      fn: (x, w, fw) => crossEntropy(linear(flatten(maxPool2d(relu(conv2d(x!, w!)), { kernelSize: 2 })), fw!), [0, 2]),
      inputs: [[2, 1, 6, 6], [2, 1, 3, 3], [3, 8]],
    },
    { name: 'diamond x=[2,3]: exp(x)*x + sum(x) (fan-out and accumulation)', fn: (x) => add(mul(exp(x), x), sum(x)), inputs: [[2, 3]] },
  ]);
});

describe('gradcheck: stack, gather, clone, min, norm', () => {
  const idx = (shape: readonly number[], data: readonly number[]) => tensor(data, shape);
  run([
    { name: 'stack [2,3]+[2,3]+[2,3] dim=0', fn: (a, b, c) => stack([a!, b!, c!]), inputs: [[2, 3], [2, 3], [2, 3]] },
    { name: 'stack [2,3]+[2,3] dim=-1', fn: (a, b) => stack([a!, b!], -1), inputs: [[2, 3], [2, 3]] },
    { name: 'stack [2,3] with itself dim=1', fn: (a) => stack([a!, a!], 1), inputs: [[2, 3]] },
    { name: 'gather x=[3,4] dim=1 index=[3,2] (an index repeated)', fn: (x) => gather(x, 1, idx([3, 2], [3, 0, 1, 1, 0, 2])), inputs: [[3, 4]] },
    { name: 'gather x=[3,4] dim=0 index=[2,4]', fn: (x) => gather(x, 0, idx([2, 4], [2, 0, 1, 1, 0, 0, 2, 2])), inputs: [[3, 4]] },
    { name: 'gather x=[2,3,4] dim=-1 index=[1,2,5] (smaller outside dim, larger along it)', fn: (x) => gather(x, -1, idx([1, 2, 5], [0, 3, 3, 1, 2, 2, 2, 0, 1, 3])), inputs: [[2, 3, 4]] },
    { name: 'clone x=[2,3]', fn: clone, inputs: [[2, 3]] },
    { name: 'min x=[2,3,4] all dims', fn: (x) => min(x), inputs: [[2, 3, 4]] },
    { name: 'min x=[2,3,4] dim=1 keepdim', fn: (x) => min(x, 1, { keepdim: true }), inputs: [[2, 3, 4]] },
    { name: 'norm x=[3,4] p=2 all', fn: (x) => norm(x), inputs: [[3, 4]] },
    { name: "norm x=[3,4] p='fro' dim=1 keepdim", fn: (x) => norm(x, 'fro', 1, { keepdim: true }), inputs: [[3, 4]] },
    { name: 'norm x=[2,3,4] p=2 dim=[0,2]', fn: (x) => norm(x, 2, [0, 2]), inputs: [[2, 3, 4]] },
    { name: 'norm x=[3,4] p=1 dim=0', fn: (x) => norm(x, 1, 0), inputs: [[3, 4]] },
    { name: 'norm x=[3,4] p=Infinity dim=1', fn: (x) => norm(x, Infinity, 1), inputs: [[3, 4]] },
    { name: 'norm x=[3,4] p=-Infinity dim=1', fn: (x) => norm(x, -Infinity, 1), inputs: [[3, 4]] },
    { name: 'norm x=[3,4] p=3 dim=1', fn: (x) => norm(x, 3, 1), inputs: [[3, 4]] },
    { name: 'norm x=[3,4] p=0.5 all', fn: (x) => norm(x, 0.5), inputs: [[3, 4]] },
  ]);
});

describe('gradcheck: activations', () => {
  run([
    { name: 'leakyRelu x=[3,4] slope=0.01', fn: (x) => leakyRelu(x), inputs: [[3, 4]] },
    { name: 'leakyRelu x=[3,4] slope=0.2', fn: (x) => leakyRelu(x, 0.2), inputs: [[3, 4]] },
    { name: 'gelu x=[3,4]', fn: (x) => gelu(x), inputs: [[3, 4]] },
    { name: 'gelu x=[3,4] scaled by 4 (tails)', fn: (x) => gelu(mul(x, 4)), inputs: [[3, 4]] },
    { name: "gelu x=[3,4] approximate='tanh'", fn: (x) => gelu(x, { approximate: 'tanh' }), inputs: [[3, 4]] },
    { name: 'elu x=[3,4] alpha=1', fn: (x) => elu(x), inputs: [[3, 4]] },
    { name: 'elu x=[3,4] alpha=0.5', fn: (x) => elu(x, 0.5), inputs: [[3, 4]] },
    { name: 'softplus x=[3,4]', fn: (x) => softplus(x), inputs: [[3, 4]] },
    { name: 'softplus x=[3,4] scaled by 10, beta=2 threshold=5 (both branches)', fn: (x) => softplus(mul(x, 10), { beta: 2, threshold: 5 }), inputs: [[3, 4]] },
    { name: 'softplus x=[3,4] threshold=Infinity', fn: (x) => softplus(x, { threshold: Infinity }), inputs: [[3, 4]] },
  ]);
});

describe('gradcheck: layerNorm, adaptiveAvgPool2d, dropout2d, nllLoss, bceWithLogits, weighted crossEntropy', () => {
  const t5 = [2, 0, 3, 1, -100];
  const w4 = () => tensor([0.5, 2, 1, 3], [4]);
  run([
    { name: 'layerNorm x=[3,4] normalizedShape=[4] weight=[4] bias=[4]', fn: (x, w, b) => layerNorm(x!, [4], w, b), inputs: [[3, 4], [4], [4]] },
    { name: 'layerNorm x=[2,3,4] normalizedShape=[3,4] no affine eps=1e-3', fn: (x) => layerNorm(x, [3, 4], null, null, 1e-3), inputs: [[2, 3, 4]] },
    { name: 'adaptiveAvgPool2d x=[2,2,7,5] out=[3,2] (uneven bins)', fn: (x) => adaptiveAvgPool2d(x, [3, 2]), inputs: [[2, 2, 7, 5]] },
    { name: 'adaptiveAvgPool2d x=[1,2,6,4] out=[3,2] (even bins: avgPool2d)', fn: (x) => adaptiveAvgPool2d(x, [3, 2]), inputs: [[1, 2, 6, 4]] },
    { name: 'adaptiveAvgPool2d x=[2,5,4] out=1 (3-D input)', fn: (x) => adaptiveAvgPool2d(x, 1), inputs: [[2, 5, 4]] },
    { name: 'dropout2d x=[3,4,2,2] p=0.5 training (fixed Generator)', fn: (x) => dropout2d(x, 0.5, true, new Generator(3)), inputs: [[3, 4, 2, 2]] },
    { name: 'nllLoss input=[5,4] weight, ignoreIndex -100, mean', fn: (x) => nllLoss(x, t5, { weight: w4() }), inputs: [[5, 4]] },
    { name: 'nllLoss input=[5,4] none', fn: (x) => nllLoss(x, [2, 0, 3, 1, 1], { reduction: 'none' }), inputs: [[5, 4]] },
    { name: 'crossEntropy logits=[5,4] weight, ignored target, mean', fn: (x) => crossEntropy(x, t5, { weight: w4() }), inputs: [[5, 4]] },
    { name: 'crossEntropy logits=[5,4] weight, ignored target, labelSmoothing=0.2, mean', fn: (x) => crossEntropy(x, t5, { weight: w4(), labelSmoothing: 0.2 }), inputs: [[5, 4]] },
    { name: 'crossEntropy logits=[5,4] ignoreIndex=1, labelSmoothing=0.1, none', fn: (x) => crossEntropy(x, [2, 1, 3, 1, 0], { ignoreIndex: 1, labelSmoothing: 0.1, reduction: 'none' }), inputs: [[5, 4]] },
    { name: 'bceWithLogits input=[3,4] target=[3,4] mean (gradient to both)', fn: (x, y) => bceWithLogits(x!, y!), inputs: [[3, 4], pos([3, 4])] },
    { name: 'bceWithLogits input=[3,4] weight=[4] posWeight=[4] sum', fn: (x, w, pw) => bceWithLogits(x!, tensor([1, 0, 0.5, 1, 0, 0, 1, 0.2, 1, 1, 0, 0], [3, 4]), { weight: w, posWeight: pw, reduction: 'sum' }), inputs: [[3, 4], [4], pos([4])] },
  ]);
});

// ---- negative control: the check must be able to fail ----

/** x², recorded with a deliberately wrong vjp (g·x instead of 2·g·x), or the right one. */
function square(x: Tensor, wrongVjp: boolean): Tensor {
  const be = getBackend();
  const out = Tensor.fromStorage(be.mul(x.storage, x.shape, x.storage, x.shape, x.shape), x.shape);
  return record('square', out, [x], (g, [xs]) => [wrongVjp ? mul(g, xs!) : mul(mul(g, xs!), 2)], [x]);
}

describe('gradcheck: negative control', () => {
  it('square x=[2,3] with the correct vjp 2·g·x passes (the harness is sound)', () => {
    expect(() => gradcheck('square', (x) => square(x, false), [[2, 3]])).not.toThrow();
  });
  it('square x=[2,3] with the wrong vjp g·x fails the random-direction check', () => {
    expect(() => gradcheck('badSquare', (x) => square(x, true), [[2, 3]], { jacobian: false })).toThrow(/gradcheck badSquare: random direction/);
  });
  it('square x=[2,3] with the wrong vjp g·x fails the full Jacobian check', () => {
    expect(() => gradcheck('badSquare', (x) => square(x, true), [[2, 3]], { directions: 0, jacobian: true })).toThrow(/gradcheck badSquare: Jacobian/);
  });
  it('square x=[40,40] with the wrong vjp g·x fails (large shape, random directions only)', () => {
    expect(() => gradcheck('badSquare', (x) => square(x, true), [[40, 40]])).toThrow(/gradcheck/);
  });
});

describe('gradcheck: housekeeping', () => {
  it('conv2d x=[1,2,4,5] w=[2,2,2,2] full check leaves no live tensors behind', () => {
    const before = memory().tensors;
    gradcheck('conv2d', (x, w) => conv2d(x, w, null, { padding: 1 }), [[1, 2, 4, 5], [2, 2, 2, 2]]);
    expect(memory().tensors).toBe(before);
  });
  it('runs on the float64 reference backend and restores the active backend', () => {
    const active = getBackend();
    let seen = '';
    gradcheck('probe', (x) => {
      seen = getBackend().name;
      return mul(x, 2);
    }, [[2]]);
    expect(seen).toBe('ref-float64');
    expect(getBackend()).toBe(active);
  });
});
