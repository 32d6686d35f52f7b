import { describe, expect, it } from 'vitest';
import {
  Generator, add, avgPool2d, batchNorm, bmm, broadcastTo, concat, conv1d, conv2d, conv2dRelu, conv2dReluMaxPool, createRefBackend, crossEntropy, dropout, linear,
  logSoftmax, matmul, maxPool2d, memory, mseLoss, mul, ones, pad, permute, relu, reshape, slice, squeeze, sum, tensor, tidy, transpose,
  unsqueeze, where, withBackend, zeros, argmax, argmin, elu, gather, gelu, leakyRelu, min, norm, softplus, stack, type Tensor,
  adaptiveAvgPool2d, bceWithLogits, dropout2d, layerNorm, nllLoss, exp, erf, full,
} from '../src/index.js';

// Errors name the op, the shapes involved and what was expected (CONVENTIONS.md, "Errors name the
// op, the shapes and what was expected"). Brackets and parentheses are escaped in the regexes.

describe('conv2dRelu errors name conv2dRelu', () => {
  it('conv2dRelu x=[8,3,28,28] w=[16,1,3,3]: channel mismatch names both shapes', () => {
    expect(() => conv2dRelu(zeros([8, 3, 28, 28]), zeros([16, 1, 3, 3]))).toThrow(
      /^conv2dRelu: input has 3 channels but weight expects 1 \(x=\[8,3,28,28\], w=\[16,1,3,3\]\)$/,
    );
  });
  it('conv2dRelu w=[16,1,3,3] b=[8]: bias size', () => {
    expect(() => conv2dRelu(zeros([2, 1, 5, 5]), zeros([16, 1, 3, 3]), zeros([8]))).toThrow(/^conv2dRelu: bias must be \[16\], got \[8\] \(w=\[16,1,3,3\]\)$/);
  });
});

describe('conv2dReluMaxPool errors name conv2dReluMaxPool', () => {
  it('conv2dReluMaxPool x=[8,3,28,28] w=[16,1,3,3]: channel mismatch names both shapes', () => {
    expect(() => conv2dReluMaxPool(zeros([8, 3, 28, 28]), zeros([16, 1, 3, 3]), null, {}, { kernelSize: 2 })).toThrow(
      /^conv2dReluMaxPool: input has 3 channels but weight expects 1 \(x=\[8,3,28,28\], w=\[16,1,3,3\]\)$/,
    );
  });
  it('conv2dReluMaxPool w=[16,1,3,3] b=[8]: bias size', () => {
    expect(() => conv2dReluMaxPool(zeros([2, 1, 5, 5]), zeros([16, 1, 3, 3]), zeros([8]), {}, { kernelSize: 2 })).toThrow(/^conv2dReluMaxPool: bias must be \[16\], got \[8\] \(w=\[16,1,3,3\]\)$/);
  });
  it('conv2dReluMaxPool: a pool window larger than the convolution output names the conv output shape', () => {
    expect(() => conv2dReluMaxPool(zeros([2, 1, 5, 5]), zeros([4, 1, 3, 3]), null, {}, { kernelSize: 4 })).toThrow(/^conv2dReluMaxPool: window 4×4 is larger than the padded input 3×3 \(x=\[2,4,3,3\]\)$/);
  });
});

