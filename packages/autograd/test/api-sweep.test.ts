import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as testingApi from '../src/testing/index.js';
import { Generator, Tensor, createRefBackend, ones, sum, tensor, zeros } from '../src/index.js';

// The API sweep (issue 12; Note [argument checks] in src/check.ts): every runtime export of the
// package and of its ./testing subpath is called with bad arguments (wrong types, bad shapes, out
// of range values, options it does not support). Each call must throw an error whose message
// starts with the function's name and mentions the bad argument and its value: never a TypeError
// from inside ("Cannot read properties of undefined") and never a silent result. An export with
// no entry here fails the test, so a new export cannot ship without its checks; one that takes
// no arguments goes in NO_ARGUMENTS with the reason.

/**
 * One bad call. `args` calls the export with them (and, when args[0] is a Tensor and the export
 * is also a Tensor method, the method with the rest: same message); `call` is for constructors,
 * methods and set-ups. `mentions` must match the message (the argument's name and its value);
 * `names` replaces the export's name where the message rightly names another function (a method,
 * or the caller's op name that a geometry helper is given).
 */
interface Case {
  args?: unknown[];
  call?: () => unknown;
  mentions: RegExp;
  names?: string;
}

// Inputs of the right kind, made once: the bad argument is the only thing wrong in each call.
const X = zeros([2, 3]);
const X4 = zeros([1, 1, 4, 4]);
const W4 = zeros([1, 1, 3, 3]);
const X3 = zeros([1, 1, 6]);
const W3 = zeros([1, 1, 3]);
const C3 = zeros([3]);
const leaf = ones([2], { requiresGrad: true });
const loss = sum(leaf);
const fn = () => X;

const tensorCase = (): Case[] => [
  { args: [undefined], mentions: /input must be a Tensor, got undefined/ },
  { args: [[1, 2]], mentions: /input must be a Tensor, got array \[1, 2\]/ },
];
const binaryCase = (): Case[] => [
  { args: [undefined, 1], mentions: /argument 1 must be a Tensor, got undefined/ },
  { args: [X, 'x'], mentions: /argument 2 must be a Tensor, got string "x"/ },
  { args: [X, zeros([4])], mentions: /shapes \[2,3\] and \[4\] cannot be broadcast/ },
];
const reduceCase = (): Case[] => [
  { args: [{}], mentions: /input must be a Tensor, got an object/ },
  { args: [X, 'a'], mentions: /dim must be an integer, an array of integers or undefined \(all dims\), got string "a"/ },
  { args: [X, 5], mentions: /dim 5 is out of range for a tensor of rank 2/ },
  { args: [X, 0, { keepDim: true }], mentions: /unknown option 'keepDim' \(supported: keepdim\)/ },
  { args: [X, 0, { keepdim: 1 }], mentions: /keepdim must be a boolean, got number 1/ },
];
const convCase = (): Case[] => [
  { args: [X4, 'w'], mentions: /argument 2 must be a Tensor, got string "w"/ },
  { args: [X4, W4, 'b'], mentions: /argument 3 must be a Tensor, got string "b"/ },
  { args: [X4, W4, null, { strides: 2 }], mentions: /unknown option 'strides' \(supported: stride, padding, dilation, groups\)/ },
  { args: [X4, W4, null, { stride: null }], mentions: /stride must be an integer or a pair of integers, got null/ },
  { args: [X4, W4, null, { padding: [1, 1, 1] }], mentions: /padding must be an integer or a pair of integers, got \[1,1,1\]/ },
  { args: [X4, W4, null, 'same'], mentions: /options must be an object, got string "same"/ },
];
const poolCase = (): Case[] => [
  { args: [X4], mentions: /options must be an object with kernelSize, got undefined/ },
  { args: [X4, { stride: 2 }], mentions: /options.kernelSize is required, got \{"stride":2\}/ },
  { args: [X4, { kernelSize: 2, ceilMode: true }], mentions: /unknown option 'ceilMode'/ },
  { args: [X4, { kernelSize: 'two' }], mentions: /kernelSize must be an integer or a pair of integers, got string "two"/ },
];
const dropoutCase = (x: Tensor): Case[] => [
  { args: [x, '0.5', true], mentions: /probability must be in \[0, 1\], got string "0.5"/ },
  { args: [x, 1.5, true], mentions: /probability must be in \[0, 1\], got 1.5/ },
  { args: [x, 0.5], mentions: /training must be a boolean, got undefined/ },
  { args: [x, 0.5, true, { seed: 1 }], mentions: /generator must be a Generator, got an object/ },
];