describe('conv2d and conv1d shape errors', () => {
  it('conv2d x=[8,3,28,28] w=[16,1,3,3]: channel mismatch names both shapes', () => {
    expect(() => conv2d(zeros([8, 3, 28, 28]), zeros([16, 1, 3, 3]))).toThrow(
      /^conv2d: input has 3 channels but weight expects 1 \(x=\[8,3,28,28\], w=\[16,1,3,3\]\)$/,
    );
  });
  it('conv2d x=[1,1,4,4] w=[1,1,5,5] p=0: kernel larger than the padded input', () => {
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 5, 5]))).toThrow(
      /^conv2d: kernel 5×5 \(dilated 5×5\) is larger than the padded input 4×4 \(x=\[1,1,4,4\], w=\[1,1,5,5\], padding=\[0,0\]\)$/,
    );
  });
  it('conv2d x=[1,1,4,4] w=[1,1,3,3] d=2: dilated kernel 5×5 larger than the input', () => {
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { dilation: 2 })).toThrow(/conv2d: kernel 3×3 \(dilated 5×5\) is larger than the padded input 4×4 \(x=\[1,1,4,4\], w=\[1,1,3,3\]/);
  });
  it('conv2d x=[1,1,4,4] w=[1,1,5,5] p=1 fits (padded 6×6): no error', () => {
    expect(conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 5, 5]), null, { padding: 1 }).shape).toEqual([1, 1, 2, 2]);
  });
  it('conv2d x=[2,3,5,5] (rank 4) vs x=[3,5,5] (rank 3): input rank', () => {
    expect(() => conv2d(zeros([3, 5, 5]), zeros([4, 3, 3, 3]))).toThrow(/conv2d: input must be \[N, C, H, W\], got \[3,5,5\]/);
    expect(() => conv2d(zeros([2, 3, 5, 5]), zeros([4, 3, 3]))).toThrow(/conv2d: weight must be \[O, C, KH, KW\], got \[4,3,3\]/);
  });
  it('conv2d w=[4,3,3,3] b=[3]: bias size', () => {
    expect(() => conv2d(zeros([1, 3, 5, 5]), zeros([4, 3, 3, 3]), zeros([3]))).toThrow(/conv2d: bias must be \[4\], got \[3\] \(w=\[4,3,3,3\]\)/);
  });
  it('conv2d s=0 and p=-1: invalid geometry', () => {
    expect(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), null, { stride: 0 })).toThrow(/conv2d: stride and dilation must be ≥ 1 and padding ≥ 0 \(stride=\[0,0\]/);
    expect(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), null, { padding: -1 })).toThrow(/conv2d: .*padding=\[-1,-1\]/);
    expect(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), null, { stride: 1.5 })).toThrow(/conv2d: stride must be an integer/);
  });
  it('conv1d x=[2,3,10] w=[4,2,3]: channel mismatch names both shapes', () => {
    expect(() => conv1d(zeros([2, 3, 10]), zeros([4, 2, 3]))).toThrow(/^conv1d: input has 3 channels but weight expects 2 \(x=\[2,3,10\], w=\[4,2,3\]\)$/);
  });
  it('conv2d groups: not a positive integer, channels not divisible, weight channels per group wrong', () => {
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([4, 2, 3, 3]), null, { groups: 0 })).toThrow(/^conv2d: groups must be a positive integer, got 0$/);
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([4, 2, 3, 3]), null, { groups: 1.5 })).toThrow(/^conv2d: groups must be a positive integer, got 1.5$/);
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([5, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /^conv2d: weight has 5 output channels, not divisible by groups=2 \(x=\[1,4,5,5\], w=\[5,2,3,3\]\)$/,
    );
    expect(() => conv2d(zeros([1, 5, 5, 5]), zeros([4, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /^conv2d: input has 5 channels, not divisible by groups=2 \(x=\[1,5,5,5\], w=\[4,2,3,3\]\)$/,
    );
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([4, 4, 3, 3]), null, { groups: 2 })).toThrow(
      /^conv2d: input has 4 channels but weight expects 4 per group × groups=2 = 8 \(x=\[1,4,5,5\], w=\[4,4,3,3\]\)$/,
    );
  });
  it('conv2d x=[1,4,5,5] w=[6,2,3,3] groups=2: the grouped shape, which ungrouped is an error', () => {
    expect(conv2d(zeros([1, 4, 5, 5]), zeros([6, 2, 3, 3]), null, { groups: 2 }).shape).toEqual([1, 6, 3, 3]);
    expect(() => conv2d(zeros([1, 4, 5, 5]), zeros([6, 2, 3, 3]))).toThrow(/^conv2d: input has 4 channels but weight expects 2 /);
  });
  it('conv1d groups: errors name conv1d and the 3-d shapes', () => {
    expect(() => conv1d(zeros([2, 6, 10]), zeros([4, 2, 3]), null, { groups: 4 })).toThrow(
      /^conv1d: input has 6 channels, not divisible by groups=4 \(x=\[2,6,10\], w=\[4,2,3\]\)$/,
    );
    expect(() => conv1d(zeros([2, 6, 10]), zeros([4, 2, 3]), null, { groups: -1 })).toThrow(/^conv1d: groups must be a positive integer, got -1$/);
    expect(conv1d(zeros([2, 6, 10]), zeros([4, 3, 3]), null, { groups: 2 }).shape).toEqual([2, 4, 8]);
  });
  it('conv1d x=[2,10] (rank 2): input rank', () => {
    expect(() => conv1d(zeros([2, 10]), zeros([4, 2, 3]))).toThrow(/conv1d: input must be \[N, C, L\], got \[2,10\]/);
  });
});

describe('pooling errors', () => {
  it('maxPool2d x=[1,1,3,3] k=4: window larger than the input', () => {
    expect(() => maxPool2d(zeros([1, 1, 3, 3]), { kernelSize: 4 })).toThrow(/maxPool2d: window 4×4 is larger than the padded input 3×3 \(x=\[1,1,3,3\]\)/);
  });
  it('avgPool2d x=[1,1,6,6] k=2 p=2: padding more than half the kernel', () => {
    expect(() => avgPool2d(zeros([1, 1, 6, 6]), { kernelSize: 2, padding: 2 })).toThrow(/avgPool2d: padding \[2,2\] must be at most half the kernel size \[2,2\]/);
  });
  it('maxPool2d x=[6,6] (rank 2): input rank', () => {
    expect(() => maxPool2d(zeros([6, 6]), { kernelSize: 2 })).toThrow(/maxPool2d: input must be \[N, C, H, W\], got \[6,6\]/);
  });
});

describe('crossEntropy and loss errors', () => {
  it('crossEntropy logits=[2,3] targets=[0,5]: names the bad target, its index and the class count', () => {
    expect(() => crossEntropy(zeros([2, 3]), [0, 5])).toThrow(/^crossEntropy: target 5 at index 1 is out of range for 3 classes \(logits \[2,3\]\)$/);
  });
  it('crossEntropy logits=[2,3] targets=[-1,0] and [0.5,1]: negative and fractional targets', () => {
    expect(() => crossEntropy(zeros([2, 3]), [-1, 0])).toThrow(/crossEntropy: target -1 at index 0 is out of range for 3 classes/);
    expect(() => crossEntropy(zeros([2, 3]), [0, 1.5])).toThrow(/crossEntropy: target 1.5 at index 1 is out of range for 3 classes/);
  });
  it('crossEntropy logits=[2,3] targets=[3] (three targets): wrong target count', () => {
    expect(() => crossEntropy(zeros([2, 3]), [0, 1, 2])).toThrow(/^crossEntropy: targets must be \[2\] class indices for logits \[2,3\], got \[3\]$/);
  });
  it('crossEntropy logits=[2,3] targets tensor=[2,1]: targets must be 1-D', () => {
    expect(() => crossEntropy(zeros([2, 3]), tensor([0, 1], [2, 1]))).toThrow(/crossEntropy: targets must be \[2\] class indices for logits \[2,3\], got \[2,1\]/);
  });
  it('crossEntropy logits=[2,3,4] (rank 3): logits must be [N, C]', () => {
    expect(() => crossEntropy(zeros([2, 3, 4]), [0, 1])).toThrow(/crossEntropy: logits must be \[N, C\], got \[2,3,4\]/);
  });
  it('crossEntropy labelSmoothing=1 and -0.1: out of [0, 1)', () => {
    expect(() => crossEntropy(zeros([2, 3]), [0, 1], { labelSmoothing: 1 })).toThrow(/crossEntropy: labelSmoothing must be in \[0, 1\), got 1/);
    expect(() => crossEntropy(zeros([2, 3]), [0, 1], { labelSmoothing: -0.1 })).toThrow(/labelSmoothing must be in \[0, 1\), got -0.1/);
  });
  it('mseLoss input=[2,3] target=[3,2]: shape mismatch', () => {
    expect(() => mseLoss(zeros([2, 3]), zeros([3, 2]))).toThrow(/mseLoss: input \[2,3\] and target \[3,2\] must have the same shape/);
  });
});