/** Bad calls of every runtime export of '../src/index.js'. */
const CASES: Record<string, Case[]> = {
  createRefBackend: [
    { args: [{ dtype: 'float16' }], mentions: /dtype must be 'float32' or 'float64', got string "float16"/ },
    { args: [{ dtyp: 'float64' }], mentions: /unknown option 'dtyp' \(supported: dtype\)/ },
    { args: ['float64'], mentions: /options must be an object, got string "float64"/ },
  ],
  Tensor: [
    { call: () => new (Tensor as unknown as new (...a: unknown[]) => Tensor)(undefined, [2]), mentions: /ref must be a StorageRef .*got undefined/ },
    { call: () => Tensor.fromStorage(createRefBackend().fill(2, 0), [-2]), mentions: /shape must be an array of non-negative integers, got array \[-2\]/ },
    { call: () => Tensor.fromStorage(createRefBackend().fill(2, 0), [3]), mentions: /storage holds 2 elements but shape \[3\] needs 3/ },
    { call: () => Tensor.fromStorage(null as never, [2]), names: 'Tensor.fromStorage', mentions: /storage must be a backend's Storage, got null/ },
    { call: () => Tensor.fromStorage(createRefBackend().fill(2, 0), [2], 'ref' as never), names: 'Tensor.fromStorage', mentions: /backend must be a Backend, got string "ref"/ },
  ],
  grad: [
    { args: [undefined, [leaf]], mentions: /outputs\[0\] must be a Tensor, got undefined/ },
    { args: [loss, [leaf, 'x']], mentions: /inputs\[1\] must be a Tensor, got string "x"/ },
    { args: [loss, [leaf], { retain_graph: true }], mentions: /unknown option 'retain_graph'/ },
    { args: [loss, [leaf], { retainGraph: 'yes' }], mentions: /retainGraph must be a boolean, got string "yes"/ },
    { args: [loss, [leaf], { gradOutputs: [5] }], mentions: /gradOutputs\[0\] must be a Tensor or null, got number 5/ },
  ],
  setBackend: [
    { args: [undefined], mentions: /backend must be a Backend .*got undefined/ },
    { args: [{ name: 'fake' }], mentions: /backend must be a Backend .*got an object/ },
  ],
  withBackend: [
    { args: ['ref', fn], mentions: /backend must be a Backend .*got string "ref"/ },
    { args: [createRefBackend(), 5], mentions: /fn must be a function, got number 5/ },
  ],
  noGrad: [{ args: [X], mentions: /fn must be a function, got Tensor\(\[2,3\]\)/ }],
  tidy: [{ args: ['x'], mentions: /fn must be a function, got string "x"/ }],
  keep: [{ args: [[1]], mentions: /t must be a Tensor, got array \[1\]/ }],
  tensor: [
    { args: [[[1, 2], [3, 4]]], mentions: /data must be a flat array of numbers .* element 0 is array \[1, 2\]/ },
    { args: ['abc'], mentions: /data must be a flat array of numbers or a typed array, got string "abc"/ },
    { args: [[1, 2], [-2]], mentions: /shape must be an array of non-negative integers, got array \[-2\]/ },
    { args: [[1, 2], [3]], mentions: /2 values do not fill shape \[3\]/ },
    { args: [[1], [1], { requiresgrad: true }], mentions: /unknown option 'requiresgrad' \(supported: requiresGrad\)/ },
    { args: [[1], [1], { requiresGrad: 1 }], mentions: /requiresGrad must be a boolean, got number 1/ },
  ],
  scalar: [
    { args: ['1'], mentions: /value must be a number, got string "1"/ },
    { args: [1, { grad: true }], mentions: /unknown option 'grad'/ },
  ],
  full: [
    { args: [[2, -3], 1], mentions: /shape must be an array of non-negative integers, got array \[2, -3\]/ },
    { args: [[2], '1'], mentions: /value must be a number, got string "1"/ },
  ],
  zeros: [
    { args: [[2, 1.5]], mentions: /shape must be an array of non-negative integers, got array \[2, 1.5\]/ },
    { args: [5], mentions: /shape must be an array of non-negative integers, got number 5/ },
    { args: [[2], { requiresGrad: 'y' }], mentions: /requiresGrad must be a boolean, got string "y"/ },
  ],
  ones: [
    { args: [undefined], mentions: /shape must be an array of non-negative integers, got undefined/ },
    { args: [[2], null], mentions: /options must be an object, got null/ },
  ],
  randn: [
    { args: [[-1]], mentions: /shape must be an array of non-negative integers, got array \[-1\]/ },
    { args: [[2], { generator: 5 }], mentions: /generator must be a Generator, got number 5/ },
    { args: [[2], { seed: 1 }], mentions: /unknown option 'seed' \(supported: requiresGrad, generator\)/ },
  ],
  rand: [
    { args: [[2], { low: 1, high: 0 }], mentions: /low must be below high, got low=1, high=0/ },
    { args: [[2], { low: 'a' }], mentions: /low must be a finite number, got string "a"/ },
    { args: [[2], { min: 0 }], mentions: /unknown option 'min'/ },
  ],
  arange: [
    { args: ['5'], mentions: /start must be a finite number, got string "5"/ },
    { args: [0, 5, 0], mentions: /step must be a non-zero finite number, got number 0/ },
    { args: [0, Infinity], mentions: /end must be a finite number, got number Infinity/ },
  ],
  Generator: [
    { call: () => new Generator('x' as never), mentions: /seed must be a finite number, got string "x"/ },
    { call: () => new Generator(1).seed(NaN), names: 'Generator.seed', mentions: /seed must be a finite number, got number NaN/ },
    { call: () => new Generator(1).manualSeed(undefined as never), names: 'Generator.manualSeed', mentions: /seed must be a finite number, got undefined/ },
    { call: () => new Generator(1).nextInt(0), names: 'Generator.nextInt', mentions: /n must be an integer in \[1, 2\^32\], got 0/ },
    { call: () => new Generator(1).uniform('a' as never, 1), names: 'Generator.uniform', mentions: /lo must be a number, got string "a"/ },
    { call: () => new Generator(1).normal(0, 'b' as never), names: 'Generator.normal', mentions: /std must be a number, got string "b"/ },
    { call: () => new Generator(1).shuffle(5 as never), names: 'Generator.shuffle', mentions: /a must be an array or a typed array, got number 5/ },
    { call: () => new Generator(1).setState({ s: [1], spare: null }), names: 'Generator.setState', mentions: /expected \{s: four uint32\}, got \{"s":\[1\],"spare":null\}/ },
  ],
  manualSeed: [{ args: ['1'], mentions: /seed must be a finite number, got string "1"/ }],
  mixSeed: [{ args: [1, 'a'], mentions: /parts\[1\] must be a finite number, got string "a"/ }],
  sizeOf: [
    { args: [[2, -1]], mentions: /shape must be an array of non-negative integers, got array \[2, -1\]/ },
    { args: ['23'], mentions: /shape must be an array of non-negative integers, got string "23"/ },
  ],
  shapesEqual: [
    { args: ['ab', [1]], mentions: /a must be an array of numbers, got string "ab"/ },
    { args: [[1], null], mentions: /b must be an array of numbers, got null/ },
  ],
  broadcastShapes: [
    { args: [undefined, [1], [2]], mentions: /op must be the calling op's name \(a string\), got undefined/ },
    { args: ['add', [1, -1], [2]], mentions: /a must be an array of non-negative integers, got array \[1, -1\]/ },
    // Shapes that do not broadcast are the caller's error: it is named by `op`.
    { args: ['myOp', [2], [3]], names: 'myOp', mentions: /shapes \[2\] and \[3\] cannot be broadcast together/ },
  ],
  broadcastStrides: [
    { args: [[3], [2]], mentions: /shape \[3\] does not broadcast to outShape \[2\]/ },
    { args: ['x', [2]], mentions: /shape must be an array of non-negative integers, got string "x"/ },
  ],
  stridesOf: [
    { args: [[-1]], mentions: /shape must be an array of non-negative integers, got array \[-1\]/ },
    { args: [null], mentions: /shape must be an array of non-negative integers, got null/ },
  ],
  formatShape: [
    { args: ['2,3'], mentions: /shape must be an array of numbers, got string "2,3"/ },
    { args: [[2, 'a']], mentions: /shape must be an array of numbers, got array \[2, string\]/ },
  ],
  add: binaryCase(),
  sub: binaryCase(),
  mul: binaryCase(),
  div: binaryCase(),
  pow: binaryCase(),
  greater: binaryCase(),
  equal: binaryCase(),
  neg: tensorCase(),
  exp: tensorCase(),
  log: tensorCase(),
  sqrt: tensorCase(),
  abs: tensorCase(),
  sign: tensorCase(),
  relu: tensorCase(),
  sigmoid: tensorCase(),
  tanh: tensorCase(),
  erf: tensorCase(),
  clone: tensorCase(),
  leakyRelu: [...tensorCase(), { args: [X, 'a'], mentions: /negativeSlope must be a finite number, got a/ }],
  elu: [...tensorCase(), { args: [X, NaN], mentions: /alpha must be a finite number, got NaN/ }],
  gelu: [
    ...tensorCase(),
    { args: [X, { approx: 'tanh' }], mentions: /unknown option 'approx' \(supported: approximate\)/ },
    { args: [X, { approximate: 'erf' }], mentions: /approximate must be 'none' or 'tanh', got "erf"/ },
  ],
  softplus: [
    { args: [1], mentions: /input must be a Tensor, got number 1/ },
    { args: [X, { betta: 1 }], mentions: /unknown option 'betta' \(supported: beta, threshold\)/ },
    { args: [X, { beta: -1 }], mentions: /beta must be a positive finite number, got -1/ },
  ],
  where: [
    { args: [1, X, X], mentions: /argument 1 must be a Tensor, got number 1/ },
    { args: [X, X, 'b'], mentions: /argument 3 must be a Tensor, got string "b"/ },
  ],
  clamp: [
    { args: ['x'], mentions: /input must be a Tensor, got string "x"/ },
    { args: [X, 'a'], mentions: /min must be a number or undefined, got string "a"/ },
    { args: [X, 0, NaN], mentions: /max must be a number or undefined, got number NaN/ },
  ],
  sum: reduceCase(),
  mean: reduceCase(),
  max: reduceCase(),
  min: reduceCase(),
  argmax: [
    { args: [X, 'a'], mentions: /dim must be an integer or undefined \(the flattened tensor\), got string "a"/ },
    { args: [X, 2], mentions: /dim 2 is out of range for \[2,3\]/ },
    { args: [X, 0, { keep: true }], mentions: /unknown option 'keep'/ },
  ],
  argmin: [
    { args: [X, 'a'], mentions: /dim must be an integer or undefined \(the flattened tensor\), got string "a"/ },
    { args: [X, 0, { keepdim: 'no' }], mentions: /keepdim must be a boolean, got string "no"/ },
  ],
  norm: [
    { args: [X, 'nuc'], mentions: /p must be 'fro', .* got "nuc"/ },
    { args: [X, 2, 'a'], mentions: /dim must be an integer, .*got string "a"/ },
    { args: [X, 2, 0, { dtype: 'float64' }], mentions: /unknown option 'dtype'/ },
  ],
  broadcastTo: [
    { args: [X, 'ab'], mentions: /shape must be an array of non-negative integers, got string "ab"/ },
    { args: [X, [3]], mentions: /cannot broadcast \[2,3\] to \[3\]/ },
  ],
  reshape: [
    { args: [X, [2, -3]], mentions: /shape must be an array of non-negative integers \(one may be -1\), got array \[2, -3\]/ },
    { args: [undefined, [6]], mentions: /input must be a Tensor, got undefined/ },
    { args: [X, [4]], mentions: /cannot reshape \[2,3\] \(6 elements\) into \[4\]/ },
    { args: [X, 6], mentions: /shape must be .* got number 6/ },
  ],
  flatten: [
    { args: [X, 'a'], mentions: /startDim must be an integer, got string "a"/ },
    { args: [X, 0, 5], mentions: /dims 0\.\.5 are out of range for \[2,3\]/ },
  ],
  unsqueeze: [
    { args: [X, 'a'], mentions: /dim must be an integer, got string "a"/ },
    { args: [X, 5], mentions: /dim 5 is out of range for \[2,3\]/ },
  ],
  squeeze: [
    { args: [X, 'a'], mentions: /dim must be an integer or undefined .*, got string "a"/ },
    { args: [X, -3], mentions: /dim -3 is out of range for \[2,3\]/ },
  ],
  permute: [
    { args: [X, 'ab'], mentions: /dims must be an array of integers, got string "ab"/ },
    { args: [X, [0, 0]], mentions: /dims \[0,0\] are not a permutation of the 2 dims of \[2,3\]/ },
  ],
  transpose: [
    { args: [X, 'a'], mentions: /dim0 must be an integer, got string "a"/ },
    { args: [X, 0, 5], mentions: /dims 0, 5 are out of range for \[2,3\]/ },
  ],
  pad: [
    { args: [X, 'ab'], mentions: /padding must be an array of integers, got string "ab"/ },
    { args: [X, [1, -1]], mentions: /padding \[1,-1\] must be non-negative/ },
    { args: [X, [1, 1], 'z'], mentions: /value must be a number, got string "z"/ },
  ],
  slice: [
    { args: [X, 'a', [1]], mentions: /starts must be an array of integers, got string "a"/ },
    { args: [X, [0], [5]], mentions: /box starting at \[0,0\] with sizes \[5,3\] does not fit in \[2,3\]/ },
  ],
  concat: [
    { args: ['ab'], mentions: /tensors must be an array of Tensors, got string "ab"/ },
    { args: [[X, 'b']], mentions: /argument 2 must be a Tensor, got string "b"/ },
    { args: [[X], 'a'], mentions: /dim must be an integer, got string "a"/ },
  ],
  stack: [
    { args: ['x'], mentions: /tensors must be a non-empty array of tensors, got string "x"/ },
    { args: [[X, 5]], mentions: /argument 2 must be a Tensor, got number 5/ },
    { args: [[X], 'a'], mentions: /dim a is out of range/ },
  ],
  gather: [
    { args: [X, 'a', zeros([2, 1])], mentions: /dim must be an integer, got string "a"/ },
    { args: [X, 1, [0]], mentions: /index must be a Tensor of integer indices, got array \[0\]/ },
    { args: [undefined, 1, zeros([2, 1])], mentions: /input must be a Tensor, got undefined/ },
  ],
  matmul: [
    { args: [X, 'b'], mentions: /argument 2 must be a Tensor, got string "b"/ },
    { args: [X, zeros([4, 2])], mentions: /cannot multiply \[2,3\] by \[4,2\]: inner dimensions differ \(3 vs 4\)/ },
  ],
  bmm: [
    { args: [X, X], mentions: /both operands must have rank 3 .*, got \[2,3\] and \[2,3\]/ },
    { args: [zeros([1, 2, 3]), zeros([1, 3, 2]), 'yes'], mentions: /transA must be a boolean, got string "yes"/ },
  ],
  linear: [
    { args: [X, 5], mentions: /argument 2 must be a Tensor, got number 5/ },
    { args: [X, zeros([4, 3]), 'b'], mentions: /argument 3 must be a Tensor, got string "b"/ },
    { args: [X, zeros([4, 2])], mentions: /input has 3 features but weight expects 2/ },
  ],
  conv2d: convCase(),
  conv2dRelu: convCase(),
  conv2dReluMaxPool: [
    { args: [X4, 'w', null, {}, { kernelSize: 2 }], mentions: /argument 2 must be a Tensor, got string "w"/ },
    { args: [X4, W4, 'b', {}, { kernelSize: 2 }], mentions: /argument 3 must be a Tensor, got string "b"/ },
    { args: [X4, W4, null, { strides: 2 }, { kernelSize: 2 }], mentions: /unknown option 'strides' \(supported: stride, padding, dilation, groups\)/ },
    { args: [X4, W4, null, 'same', { kernelSize: 2 }], mentions: /options must be an object, got string "same"/ },
    { args: [X4, W4, null, {}], mentions: /options must be an object with kernelSize, got undefined/ },
    { args: [X4, W4, null, {}, { kernelSize: 2, ceilMode: true }], mentions: /unknown option 'ceilMode'/ },
    { args: [X4, W4, null, {}, { kernelSize: 3 }], mentions: /window 3×3 is larger than the padded input 2×2 \(x=\[1,1,2,2\]\)/ },
  ],
  conv1d: [
    { args: [X3, 'w'], mentions: /argument 2 must be a Tensor, got string "w"/ },
    { args: [X3, W3, null, { stride: [2] }], mentions: /stride must be a positive integer, got array \[2\]/ },
    { args: [X3, W3, null, { paddingMode: 'zeros' }], mentions: /unknown option 'paddingMode'/ },
  ],
  conv2dGeometry: [
    { args: [5, [1, 1, 4, 4], [1, 1, 3, 3]], mentions: /op must be the calling op's name \(a string\), got number 5/ },
    { args: ['myConv', 'x', [1, 1, 3, 3]], mentions: /xShape must be an array of non-negative integers, got string "x"/ },
    // Its options are those of the op that calls it, which its errors name.
    { args: ['myConv', [1, 1, 4, 4], [1, 1, 3, 3], { strides: 2 }], names: 'myConv', mentions: /unknown option 'strides'/ },
    { args: ['myConv', [1, 1, 4], [1, 1, 3, 3]], names: 'myConv', mentions: /input must be \[N, C, H, W\], got \[1,1,4\]/ },
  ],
  maxPool2d: poolCase(),
  avgPool2d: [...poolCase(), { args: [X4, { kernelSize: 2, countIncludePad: false }], mentions: /unknown option 'countIncludePad'/ }],
  poolGeometry: [
    { args: [null, [1, 1, 4, 4], { kernelSize: 2 }], mentions: /op must be the calling op's name \(a string\), got null/ },
    { args: ['myPool', [1, -1, 4, 4], { kernelSize: 2 }], mentions: /shape must be an array of non-negative integers, got array \[1, -1, 4, 4\]/ },
    { args: ['myPool', [1, 1, 4, 4]], names: 'myPool', mentions: /options must be an object with kernelSize, got undefined/ },
  ],
  adaptiveAvgPool2d: [
    { args: [X4, 'a'], mentions: /outputSize must be a positive integer or a pair .* got "a"/ },
    { args: [undefined, 1], mentions: /input must be a Tensor, got undefined/ },
  ],
  logSoftmax: [
    { args: [X], mentions: /dim must be an integer, got undefined/ },
    { args: [X, 5], mentions: /dim 5 is out of range for \[2,3\]/ },
  ],
  softmax: [
    { args: [X, 'a'], mentions: /dim must be an integer, got string "a"/ },
    { args: [X, -3], mentions: /dim -3 is out of range for \[2,3\]/ },
  ],
  crossEntropy: [
    { args: [X, undefined], mentions: /targets must be a Tensor, an Int32Array or an array of class indices, got undefined/ },
    { args: [X, [0, 1], { smoothing: 0.1 }], mentions: /unknown option 'smoothing'/ },
    { args: [X, [0, 1], { labelSmoothing: '0.1' }], mentions: /labelSmoothing must be in \[0, 1\), got 0.1/ },
    { args: [X, [0, 5]], mentions: /target 5 at index 1 is out of range for 3 classes/ },
  ],
  mseLoss: [
    { args: [X, 'y'], mentions: /argument 2 must be a Tensor, got string "y"/ },
    { args: [X, X, { reduction: 'avg' }], mentions: /reduction must be 'mean', 'sum' or 'none', got "avg"/ },
    { args: [X, X, { size_average: true }], mentions: /unknown option 'size_average' \(supported: reduction\)/ },
  ],
  nllLoss: [
    { args: [X, 'a'], mentions: /targets must be a Tensor, an Int32Array or an array of class indices, got string "a"/ },
    { args: [X, [0, 1], { weights: C3 }], mentions: /unknown option 'weights'/ },
    { args: [X, [0, 1], { ignoreIndex: '0' }], mentions: /ignoreIndex must be an integer, got 0/ },
  ],
  bceWithLogits: [
    { args: [X, [0, 1]], mentions: /target must be a Tensor of the input's shape \[2,3\], got array \[0, 1\]/ },
    { args: [undefined, X], mentions: /input must be a Tensor, got undefined/ },
    { args: [X, X, { pos_weight: C3 }], mentions: /unknown option 'pos_weight' \(supported: reduction, weight, posWeight\)/ },
  ],
  dropout: dropoutCase(X),
  dropout2d: dropoutCase(X4),
  batchNorm: [
    { args: [X, 'rm', C3], mentions: /argument 2 must be a Tensor, got string "rm"/ },
    { args: [X, C3, C3, 'w'], mentions: /weight must be a Tensor or null, got string "w"/ },
    { args: [X, C3, C3, null, null, { momentum: 2 }], mentions: /momentum must be a number in \[0, 1\], got number 2/ },
    { args: [X, C3, C3, null, null, { affine: false }], mentions: /unknown option 'affine' \(supported: training, momentum, eps\)/ },
  ],
  batchNormRelu: [
    { args: [X, 'rm', C3], mentions: /argument 2 must be a Tensor, got string "rm"/ },
    { args: [X, C3, C3, 'w'], mentions: /weight must be a Tensor or null, got string "w"/ },
    { args: [X, C3, C3, null, null, { eps: -1 }], mentions: /eps must be a non-negative finite number, got number -1/ },
  ],
  layerNorm: [
    { args: [undefined, 3], mentions: /input must be a Tensor, got undefined/ },
    { args: [X, undefined], mentions: /normalizedShape must be one or more positive integers, got undefined/ },
    { args: [X, [3], 'w'], mentions: /weight must be a Tensor or null, got string "w"/ },
    { args: [X, [3], null, null, -1], mentions: /eps must be a non-negative finite number, got -1/ },
  ],
  unbroadcast: [
    { args: [undefined, [2]], mentions: /g must be a Tensor, got undefined/ },
    { args: [X, [4]], mentions: /gradient \[2,3\] cannot be summed to shape \[4\]/ },
    { args: [X, 'a'], mentions: /shape must be an array of non-negative integers, got string "a"/ },
  ],
  observeOps: [
    { args: [5, fn], mentions: /observer must be a function, got number 5/ },
    { args: [() => {}, 'x'], mentions: /fn must be a function, got string "x"/ },
  ],
  asParts: [{ args: [undefined], mentions: /fn must be a function, got undefined/ }],
  composite: [
    { args: [5, [], {}, fn], mentions: /op must be the op's name \(a string\), got number 5/ },
    { args: ['c', [1], {}, fn], mentions: /inputs must be an array of Tensors, got array \[1\]/ },
    { args: ['c', [], {}, 5], mentions: /fn must be a function, got number 5/ },
  ],
};

/** Bad calls of every runtime export of '../src/testing/index.js'. */
const TESTING_CASES: Record<string, Case[]> = {
  gradcheck: [
    { args: [5, fn, [[2]]], mentions: /name must be a string, got number 5/ },
    { args: ['op', 'f', [[2]]], mentions: /fn must be a function, got string "f"/ },
    { args: ['op', fn, [[-1]]], mentions: /inputs\[0\] must be a shape or \{shape, data, requiresGrad\}, got array \[-1\]/ },
    { args: ['op', fn, [{ shape: [2], grad: true }]], mentions: /unknown option 'grad'/ },
    { args: ['op', fn, [[2]], { tol: 1e-3 }], mentions: /unknown option 'tol'/ },
    { args: ['op', fn, [[2]], { jacobian: 'yes' }], mentions: /jacobian must be true, false or 'auto', got string "yes"/ },
  ],
  expectClose: [
    { args: [undefined, [1]], mentions: /actual must be a Tensor, an array or a typed array, got undefined/ },
    { args: [[1], [1], { rtol: -1 }], mentions: /rtol must be a non-negative number, got number -1/ },
    { args: [[1], [1], { tolerance: 1 }], mentions: /unknown option 'tolerance' \(supported: rtol, atol, label\)/ },
  ],
  describeBackend: [
    { args: [5, createRefBackend], mentions: /name must be a string, got number 5/ },
    { args: ['ref', createRefBackend()], mentions: /makeBackend must be a function, got an object/ },
  ],
  requires: [{ args: [5], mentions: /missing must be a string .*, got number 5/ }],
  matchers: [
    {
      call: () => testingApi.matchers.toAllSatisfy.call({ utils: { stringify: String }, isNot: false }, [1], 'positive' as never),
      names: 'toAllSatisfy',
      mentions: /expected a predicate function, got string/,
    },
  ],
};

/** Exports that take no arguments (or are values, not functions), with the reason. */
const NO_ARGUMENTS: Record<string, string> = {
  getBackend: 'none',
  isGradEnabled: 'none',
  memory: 'none',
  defaultGenerator: 'instance', // a Generator: its methods are swept under Generator
  float64Backend: 'none',
  CONV_CASES: 'constant',
  TENSOR_METHOD_NAMES: 'constant',
};

/**
 * Methods of Tensor and Generator that take no arguments (the others have cases), including the
 * op methods of unary ops (`x.exp()`: the tensor is the only argument, checked as `this`).
 */
const METHODS_WITHOUT_ARGUMENTS = new Set([
  'constructor', 'nextU32', 'nextFloat', 'state', 'detach', 'toFloat32Array', 'toArray', 'dispose', 'toString',
  'neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'relu', 'sigmoid', 'tanh', 'erf', 'clone',
]);
/** TypeScript-private methods, on the prototype at run time: `reseed` (the constructor, seed and manualSeed call it with their own names), `live`. */
const PRIVATE_METHODS = new Set(['reseed', 'live']);

/** Cases of the methods of Tensor (the op methods are checked through the free ops' cases). */
const TENSOR_METHOD_CASES: Record<string, Case[]> = {
  share: [{ call: () => X.share('a' as never), names: 'Tensor.share', mentions: /shape must be an array of non-negative integers, got string "a"/ }],
  item: [{ call: () => X.item(), names: 'item', mentions: /tensor has shape \[2,3\], expected exactly one element/ }],
  backward: [
    { call: () => sum(ones([2], { requiresGrad: true })).backward('x' as never), names: 'backward', mentions: /grad must be a Tensor or undefined, got string "x"/ },
    { call: () => sum(ones([2], { requiresGrad: true })).backward(undefined, { retain: true } as never), names: 'backward', mentions: /unknown option 'retain' \(supported: retainGraph\)/ },
  ],
  view: [{ call: () => X.view([2, -3]), names: 'view', mentions: /shape must be an array of non-negative integers \(one may be -1\), got array \[2, -3\]/ }],
  cat: [
    { call: () => X.cat(X as never), names: 'cat', mentions: /others must be an array of Tensors, got Tensor\(\[2,3\]\)/ },
    { call: () => X.cat([zeros([2, 4])], 0), names: 'cat', mentions: /shapes \[2,3\], \[2,4\] differ outside dim 0/ },
  ],
  requiresGrad_: [{ call: () => zeros([2]).requiresGrad_('yes' as never), names: 'requiresGrad_', mentions: /flag must be a boolean, got "yes"/ }],
};

const INTERNAL_ERRORS = /Cannot read propert|is not a function|is not iterable|undefined is not|of undefined|of null|Invalid array length|Invalid typed array length|Maximum call stack/;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message of what `call` throws, or a failure naming the case. */
function thrown(label: string, call: () => unknown): string {
  try {
    call();
  } catch (e) {
    expect(e, label).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error(`${label}: did not throw`);
}

function expectNamed(label: string, name: string, message: string, mentions: RegExp): void {
  expect(message, label).toMatch(new RegExp(`^${escape(name)}[:. ]`));
  expect(message, label).toMatch(mentions);
  expect(message, label).not.toMatch(INTERNAL_ERRORS);
}

function runCases(name: string, cases: Case[], target: unknown): void {
  expect(cases.length, `${name}: needs at least one bad-argument case`).toBeGreaterThan(0);
  cases.forEach((c, i) => {
    const label = `${name} case ${i}`;
    const call = c.call ?? (() => (target as (...a: unknown[]) => unknown)(...c.args!));
    expectNamed(label, c.names ?? name, thrown(label, call), c.mentions);
  });
}

/** Every runtime export of a module has cases or a reason in NO_ARGUMENTS; no case names a non-export. */
function coverage(mod: Record<string, unknown>, cases: Record<string, Case[]>, where: string): void {
  const exported = Object.keys(mod).sort();
  const missing = exported.filter((k) => !(k in cases) && !(k in NO_ARGUMENTS));
  expect(missing, `exports of ${where} with no bad-argument case (add one to the table, or to NO_ARGUMENTS with the reason)`).toEqual([]);
  const stale = Object.keys(cases).filter((k) => !(k in mod));
  expect(stale, `cases for names that ${where} does not export`).toEqual([]);
}

describe('API sweep: every export rejects bad arguments naming itself, the argument and the value', () => {
  it('every runtime export of the package and of ./testing has cases (or is listed as taking no arguments)', () => {
    coverage(api, CASES, '@tapegrad/autograd');
    coverage(testingApi, TESTING_CASES, '@tapegrad/autograd/testing');
    for (const k of Object.keys(NO_ARGUMENTS)) expect(k in api || k in testingApi, `NO_ARGUMENTS lists ${k}, which is not exported`).toBe(true);
  });

  it('the table rejects a new export with no case (negative control of the coverage check)', () => {
    expect(() => coverage({ ...api, brandNewOp: () => 0 }, CASES, 'a module with a new export')).toThrow(/brandNewOp/);
  });

  it.each(Object.keys(CASES))('%s', (name) => {
    runCases(name, CASES[name]!, (api as Record<string, unknown>)[name]);
  });

  it.each(Object.keys(TESTING_CASES))('testing: %s', (name) => {
    runCases(name, TESTING_CASES[name]!, (testingApi as Record<string, unknown>)[name]);
  });

  it('Tensor methods: each op method throws the op\'s own message for the op\'s bad-argument cases', () => {
    const uncovered: string[] = [];
    for (const name of api.TENSOR_METHOD_NAMES) {
      if (name in TENSOR_METHOD_CASES || METHODS_WITHOUT_ARGUMENTS.has(name)) continue;
      const cases = (CASES[name] ?? []).filter((c) => c.args && c.args[0] instanceof Tensor);
      if (cases.length === 0) uncovered.push(name);
      cases.forEach((c, i) => {
        const [self, ...rest] = c.args!;
        const label = `x.${name}(...) case ${i}`;
        const viaFunction = thrown(`${name} case ${i}`, () => (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...c.args!));
        const viaMethod = thrown(label, () => (self as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...rest));
        expect(viaMethod, label).toBe(viaFunction);
      });
    }
    expect(uncovered, 'Tensor methods with no case (a free-op case whose first argument is a Tensor, or TENSOR_METHOD_CASES)').toEqual([]);
  });

  it.each(Object.keys(TENSOR_METHOD_CASES))('Tensor method %s', (name) => {
    runCases(name, TENSOR_METHOD_CASES[name]!, undefined);
  });

  it('every public method of Tensor and Generator that takes arguments has a case', () => {
    const generatorMethods = Object.getOwnPropertyNames(Generator.prototype).filter((m) => !METHODS_WITHOUT_ARGUMENTS.has(m) && !PRIVATE_METHODS.has(m));
    const covered = new Set(CASES.Generator!.map((c) => c.names?.replace(/^Generator\./, '')));
    expect(generatorMethods.filter((m) => !covered.has(m))).toEqual([]);
    const own = Object.getOwnPropertyNames(Tensor.prototype).filter((m) => {
      const d = Object.getOwnPropertyDescriptor(Tensor.prototype, m)!;
      return typeof d.value === 'function' && !METHODS_WITHOUT_ARGUMENTS.has(m) && !PRIVATE_METHODS.has(m) && !api.TENSOR_METHOD_NAMES.includes(m);
    });
    expect(own.filter((m) => !(m in TENSOR_METHOD_CASES))).toEqual([]);
  });

  it('a disposed tensor is named by the op, not reported as a TypeError', () => {
    const d = tensor([1, 2], [2]);
    d.dispose();
    for (const [name, call] of [['reshape', () => api.reshape(d, [2])], ['flatten', () => api.flatten(d)], ['unbroadcast', () => api.unbroadcast(d, [2])], ['matmul', () => api.matmul(d, d)]] as const) {
      expectNamed(name, name, thrown(name, call), /\[2\] was used after dispose\(\)/);
    }
  });
});