describe('broadcasting, matmul and linear errors', () => {
  it('add a=[2,3] b=[4]: cannot broadcast, names both shapes and the dimension', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/^add: shapes \[2,3\] and \[4\] cannot be broadcast together \(dimension 1 of the result: 3 vs 4\)$/);
  });
  it('mul a=[2,3,4] b=[3,1,5]: cannot broadcast', () => {
    expect(() => mul(zeros([2, 3, 4]), zeros([3, 1, 5]))).toThrow(/mul: shapes \[2,3,4\] and \[3,1,5\] cannot be broadcast together/);
  });
  it('where cond=[2] a=[3] b=0: cannot broadcast', () => {
    expect(() => where(ones([2]), zeros([3]), 0)).toThrow(/where: shapes \[2\] and \[3\] cannot be broadcast together/);
  });
  it('broadcastTo x=[2,3] -> [3,3] and x=[3] -> [3,1]', () => {
    expect(() => broadcastTo(zeros([2, 3]), [3, 3])).toThrow(/broadcastTo: shapes \[2,3\] and \[3,3\] cannot be broadcast together/);
    expect(() => broadcastTo(zeros([3]), [3, 1])).toThrow(/broadcastTo: cannot broadcast \[3\] to \[3,1\]/);
  });
  it('matmul a=[2,3] b=[4,5]: inner dimensions differ, names both shapes', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(/^matmul: cannot multiply \[2,3\] by \[4,5\]: inner dimensions differ \(3 vs 4\)$/);
  });
  it('matmul a=[3] b=[4]: 1-D operands of different length', () => {
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow(/matmul: cannot multiply \[3\] by \[4\]: inner dimensions differ \(3 vs 4\)/);
  });
  it('matmul a=[2,3,4] b=[3,4,5]: batch dims cannot broadcast, names both shapes', () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(/^matmul: cannot multiply \[2,3,4\] by \[3,4,5\]: batch dimensions \[2\] and \[3\] cannot be broadcast together$/);
  });
  it('matmul a=[] b=[3]: 0-d operand', () => {
    expect(() => matmul(zeros([]), zeros([3]))).toThrow(/matmul: both operands need at least one dimension, got \[\] and \[3\]/);
  });
  it('bmm a=[2,3,4] b=[2,5,6] and transB b=[2,6,5]: inner dimensions differ', () => {
    expect(() => bmm(zeros([2, 3, 4]), zeros([2, 5, 6]))).toThrow(/^bmm: inner dimensions differ \(4 vs 5\) for \[2,3,4\] · \[2,5,6\]/);
    expect(() => bmm(zeros([2, 3, 4]), zeros([2, 6, 5]), false, true)).toThrow(/^bmm: inner dimensions differ \(4 vs 5\) for \[2,3,4\] · \[2,6,5\]ᵀ/);
  });
  it('bmm a=[2,3,4] b=[3,4,5]: batch sizes 2 and 3', () => {
    expect(() => bmm(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(/^bmm: batch sizes 2 and 3 cannot broadcast for \[2,3,4\] · \[3,4,5\]/);
  });
  it('linear x=[2,3] w=[5,4]: feature mismatch names both shapes', () => {
    expect(() => linear(zeros([2, 3]), zeros([5, 4]))).toThrow(/^linear: input has 3 features but weight expects 4 \(x=\[2,3\], w=\[5,4\]\)$/);
  });
  it('linear w=[5] (rank 1) and b=[4] for w=[5,4]', () => {
    expect(() => linear(zeros([2, 4]), zeros([5]))).toThrow(/linear: weight must be \[out, in\], got \[5\]/);
    expect(() => linear(zeros([2, 4]), zeros([5, 4]), zeros([4]))).toThrow(/linear: bias must be \[5\], got \[4\] \(w=\[5,4\]\)/);
  });
});

describe('layout errors', () => {
  it('reshape x=[2,3] -> [4,2]: incompatible size names both shapes and the element count', () => {
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(/^reshape: cannot reshape \[2,3\] \(6 elements\) into \[4,2\]$/);
  });
  it('reshape x=[2,3] -> [4,-1] and [-1,-1]', () => {
    expect(() => reshape(zeros([2, 3]), [4, -1])).toThrow(/reshape: cannot reshape \[2,3\] \(6 elements\) into \[4,-1\]/);
    expect(() => reshape(zeros([2, 3]), [-1, -1])).toThrow(/reshape: only one dimension can be -1, got \[-1,-1\]/);
  });
  it('permute x=[2,3,4] dims=[0,0,1], [0,1] and [0,1,3]: not a permutation', () => {
    expect(() => permute(zeros([2, 3, 4]), [0, 0, 1])).toThrow(/^permute: dims \[0,0,1\] are not a permutation of the 3 dims of \[2,3,4\]$/);
    expect(() => permute(zeros([2, 3, 4]), [0, 1])).toThrow(/permute: dims \[0,1\] are not a permutation of the 3 dims of \[2,3,4\]/);
    expect(() => permute(zeros([2, 3, 4]), [0, 1, 3])).toThrow(/permute: dims \[0,1,3\] are not a permutation of the 3 dims of \[2,3,4\]/);
  });
  it('unsqueeze x=[2,3] dim=4 and squeeze x=[2,3] dim=2: out of range', () => {
    expect(() => unsqueeze(zeros([2, 3]), 4)).toThrow(/^unsqueeze: dim 4 is out of range for \[2,3\] \(expected \[-3, 2\]\)$/);
    expect(() => unsqueeze(zeros([2, 3]), -4)).toThrow(/unsqueeze: dim -4 is out of range for \[2,3\]/);
    expect(unsqueeze(zeros([2, 3]), 2).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(zeros([2, 3]), -3).shape).toEqual([1, 2, 3]);
    expect(() => squeeze(zeros([2, 3]), 2)).toThrow(/^squeeze: dim 2 is out of range for \[2,3\] \(expected \[-2, 1\]\)$/);
    expect(squeeze(zeros([2, 1]), -1).shape).toEqual([2]);
    expect(squeeze(zeros([2, 3]), 0).shape).toEqual([2, 3]); // not of size 1: unchanged, as PyTorch
  });
  it('transpose x=[2,3] dims 0,2: out of range', () => {
    expect(() => transpose(zeros([2, 3]), 0, 2)).toThrow(/transpose: dims 0, 2 are out of range for \[2,3\]/);
  });
  it('slice x=[3,4] starts=[2,0] sizes=[2,4]: box does not fit', () => {
    expect(() => slice(zeros([3, 4]), [2, 0], [2, 4])).toThrow(/slice: box starting at \[2,0\] with sizes \[2,4\] does not fit in \[3,4\]/);
  });
  it('concat [2,3]+[2,4] dim=0: shapes differ outside the concat dim', () => {
    expect(() => concat([zeros([2, 3]), zeros([2, 4])], 0)).toThrow(/concat: shapes \[2,3\], \[2,4\] differ outside dim 0/);
    expect(() => concat([zeros([2, 3])], 2)).toThrow(/concat: dim 2 is out of range for rank 2/);
  });
  it('pad x=[2,3] padding=[1] and [1,-1]: bad padding', () => {
    expect(() => pad(zeros([2, 3]), [1])).toThrow(/pad: padding \[1\] must be non-negative \(before, after\) pairs for at most 2 dims of \[2,3\]/);
    expect(() => pad(zeros([2, 3]), [1, -1])).toThrow(/pad: padding \[1,-1\]/);
  });
  it('sum x=[2,3] dim=2 and logSoftmax x=[2,3] dim=-3: dim out of range', () => {
    expect(() => sum(zeros([2, 3]), 2)).toThrow(/sum: dim 2 is out of range for a tensor of rank 2/);
    expect(() => logSoftmax(zeros([2, 3]), -3)).toThrow(/logSoftmax: dim -3 is out of range for \[2,3\]/);
  });
  it('tensor 5 values into shape [2,3]; shape [2,-1]', () => {
    expect(() => tensor([1, 2, 3, 4, 5], [2, 3])).toThrow(/tensor: 5 values do not fill shape \[2,3\] \(6 elements\)/);
    expect(() => zeros([2, -1])).toThrow(/^zeros: shape must be an array of non-negative integers, got array \[2, -1\]$/);
    expect(() => full([2.5], 1)).toThrow(/^full: shape must be an array of non-negative integers, got array \[2.5\]$/);
  });
  it('item() on x=[2,3]', () => {
    expect(() => zeros([2, 3]).item()).toThrow(/item: tensor has shape \[2,3\], expected exactly one element/);
  });
});

describe('normalisation and dropout errors', () => {
  it('batchNorm x=[4,3] runningMean=[2]: stat size names the input shape', () => {
    expect(() => batchNorm(zeros([4, 3]), zeros([2]), ones([3]))).toThrow(/batchNorm: runningMean must be \[3\] for input \[4,3\], got \[2\]/);
    expect(() => batchNorm(zeros([4, 3]), zeros([3]), ones([3]), ones([4]))).toThrow(/batchNorm: weight must be \[3\] for input \[4,3\], got \[4\]/);
  });
  it('batchNorm x=[1,3] training: one value per channel', () => {
    expect(() => batchNorm(zeros([1, 3]), zeros([3]), ones([3]))).toThrow(/batchNorm: expected more than 1 value per channel when training, got input \[1,3\]/);
  });
  it('batchNorm x=[3] (rank 1)', () => {
    expect(() => batchNorm(zeros([3]), zeros([3]), ones([3]))).toThrow(/batchNorm: input must be \[N, C, \.\.\.\], got \[3\]/);
  });
  it('dropout p=1.5 and p=-0.1', () => {
    expect(() => dropout(zeros([2, 3]), 1.5, true)).toThrow(/dropout: probability must be in \[0, 1\], got 1.5/);
    expect(() => dropout(zeros([2, 3]), -0.1, true)).toThrow(/dropout: probability must be in \[0, 1\], got -0.1/);
  });
  it('Generator.setState with s=[1,2,3] (three words)', () => {
    expect(() => new Generator(1).setState({ s: [1, 2, 3], spare: null })).toThrow(/Generator.setState: expected \{s: four uint32\}, got \{"s":\[1,2,3\],"spare":null\}/);
  });
});

describe('backward and lifetime errors', () => {
  it('backward on y=[2,3] without a gradient names the shape', () => {
    const x = ones([2, 3], { requiresGrad: true });
    const y = mul(x, 2);
    expect(() => y.backward()).toThrow(/^backward: grad can be implicitly created only for a one-element output, but the tensor has shape \[2,3\]; pass a gradient of that shape$/);
  });
  it('backward on y=[2,3] with a gradient of shape [3,2]', () => {
    const y = mul(ones([2, 3], { requiresGrad: true }), 2);
    expect(() => y.backward(ones([3, 2]))).toThrow(/backward: gradient has shape \[3,2\] but the tensor has shape \[2,3\]/);
  });
  it('backward on y=[] that does not require grad', () => {
    const y = sum(ones([2, 3]));
    expect(() => y.backward()).toThrow(/backward: tensor \[\] does not require grad/);
  });
  it('backward twice through sum(mul(x, x)) x=[2,3]: second call names the op', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const loss = sum(mul(x, x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward: tried to backward through the graph a second time \(op sum\)/);
    // The first backward's gradient is untouched by the failed second one.
    expect(Array.from(x.grad!.toArray())).toEqual([2, 4, 6, 8, 10, 12]);
  });
  it('backward twice through a shared subgraph: y = relu(x) used by two losses', () => {
    const x = tensor([1, -2, 3], [3], { requiresGrad: true });
    const y = relu(x);
    sum(y).backward();
    expect(() => sum(mul(y, 2)).backward()).toThrow(/backward: tried to backward through the graph a second time \(op relu\)/);
  });
  it('x=[2,3] used after dispose(): the error names the op and the shape', () => {
    const x = ones([2, 3]);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(() => add(x, 1)).toThrow(/add: .*\[2,3\].*after dispose\(\)/);
    expect(() => conv2d(x, zeros([1, 3, 1, 1]))).toThrow(/conv2d: .*\[2,3\].*after dispose\(\)/);
    expect(() => x.toArray()).toThrow(/Tensor \[2,3\]: used after dispose\(\)/);
    const one = ones([1]);
    one.dispose();
    expect(() => one.item()).toThrow(/Tensor \[1\]: used after dispose\(\)/);
    expect(() => reshape(x, [6])).toThrow(/\[2,3\].*after dispose\(\)/);
    x.dispose(); // idempotent
  });
  it('x=[2,3] disposed by tidy, then used: names the shape', () => {
    let leaked = ones([1]);
    tidy(() => {
      leaked = ones([2, 3]);
    });
    expect(() => mul(leaked, 2)).toThrow(/mul: .*\[2,3\].*after dispose\(\)/);
  });
  it('x=[2] from the float64 backend used under the float32 one: names both backends', () => {
    const x = withBackend(createRefBackend({ dtype: 'float64' }), () => ones([2]));
    expect(() => add(x, ones([2]))).toThrow(/add: tensor \[2\] lives on backend ref-float64 but the active backend is ref-float32/);
  });
  it('errors leave no tensors behind: failed ops inside tidy', () => {
    const before = memory();
    for (const f of [() => matmul(ones([2, 3]), ones([4, 5])), () => crossEntropy(ones([2, 3]), [0, 5]), () => conv2d(ones([1, 3, 4, 4]), ones([2, 1, 3, 3]))]) {
      expect(() => tidy(f)).toThrow();
    }
    expect(memory()).toEqual(before);
  });
});

describe('errors of stack, gather, argmax, min, norm and the activations', () => {
  it('stack: empty list, shape mismatch, dim out of range', () => {
    expect(() => stack([])).toThrow(/^stack: tensors must be a non-empty array of tensors, got array \[\]$/);
    expect(() => stack([zeros([2, 3]), zeros([3, 2])])).toThrow(/^stack: every tensor must have shape \[2,3\], but tensor 1 has shape \[3,2\]$/);
    expect(() => stack([zeros([2, 3])], 3)).toThrow(/^stack: dim 3 is out of range for tensors of shape \[2,3\] \(expected \[-3, 2\]\)$/);
  });
  it('gather x=[3,4]: dim, rank, extent and index values', () => {
    const x = zeros([3, 4]);
    expect(() => gather(x, 2, zeros([3, 1]))).toThrow(/^gather: dim 2 is out of range for input \[3,4\] \(expected \[-2, 1\]\)$/);
    expect(() => gather(x, 1, zeros([3]))).toThrow(/^gather: index must have the input's rank 2, got index \[3\] for input \[3,4\]$/);
    expect(() => gather(x, 1, zeros([4, 1]))).toThrow(/^gather: index \[4,1\] is larger than input \[3,4\] in dim 0 \(only dim 1 may be larger\)$/);
    expect(() => gather(x, 1, tensor([0, 4, 1], [3, 1]))).toThrow(/^gather: index value 4 at flat position 1 is out of range for dim 1 of size 4 \(input \[3,4\]\)$/);
    expect(() => gather(x, 1, tensor([0, 1.5, 1], [3, 1]))).toThrow(/^gather: index value 1.5 at flat position 1/);
    expect(() => gather(x, 1, [0, 1, 2] as unknown as Tensor)).toThrow(/^gather: index must be a Tensor of integer indices, got array \[0, 1, 2\]$/);
  });
  it('argmax/argmin: dim out of range, empty input', () => {
    expect(() => argmax(zeros([3, 4]), 2)).toThrow(/^argmax: dim 2 is out of range for \[3,4\] \(expected \[-2, 1\]\)$/);
    expect(() => argmin(zeros([3, 4]), 1.5)).toThrow(/^argmin: dim 1.5 is out of range for \[3,4\]/);
    expect(() => argmax(zeros([0, 4]), 1)).toThrow(/^argmax: cannot reduce an empty tensor \[0,4\]$/);
  });
  it('min: dim out of range names min, not max (the op it is composed of)', () => {
    expect(() => min(zeros([3, 4]), 5)).toThrow(/^min: dim 5 is out of range for a tensor of rank 2$/);
  });
  it('norm: unsupported p, dim out of range', () => {
    expect(() => norm(zeros([3]), -1)).toThrow(/^norm: p must be 'fro', 0, a positive number, Infinity or -Infinity, got -1$/);
    expect(() => norm(zeros([3]), NaN)).toThrow(/^norm: p must be .* got "NaN"$/);
    expect(() => norm(zeros([3]), 'nuc' as 'fro')).toThrow(/^norm: p must be .* got "nuc"$/);
    expect(() => norm(zeros([3]), 2, 1)).toThrow(/^norm: dim 1 is out of range for a tensor of rank 1$/);
  });
  it('leakyRelu, elu, softplus, gelu: bad options', () => {
    expect(() => leakyRelu(zeros([2]), NaN)).toThrow(/^leakyRelu: negativeSlope must be a finite number, got NaN$/);
    expect(() => elu(zeros([2]), Infinity)).toThrow(/^elu: alpha must be a finite number, got Infinity$/);
    expect(() => softplus(zeros([2]), { beta: 0 })).toThrow(/^softplus: beta must be a positive finite number, got 0$/);
    expect(() => softplus(zeros([2]), { threshold: NaN })).toThrow(/^softplus: threshold must be a number \(Infinity for none\), got NaN$/);
    expect(() => gelu(zeros([2]), { approximate: 'erf' as 'none' })).toThrow(/^gelu: approximate must be 'none' or 'tanh', got "erf"$/);
  });
});

describe('errors of layerNorm, adaptiveAvgPool2d, dropout2d and the losses', () => {
  it('layerNorm: normalizedShape, weight and eps', () => {
    expect(() => layerNorm(zeros([2, 3]), [4])).toThrow(/^layerNorm: input \[2,3\] does not end with normalizedShape \[4\]$/);
    expect(() => layerNorm(zeros([2, 3]), [])).toThrow(/^layerNorm: normalizedShape must be one or more positive integers, got \[\]$/);
    expect(() => layerNorm(zeros([2, 3]), [3], zeros([2]))).toThrow(/^layerNorm: weight must have shape normalizedShape \[3\], got \[2\]$/);
    expect(() => layerNorm(zeros([2, 3]), 3, null, zeros([3, 1]))).toThrow(/^layerNorm: bias must have shape normalizedShape \[3\], got \[3,1\]$/);
    expect(() => layerNorm(zeros([2, 3]), 3, null, null, -1)).toThrow(/^layerNorm: eps must be a non-negative finite number, got -1$/);
  });
  it('adaptiveAvgPool2d: rank and outputSize', () => {
    expect(() => adaptiveAvgPool2d(zeros([4, 4]), 2)).toThrow(/^adaptiveAvgPool2d: input must be \[N, C, H, W\] or \[C, H, W\], got \[4,4\]$/);
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(/^adaptiveAvgPool2d: outputSize must be a positive integer or a pair of positive integers \(or null\), got 0$/);
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), [2, 1.5])).toThrow(/^adaptiveAvgPool2d: outputSize .* got \[2,1.5\]$/);
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), [2] as unknown as [number, number])).toThrow(/^adaptiveAvgPool2d: outputSize .* got \[2\]$/);
  });
  it('dropout2d: probability and rank', () => {
    expect(() => dropout2d(zeros([1, 2, 3, 3]), 1.5, true)).toThrow(/^dropout2d: probability must be in \[0, 1\], got 1.5$/);
    expect(() => dropout2d(zeros([2, 3, 3]), 0.5, true)).toThrow(/^dropout2d: input must be \[N, C, H, W\], got \[2,3,3\]$/);
  });
  it('nllLoss and crossEntropy: weight shape, ignoreIndex, reduction, targets', () => {
    expect(() => nllLoss(zeros([2, 3]), [0, 1], { weight: zeros([2]) })).toThrow(/^nllLoss: weight must be \[3\] \(one per class\), got \[2\]$/);
    expect(() => crossEntropy(zeros([2, 3]), [0, 1], { weight: [1, 1, 1] as unknown as Tensor })).toThrow(/^crossEntropy: weight must be a Tensor of shape \[3\], got array \[1, 1, 1\]$/);
    expect(() => crossEntropy(zeros([2, 3]), [0, 1], { ignoreIndex: 0.5 })).toThrow(/^crossEntropy: ignoreIndex must be an integer, got 0.5$/);
    expect(() => crossEntropy(zeros([2, 3]), [0, 1], { reduction: 'avg' as 'mean' })).toThrow(/^crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"$/);
    expect(() => nllLoss(zeros([2, 3]), [0, 3])).toThrow(/^nllLoss: target 3 at index 1 is out of range for 3 classes \(input \[2,3\]\)$/);
    expect(() => nllLoss(zeros([2, 3, 1]), [0, 1])).toThrow(/^nllLoss: input must be \[N, C\] log-probabilities, got \[2,3,1\]$/);
    expect(() => nllLoss(zeros([2, 3]), [0, 1, 2])).toThrow(/^nllLoss: targets must be \[2\] class indices for input \[2,3\], got \[3\]$/);
    expect(() => crossEntropy(zeros([2, 3]), [0, -100, 7], { ignoreIndex: -100 })).toThrow(/^crossEntropy: targets must be \[2\]/);
    // an ignored target is not an out-of-range target; another negative one still is
    expect(crossEntropy(zeros([2, 3]), [0, -100]).shape).toEqual([]);
    expect(() => crossEntropy(zeros([2, 3]), [0, -1])).toThrow(/^crossEntropy: target -1 at index 1 is out of range for 3 classes \(logits \[2,3\]\)$/);
  });
  it('bceWithLogits: target, weight and posWeight shapes, reduction', () => {
    expect(() => bceWithLogits(zeros([2, 3]), zeros([3, 2]))).toThrow(/^bceWithLogits: target \[3,2\] must have the input's shape \[2,3\]$/);
    expect(() => bceWithLogits(zeros([2, 3]), [0, 1] as unknown as Tensor)).toThrow(/^bceWithLogits: target must be a Tensor of the input's shape \[2,3\], got array \[0, 1\]$/);
    expect(() => bceWithLogits(zeros([2, 3]), zeros([2, 3]), { posWeight: zeros([2]) })).toThrow(/^bceWithLogits: posWeight \[2\] does not broadcast to the input's shape \[2,3\]$/);
    expect(() => bceWithLogits(zeros([2, 3]), zeros([2, 3]), { weight: zeros([2, 3, 1]) })).toThrow(/^bceWithLogits: weight \[2,3,1\] does not broadcast to the input's shape \[2,3\]$/);
    expect(() => bceWithLogits(zeros([2, 3]), zeros([2, 3]), { reduction: 'max' as 'sum' })).toThrow(/^bceWithLogits: reduction must be 'mean', 'sum' or 'none', got "max"$/);
  });
});

describe('a non-Tensor where an op needs a Tensor is named, not a TypeError from inside (issue 12)', () => {
  it.each([
    ['add', () => add(undefined as unknown as Tensor, 1), /^add: argument 1 must be a Tensor, got undefined$/],
    ['mul', () => mul(zeros([2]), 'x' as unknown as Tensor), /^mul: argument 2 must be a Tensor, got string "x"$/],
    ['exp', () => exp([1, 2] as unknown as Tensor), /^exp: input must be a Tensor, got array \[1, 2\]$/],
    ['relu', () => relu(null as unknown as Tensor), /^relu: input must be a Tensor, got null$/],
    ['erf', () => erf(0.5 as unknown as Tensor), /^erf: input must be a Tensor, got number 0.5$/],
    ['sum', () => sum({} as unknown as Tensor), /^sum: input must be a Tensor, got an object$/],
  ] as const)('%s', (_n, call, pattern) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(pattern);
  });
});
