import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, zeros } from '@tapegrad/autograd';
import { afterAll, describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import * as nnNode from '../src/node.js';

// Note [api sweep]: every public export of @tapegrad/nn (the index and the ./node subpath) is
// called with bad arguments, and each call must throw (or reject) an error that names the
// export (a class or its method, `Conv2d.forward`) and the bad argument, and that is not a raw
// TypeError/RangeError from deep inside (`Cannot read properties of undefined`). An export with
// no entry in CASES or NOTHING_TO_CHECK fails the sweep, so a new export comes with its cases.
// Files and bytes from outside the program (a missing path, garbage bytes) must raise DataError.

/** Messages of errors that escaped from internals instead of an argument check. */
const RAW = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Invalid array length|Maximum call stack|undefined is not|null is not|Cannot convert|cannot be converted|Reduce of empty array|Cannot destructure|Cannot use 'in' operator|is not an object|\bNaN\b.*\bshape\b/;

interface Case {
  what: string;
  call: () => unknown;
  /** Substrings the message must contain besides the export's name: the argument, usually the value. */
  mentions: string[];
  /** The error must be a DataError (bad files and bytes); its message names the file or source, which `mentions` lists. */
  data?: boolean;
}
const bad = (what: string, call: () => unknown, ...mentions: string[]): Case => ({ what, call, mentions });
const badData = (what: string, call: () => unknown, ...mentions: string[]): Case => ({ what, call, mentions, data: true });

// The sweep calls with values the types forbid; `A` launders them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const A = (v: unknown): any => v;

const tmp = mkdtempSync(join(tmpdir(), 'nn-api-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const missing = join(tmp, 'no-such-file');
const garbageFile = (name: string) => {
  const p = join(tmp, name);
  writeFileSync(p, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
  return p;
};
const garbage = () => Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9);

const img = () => new Float32Array(16);
const SHAPE = [1, 4, 4] as const;
const rng = () => new nn.Rng(0);
const x4 = (c = 3) => zeros([2, c, 8, 8]);
const net = () => new nn.Sequential([new nn.Flatten(), new nn.Linear(16, 3)]);
const sgd = (m: nn.Module = net()) => new nn.SGD(m.parameters(), { lr: 0.1 });
const ds = () => new nn.ArrayDataset(new Float32Array(32), Int32Array.of(0, 1), [1, 4, 4]);
const loader = () => new nn.DataLoader(ds(), { batchSize: 1 });
class Net extends nn.Module {
  fc = new nn.Linear(2, 2);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}
class MyOptimizer extends nn.Optimizer<{ lr: number }> {
  protected readonly bufferNames = [];
  protected update(): void {}
}
class MyScheduler extends nn.LRScheduler {
  protected factor(): number {
    return 1;
  }
}

/** Other names a message may use for an export: the class an abstract export is subclassed as, the engine's name of a re-export. */
const ALIASES: Record<string, string[]> = {
  Optimizer: ['MyOptimizer'],
  // Module's methods name themselves (`loadStateDict (file): missing keys ...`), as PyTorch's do.
  Module: ['registerModule', 'loadStateDict', 'train', 'requiresGrad_', 'apply', 'registerForwardHook', 'registerForwardPreHook', 'getSubmodule', 'namedModules'],
  // checkImage names the transform it checks for.
  checkImage: ['myTransform'],
  LRScheduler: ['MyScheduler'],
  Rng: ['Generator'],
};

/** Exports with nothing to pass a bad argument to, and why. */
const NOTHING_TO_CHECK: Record<string, string> = {
  BOX_BLUR: 'a constant kernel',
  EDGE_DETECT: 'a constant kernel',
  SHARPEN: 'a constant kernel',
  SOBEL_X: 'a constant kernel',
  SOBEL_Y: 'a constant kernel',
  EXPORTED_OPS: 'a constant list',
  EXPORT_OPSETS: 'a constant list',
  IMPORTED_OPS: 'a constant list',
  IMPORT_OPSETS: 'a constant range',
  FASHION_MNIST_CLASSES: 'a constant list',
  FASHION_MNIST_SYSTEM_DIR: 'a constant path',
  IMAGE_EXTENSIONS: 'a constant list',
  IDX_UBYTE: 'a constant number',
  DataError: 'an Error class: any message is a valid message',
  TrainingError: 'an Error class: any message is a valid message',
  isParameter: 'a predicate over any value (false for anything but a parameter tensor)',
  randomRot90: 'takes no arguments; the transform it returns checks its image as rot90 does (rot90 cases)',
  fusionEnabled: 'takes no arguments (reads the setting)',
  sobel: 'takes no arguments; the transform it returns checks its image as sobelMagnitude does (sobelMagnitude cases)',
};

const CASES: Record<string, Case[]> = {
  // --- modules and layers
  Module: [
    bad('registerModule name', () => new Net().registerModule(A(''), new nn.ReLU()), 'name'),
    bad('registerModule module', () => new Net().registerModule('a', A(3)), 'module', '3'),
    bad('loadStateDict state null', () => new Net().loadStateDict(A(null)), 'state', 'null'),
    bad('loadStateDict missing keys', () => new Net().loadStateDict({}), 'missing keys', 'fc.weight'),
    bad('loadStateDict values', () => new Net().loadStateDict(A({ 'fc.weight': 3, 'fc.bias': zeros([2]) })), 'fc.weight', '3'),
    bad('loadStateDict unknown option', () => new Net().loadStateDict({}, A({ strict: false, assign: true })), "'assign'"),
    bad('loadStateDict strict', () => new Net().loadStateDict({}, A({ strict: 'no' })), 'strict', '"no"'),
    bad('checkStateDict state', () => new Net().checkStateDict(A(7)), 'state', '7'),
    bad('train mode', () => new Net().train(A('yes')), 'mode', '"yes"'),
    bad('requiresGrad_', () => new Net().requiresGrad_(A(1)), 'requiresGrad', '1'),
    bad('apply fn', () => new Net().apply(A(1)), 'fn', '1'),
    bad('registerForwardHook fn', () => new Net().registerForwardHook(A('f')), 'fn'),
    bad('registerForwardPreHook fn', () => new Net().registerForwardPreHook(A(null)), 'fn', 'null'),
    bad('getSubmodule path', () => new Net().getSubmodule('nope'), 'nope'),
    bad('getSubmodule path type', () => new Net().getSubmodule(A(3)), 'path', '3'),
    bad('namedModules prefix', () => new Net().namedModules(A(3)), 'prefix', '3'),
  ],
  Parameter: [bad('data', () => new nn.Parameter(A(3)), 'data', '3'), bad('requiresGrad', () => new nn.Parameter(zeros([1]), A('y')), 'requiresGrad')],
  Linear: [
    bad('inFeatures 0', () => new nn.Linear(0, 2), 'inFeatures', '0'),
    bad('outFeatures 1.5', () => new nn.Linear(2, 1.5), 'outFeatures', '1.5'),
    bad('bias', () => new nn.Linear(2, 2, A({ bias: 'no' })), 'bias', '"no"'),
    bad('unknown option', () => new nn.Linear(2, 2, A({ device: 'cpu' })), "'device'"),
    bad('forward features', () => new nn.Linear(4, 2).forward(zeros([3, 5])), '4', '[3,5]'),
    bad('forward not a tensor', () => new nn.Linear(4, 2).forward(A([1, 2, 3, 4])), 'x', 'array'),
  ],
  Conv2d: [
    bad('kernelSize 0', () => new nn.Conv2d(1, 2, 0), 'kernelSize', '0'),
    bad('kernelSize triple', () => new nn.Conv2d(1, 2, A([3, 3, 3])), 'kernelSize'),
    bad('inChannels', () => new nn.Conv2d(-1, 2, 3), 'inChannels', '-1'),
    bad('stride 0', () => new nn.Conv2d(1, 2, 3, { stride: 0 }), 'stride', '0'),
    bad('padding -1', () => new nn.Conv2d(1, 2, 3, { padding: -1 }), 'padding', '-1'),
    bad('groups', () => new nn.Conv2d(3, 4, 3, { groups: 2 }), 'groups', '2'),
    bad('unknown option', () => new nn.Conv2d(1, 2, 3, A({ paddingMode: 'reflect' })), "'paddingMode'"),
    bad('forward channels', () => new nn.Conv2d(3, 4, 3).forward(x4(2)), '3', '[2,2,8,8]'),
    bad('forward rank', () => new nn.Conv2d(3, 4, 3).forward(zeros([3, 8])), '[3,8]'),
    bad('forward not a tensor', () => new nn.Conv2d(3, 4, 3).forward(A(null)), 'x', 'null'),
    bad('forwardRelu channels (the fused path)', () => new nn.Conv2d(3, 4, 3).forwardRelu(x4(2)), '3', '[2,2,8,8]'),
  ],
  Conv1d: [
    bad('kernelSize 0', () => new nn.Conv1d(1, 2, 0), 'kernelSize', '0'),
    bad('dilation 0', () => new nn.Conv1d(1, 2, 3, { dilation: 0 }), 'dilation', '0'),
    bad('unknown option', () => new nn.Conv1d(1, 2, 3, A({ paddingMode: 'zeros' })), "'paddingMode'"),
    bad('forward channels', () => new nn.Conv1d(3, 4, 3).forward(zeros([2, 2, 8])), '3', '[2,2,8]'),
    bad('forward rank', () => new nn.Conv1d(3, 4, 3).forward(x4()), '[2,3,8,8]'),
  ],
  MaxPool2d: [
    bad('kernelSize 0', () => new nn.MaxPool2d(0), 'kernelSize', '0'),
    bad('stride 0', () => new nn.MaxPool2d(2, { stride: 0 }), 'stride', '0'),
    bad('padding', () => new nn.MaxPool2d(2, { padding: -1 }), 'padding', '-1'),
    bad('unknown option', () => new nn.MaxPool2d(2, A({ ceilMode: true })), "'ceilMode'"),
    bad('forward rank', () => new nn.MaxPool2d(2).forward(zeros([4, 4])), '[4,4]'),
  ],
  AvgPool2d: [
    bad('kernelSize', () => new nn.AvgPool2d(A('2')), 'kernelSize', '"2"'),
    bad('stride', () => new nn.AvgPool2d(2, { stride: A([1, 0]) }), 'stride'),
    bad('unknown option', () => new nn.AvgPool2d(2, A({ countIncludePad: false })), "'countIncludePad'"),
    bad('forward rank', () => new nn.AvgPool2d(2).forward(zeros([4])), '[4]'),
  ],
  AdaptiveAvgPool2d: [
    bad('outputSize 0', () => new nn.AdaptiveAvgPool2d(0), 'outputSize', '0'),
    bad('forward rank', () => new nn.AdaptiveAvgPool2d(1).forward(zeros([4, 4])), '[4,4]'),
  ],
  ReLU: [bad('forward not a tensor', () => new nn.ReLU().forward(A(3)), 'x', '3'), bad('inplace', () => new (A(nn.ReLU))(true), 'inplace', '1')],
  Sigmoid: [bad('forward not a tensor', () => new nn.Sigmoid().forward(A('x')), 'x'), bad('an argument', () => new (A(nn.Sigmoid))(1), 'no arguments', '1')],
  Tanh: [bad('forward not a tensor', () => new nn.Tanh().forward(A(undefined)), 'x', 'undefined'), bad('an argument', () => new (A(nn.Tanh))(false), 'no arguments', '1')],
  Identity: [bad('forward not a tensor', () => new nn.Identity().forward(A({})), 'x')],
  Flatten: [
    bad('startDim', () => new nn.Flatten(1.5), 'startDim', '1.5'), bad('a third argument', () => new (A(nn.Flatten))(1, -1, true), 'startDim, endDim', '3'),
    bad('forward dims out of range', () => new nn.Flatten(3).forward(zeros([2, 3])), 'startDim', '[2,3]'),
  ],
  Dropout: [bad('p 1.5', () => new nn.Dropout(1.5), 'p', '1.5'), bad('p NaN', () => new nn.Dropout(NaN), 'p', 'NaN'), bad('inplace', () => new (A(nn.Dropout))(0.5, true), 'inplace', '2'), bad('forward', () => new nn.Dropout().forward(A(1)), 'x')],
  Dropout2d: [bad('p -0.1', () => new nn.Dropout2d(-0.1), 'p', '-0.1'), bad('inplace', () => new (A(nn.Dropout2d))(0.5, false), 'inplace', '2'), bad('forward rank', () => new nn.Dropout2d().forward(zeros([2, 3])), '[2,3]')],
  LeakyReLU: [bad('negativeSlope', () => new nn.LeakyReLU(A('0.1')), 'negativeSlope'), bad('inplace', () => new (A(nn.LeakyReLU))(0.1, true), 'inplace', '2'), bad('forward', () => new nn.LeakyReLU().forward(A(2)), 'x')],
  GELU: [bad('approximate', () => new nn.GELU(A('fast')), 'approximate', '"fast"'), bad('a second argument', () => new (A(nn.GELU))('tanh', true), 'approximate', '2'), bad('forward', () => new nn.GELU().forward(A(2)), 'x')],
  ELU: [bad('alpha', () => new nn.ELU(Infinity), 'alpha', 'Infinity'), bad('inplace', () => new (A(nn.ELU))(1, true), 'inplace', '2'), bad('forward', () => new nn.ELU().forward(A(2)), 'x')],
  Softplus: [bad('beta 0', () => new nn.Softplus(0), 'beta', '0'), bad('a third argument', () => new (A(nn.Softplus))(1, 20, true), 'beta, threshold', '3'), bad('forward', () => new nn.Softplus().forward(A(2)), 'x')],
  Softmax: [bad('dim', () => new nn.Softmax(A(undefined)), 'dim', 'undefined'), bad('a second argument', () => new (A(nn.Softmax))(1, 'float32'), 'dim', '2'), bad('forward dim out of range', () => new nn.Softmax(2).forward(zeros([2, 3])), 'dim', '[2,3]')],
  LogSoftmax: [bad('dim', () => new nn.LogSoftmax(0.5), 'dim', '0.5'), bad('a second argument', () => new (A(nn.LogSoftmax))(1, 'float32'), 'dim', '2'), bad('forward dim out of range', () => new nn.LogSoftmax(-3).forward(zeros([2, 3])), 'dim', '[2,3]')],
  LayerNorm: [
    bad('normalizedShape', () => new nn.LayerNorm(0), 'normalizedShape', '0'),
    bad('eps', () => new nn.LayerNorm(4, { eps: -1 }), 'eps', '-1'),
    bad('unknown option', () => new nn.LayerNorm(4, A({ bias: false })), "'bias'"),
    bad('forward shape', () => new nn.LayerNorm(4).forward(zeros([2, 5])), '[2,5]', '[4]'),
  ],
  BatchNorm1d: [
    bad('numFeatures', () => new nn.BatchNorm1d(0), 'numFeatures', '0'),
    bad('momentum', () => new nn.BatchNorm1d(3, { momentum: 2 }), 'momentum', '2'),
    bad('affine', () => new nn.BatchNorm1d(3, A({ affine: 'yes' })), 'affine', '"yes"'),
    bad('unknown option', () => new nn.BatchNorm1d(3, A({ trackRunningStats: false })), "'trackRunningStats'"),
    bad('forward channels', () => new nn.BatchNorm1d(3).forward(zeros([2, 4])), '3', '[2,4]'),
  ],
  BatchNorm2d: [
    bad('numFeatures', () => new nn.BatchNorm2d(A('3')), 'numFeatures', '"3"'),
    bad('eps', () => new nn.BatchNorm2d(3, { eps: NaN }), 'eps', 'NaN'),
    bad('forward channels', () => new nn.BatchNorm2d(3).forward(x4(4)), '3', '[2,4,8,8]'),
    bad('forward not a tensor', () => new nn.BatchNorm2d(3).forward(A(null)), 'x', 'null'),
  ],
  Sequential: [
    bad('layers', () => new nn.Sequential(A(3)), 'layers', '3'),
    bad('layer', () => new nn.Sequential(A([new nn.ReLU(), 'relu'])), "'1'", '"relu"'),
    bad('append', () => new nn.Sequential().append(A(null)), 'm', 'null'),
    bad('forward not a tensor', () => new nn.Sequential([new nn.Linear(4, 2)]).forward(A([1, 2, 3, 4])), 'x', 'array'),
  ],
  ModuleList: [
    bad('modules', () => new nn.ModuleList(A(3)), 'modules', '3'),
    bad('at', () => new nn.ModuleList([new nn.ReLU()]).at(1), 'index', '1'),
    bad('append', () => new nn.ModuleList().append(A('m')), 'm'),
    bad('extend', () => new nn.ModuleList().extend(A(5)), 'ms', '5'),
  ],
  Residual: [
    bad('body', () => new nn.Residual(A(null)), 'body', 'null'),
    bad('projection', () => new nn.Residual(new nn.ReLU(), A({ projection: 3 })), 'projection', '3'),
    bad('unknown option', () => new nn.Residual(new nn.ReLU(), A({ shortcut: new nn.ReLU() })), "'shortcut'"),
    bad('withProjection channels', () => nn.Residual.withProjection(new nn.ReLU(), 0, 4), 'inChannels', '0'),
    bad('withProjection stride', () => nn.Residual.withProjection(new nn.ReLU(), 4, 4, 0), 'stride', '0'),
    bad('forward shapes differ', () => new nn.Residual(new nn.Linear(4, 2)).forward(zeros([1, 4])), '[1,2]', '[1,4]'),
  ],
  summary: [bad('model', () => nn.summary(A(null), [1, 2]), 'model', 'null'), bad('inputShape', () => nn.summary(net(), [0, 16]), 'inputShape', '0')],
  // --- init
  uniform: [bad('shape', () => nn.uniform(A([2, -1]), 1), 'shape', '-1'), bad('bound', () => nn.uniform([2], NaN), 'bound', 'NaN'), bad('generator', () => nn.uniform([2], 1, A({})), 'generator')],
  fanIn: [bad('shape', () => nn.fanIn(A(3)), 'shape', '3'), bad('shape entry', () => nn.fanIn(A([2, 'x'])), 'shape')],
  defaultInit: [bad('weightShape', () => nn.defaultInit(A(null), true), 'weightShape', 'null'), bad('bias', () => nn.defaultInit([2, 2], A('yes')), 'bias', '"yes"')],
  calculateGain: [bad('nonlinearity', () => nn.calculateGain(A('swish')), 'nonlinearity', '"swish"'), bad('param', () => nn.calculateGain('leaky_relu', NaN), 'param', 'NaN')],
  calculateFanInAndFanOut: [bad('t', () => nn.calculateFanInAndFanOut(A(3)), 't', '3'), bad('rank 1', () => nn.calculateFanInAndFanOut([3]), '[3]')],
  kaimingUniform_: [bad('t', () => nn.kaimingUniform_(A(3)), 't', '3'), bad('mode', () => nn.kaimingUniform_(zeros([2, 2]), A({ mode: 'fan' })), 'mode', '"fan"'), bad('unknown option', () => nn.kaimingUniform_(zeros([2, 2]), A({ gain: 2 })), "'gain'")],
  kaimingNormal_: [bad('a', () => nn.kaimingNormal_(zeros([2, 2]), { a: NaN }), 'a', 'NaN'), bad('nonlinearity', () => nn.kaimingNormal_(zeros([2, 2]), A({ nonlinearity: 'swish' })), 'nonlinearity')],
  xavierUniform_: [bad('gain', () => nn.xavierUniform_(zeros([2, 2]), { gain: NaN }), 'gain', 'NaN'), bad('unknown option', () => nn.xavierUniform_(zeros([2, 2]), A({ mode: 'fan_in' })), "'mode'")],
  xavierNormal_: [bad('t', () => nn.xavierNormal_(A(null)), 't', 'null'), bad('rank 1', () => nn.xavierNormal_(zeros([3])), '[3]')],
  zeros_: [bad('t', () => nn.zeros_(A([1])), 't', 'array')],
  ones_: [bad('t', () => nn.ones_(A(1)), 't', '1')],
  constant_: [bad('value', () => nn.constant_(zeros([2]), NaN), 'value', 'NaN'), bad('t', () => nn.constant_(A(null), 1), 't', 'null')],
  // --- optimizers and schedules
  Optimizer: [
    bad('params', () => new MyOptimizer(A(3), { lr: 0.1 }), 'params', '3'),
    bad('params entry', () => new MyOptimizer(A([3]), { lr: 0.1 }), 'params[0]', '3'),
    bad('lr', () => new MyOptimizer([], { lr: -1 }), 'lr', '-1'),
  ],
  SGD: [
    bad('params', () => new nn.SGD(A('p'), { lr: 0.1 }), 'params', '"p"'),
    bad('params entry', () => new nn.SGD(A([zeros([1]), 'w']), { lr: 0.1 }), 'params[1]', '"w"'),
    bad('lr missing', () => new nn.SGD([], A({})), 'lr', 'undefined'),
    bad('lr NaN', () => new nn.SGD([], { lr: NaN }), 'lr', 'NaN'),
    bad('momentum', () => new nn.SGD([], { lr: 0.1, momentum: -0.5 }), 'momentum', '-0.5'),
    bad('weightDecay', () => new nn.SGD([], { lr: 0.1, weightDecay: Infinity }), 'weightDecay', 'Infinity'),
    bad('nesterov without momentum', () => new nn.SGD([], { lr: 0.1, nesterov: true }), 'nesterov', 'momentum'),
    bad('unknown option', () => new nn.SGD([], A({ lr: 0.1, maximize: true })), "'maximize'"),
    bad('opts null', () => new nn.SGD([], A(null)), 'options', 'null'),
    bad('loadState', () => sgd().loadState(A(null)), 'state', 'null'),
    bad('loadState options', () => sgd().loadState(sgd().state(), A({ source: 3 })), 'source', '3'),
    bad('loadState groups', () => sgd().loadState(A({ groups: [{ lr: -1 }], params: [{ step: 0, buffers: {} }, { step: 0, buffers: {} }] })), 'lr', '-1'),
    bad('checkState', () => sgd().checkState(7), 'state', '7'),
  ],
  Adam: [
    bad('lr', () => new nn.Adam([], { lr: -1 }), 'lr', '-1'),
    bad('betas', () => new nn.Adam([], { betas: [1, 0.9] }), 'betas', '1'),
    bad('eps', () => new nn.Adam([], { eps: 0 }), 'eps', '0'),
    bad('amsgrad', () => new nn.Adam([], A({ amsgrad: 1 })), 'amsgrad', '1'),
    bad('unknown option', () => new nn.Adam([], A({ foreach: true })), "'foreach'"),
    bad('params', () => new nn.Adam(A(undefined)), 'params', 'undefined'),
  ],
  AdamW: [bad('weightDecay', () => new nn.AdamW([], { weightDecay: -0.01 }), 'weightDecay', '-0.01'), bad('unknown option', () => new nn.AdamW([], A({ fused: true })), "'fused'")],
  RMSprop: [bad('alpha', () => new nn.RMSprop([], { alpha: 2 }), 'alpha', '2'), bad('momentum', () => new nn.RMSprop([], { momentum: NaN }), 'momentum', 'NaN'), bad('unknown option', () => new nn.RMSprop([], A({ capturable: true })), "'capturable'")],
  clipGradNorm_: [bad('params', () => nn.clipGradNorm_(A(3), 1), 'params', '3'), bad('maxNorm', () => nn.clipGradNorm_([], -1), 'maxNorm', '-1'), bad('normType', () => nn.clipGradNorm_([], 1, 0), 'normType', '0'), bad('unknown option', () => nn.clipGradNorm_([], 1, 2, A({ foreach: true })), "'foreach'"), bad('params entry', () => nn.clipGradNorm_(A([1]), 1), 'params[0]', '1')],
  LRScheduler: [bad('optimizer', () => new MyScheduler(A({})), 'optimizer'), bad('loadState', () => new MyScheduler(sgd()).loadState(A({ lastEpoch: -1 })), 'lastEpoch', '-1')],
  StepLR: [bad('stepSize', () => new nn.StepLR(sgd(), 0), 'stepSize', '0'), bad('gamma', () => new nn.StepLR(sgd(), 1, -1), 'gamma', '-1'), bad('optimizer', () => new nn.StepLR(A(null), 1), 'optimizer', 'null')],
  MultiStepLR: [bad('milestones', () => new nn.MultiStepLR(sgd(), A('3')), 'milestones', '"3"'), bad('milestone', () => new nn.MultiStepLR(sgd(), [1, -2]), 'milestones[1]', '-2')],
  ExponentialLR: [bad('gamma', () => new nn.ExponentialLR(sgd(), 0), 'gamma', '0')],
  CosineAnnealingLR: [bad('tMax', () => new nn.CosineAnnealingLR(sgd(), 0), 'tMax', '0'), bad('etaMin', () => new nn.CosineAnnealingLR(sgd(), 5, -1), 'etaMin', '-1')],
  LinearWarmup: [bad('warmupSteps', () => new nn.LinearWarmup(sgd(), -1), 'warmupSteps', '-1'), bad('startFactor', () => new nn.LinearWarmup(sgd(), 2, 0), 'startFactor', '0')],
  OneCycleLR: [
    bad('maxLr', () => new nn.OneCycleLR(sgd(), { maxLr: 0, totalSteps: 10 }), 'maxLr', '0'),
    bad('no length', () => new nn.OneCycleLR(sgd(), { maxLr: 0.1 }), 'totalSteps'),
    bad('pctStart', () => new nn.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 2 }), 'pctStart', '2'),
    bad('unknown option', () => new nn.OneCycleLR(sgd(), A({ maxLr: 0.1, totalSteps: 10, verbose: true })), "'verbose'"),
    bad('opts', () => new nn.OneCycleLR(sgd(), A(undefined)), 'options', 'undefined'),
  ],
  ReduceLROnPlateau: [
    bad('mode', () => new nn.ReduceLROnPlateau(sgd(), A({ mode: 'up' })), 'mode', '"up"'),
    bad('factor', () => new nn.ReduceLROnPlateau(sgd(), { factor: 1 }), 'factor', '1'),
    bad('unknown option', () => new nn.ReduceLROnPlateau(sgd(), A({ verbose: true })), "'verbose'"),
    bad('step metric', () => new nn.ReduceLROnPlateau(sgd()).step(A('0.5')), 'metric', '"0.5"'),
    bad('loadState', () => new nn.ReduceLROnPlateau(sgd()).loadState(A(null)), 'lastEpoch'),
  ],
  // --- losses
  crossEntropy: [
    bad('targets length', () => nn.crossEntropy(zeros([2, 3]), [0]), '2'),
    bad('reduction', () => nn.crossEntropy(zeros([2, 3]), [0, 1], A({ reduction: 'avg' })), 'reduction', 'avg'),
    bad('target out of range', () => nn.crossEntropy(zeros([2, 3]), [0, 3]), '3'),
  ],
  mseLoss: [bad('shapes', () => nn.mseLoss(zeros([2, 3]), zeros([3, 2])), '[2,3]', '[3,2]')],
  l1Penalty: [bad('params', () => nn.l1Penalty(A(3), 0.1), 'params', '3'), bad('lambda', () => nn.l1Penalty([zeros([1])], NaN), 'lambda', 'NaN')],
  l2Penalty: [bad('params entry', () => nn.l2Penalty(A([1]), 0.1), 'params[0]', '1'), bad('lambda', () => nn.l2Penalty([zeros([1])], A('x')), 'lambda', '"x"')],
  // --- data
  ArrayDataset: [
    bad('shape', () => new nn.ArrayDataset(new Float32Array(4), [0], A([1, 2])), 'shape'),
    bad('images', () => new nn.ArrayDataset(A([0, 0, 0, 0]), [0], [1, 2, 2]), 'images', 'array'),
    bad('labels', () => new nn.ArrayDataset(new Float32Array(4), A(3), [1, 2, 2]), 'labels', '3'),
    bad('count mismatch', () => new nn.ArrayDataset(new Float32Array(5), [0], [1, 2, 2]), 'images', '5'),
    bad('get', () => ds().get(2), 'index', '2'),
    bad('get type', () => ds().get(A('0')), 'index', '0'),
  ],
  Subset: [bad('parent', () => new nn.Subset(A(null), new Int32Array(0)), 'parent', 'null'), bad('indices', () => new nn.Subset(ds(), A([0])), 'indices', 'array'), bad('index out of range', () => new nn.Subset(ds(), Int32Array.of(5)), '5'), bad('get', () => new nn.Subset(ds(), Int32Array.of(0)).get(1), 'index', '1')],
  randomSplit: [
    bad('sizes', () => nn.randomSplit(ds(), [2, 1], 0), 'sizes', '2'),
    bad('sizes type', () => nn.randomSplit(ds(), A(2), 0), 'sizes', '2'),
    bad('seed', () => nn.randomSplit(ds(), [1], A('s')), 'seed', '"s"'),
    bad('dataset', () => nn.randomSplit(A(null), [1], 0), 'dataset', 'null'),
  ],
  isTupleDataset: [bad('ds', () => nn.isTupleDataset(A(null)), 'ds', 'null')],
  sampleFields: [bad('ds', () => nn.sampleFields(A(3)), 'ds', '3')],
  TensorDataset: [bad('none', () => new nn.TensorDataset(), 'tensor'), bad('argument type', () => new nn.TensorDataset(A([1, 2])), 'argument 0'), bad('sizes differ', () => new nn.TensorDataset(zeros([2, 3]), zeros([3])), 'size mismatch', '[2, 3]'), bad('get', () => new nn.TensorDataset(zeros([2])).get(-1), 'index', '-1')],
  DataLoader: [
    bad('batchSize 0', () => new nn.DataLoader(ds(), { batchSize: 0 }), 'batchSize', '0'),
    bad('batchSize type', () => new nn.DataLoader(ds(), A({ batchSize: '2' })), 'batchSize', '"2"'),
    bad('options', () => new nn.DataLoader(ds(), A(undefined)), 'options', 'undefined'),
    bad('shuffle', () => new nn.DataLoader(ds(), A({ batchSize: 1, shuffle: 'yes' })), 'shuffle', '"yes"'),
    bad('seed', () => new nn.DataLoader(ds(), A({ batchSize: 1, seed: 1.5 })), 'seed', '1.5'),
    bad('dropLast', () => new nn.DataLoader(ds(), A({ batchSize: 1, dropLast: 1 })), 'dropLast', '1'),
    bad('transform', () => new nn.DataLoader(ds(), A({ batchSize: 1, transform: 'flip' })), 'transform', '"flip"'),
    bad('unknown option', () => new nn.DataLoader(ds(), A({ batchSize: 1, numWorkers: 4 })), "'numWorkers'"),
    bad('dataset', () => new nn.DataLoader(A(null), { batchSize: 1 }), 'dataset', 'null'),
    bad('setState', () => loader().setState({ epoch: -1, batch: 0 }), 'epoch', '-1'),
    bad('setState null', () => loader().setState(A(null)), 'state', 'null'),
    bad('epochOrder', () => loader().epochOrder(-1), 'epoch', '-1'),
  ],
  parseIdx: [badData('garbage bytes', () => nn.parseIdx(garbage(), 'f.idx'), 'f.idx'), bad('bytes', () => nn.parseIdx(A('x'), 'f.idx'), 'bytes', '"x"'), bad('expectedDims', () => nn.parseIdx(garbage(), 'f', 0), 'expectedDims', '0')],
  encodeIdx: [bad('dims', () => nn.encodeIdx(A(3), new Uint8Array(3)), 'dims', '3'), bad('data length', () => nn.encodeIdx([2], new Uint8Array(3)), '3'), bad('data', () => nn.encodeIdx([2], A([1, 2])), 'data', 'array')],
  // --- transforms
  compose: [bad('transforms', () => nn.compose(A(3)), 'transforms', '3'), bad('transform', () => nn.compose(A([nn.sobel(), 'x'])), 'transforms[1]', '"x"')],
  checkImage: [bad('image', () => nn.checkImage('myTransform', A(null), SHAPE), 'image', 'null'), bad('shape', () => nn.checkImage('myTransform', img(), A([1, 4])), 'shape'), bad('op', () => nn.checkImage(A(3), img(), SHAPE), 'checkImage', 'op', '3')],
  sampleBilinear: [bad('src', () => nn.sampleBilinear(A(null), 0, 2, 2, 0, 0, 0), 'src', 'null'), bad('plane outside', () => nn.sampleBilinear(img(), 12, 2, 4, 0, 0, 0), 'off', '12')],
  rotate: [bad('degrees', () => nn.rotate(img(), SHAPE, NaN), 'degrees', 'NaN'), bad('image', () => nn.rotate(new Float32Array(3), SHAPE, 10), 'image', '3'), bad('fill', () => nn.rotate(img(), SHAPE, 10, A('0')), 'fill')],
  randomRotation: [bad('maxDegrees', () => nn.randomRotation(-1), 'maxDegrees', '-1'), bad('fill', () => nn.randomRotation(10, NaN), 'fill', 'NaN')],
  rot90: [bad('k', () => nn.rot90(img(), SHAPE, 1.5), 'k', '1.5'), bad('not square', () => nn.rot90(new Float32Array(6), [1, 2, 3], 1), '[1, 2, 3]')],
  rotate90: [bad('k', () => nn.rotate90(0.5), 'k', '0.5')],
  hflip: [bad('shape', () => nn.hflip(img(), A([1, 4, 0])), 'shape', '0'), bad('image', () => nn.hflip(A(null), SHAPE), 'image', 'null')],
  randomHorizontalFlip: [bad('p', () => nn.randomHorizontalFlip(2), 'p', '2'), bad('p type', () => nn.randomHorizontalFlip(A('0.5')), 'p', '"0.5"')],
  cropResize: [bad('box', () => nn.cropResize(img(), SHAPE, 0, 0, 5, 5), 'box'), bad('image', () => nn.cropResize(A(undefined), SHAPE, 0, 0, 1, 1), 'image', 'undefined')],
  randomResizedCrop: [bad('minScale', () => nn.randomResizedCrop(0), 'minScale', '0'), bad('minScale type', () => nn.randomResizedCrop(A('0.5')), 'minScale', '"0.5"'), bad('ratio', () => nn.randomResizedCrop(0.5, 1, [2, 1]), 'ratio', '2'), bad('ratio type', () => nn.randomResizedCrop(0.5, 1, A(3)), 'ratio', '3')],
  colorJitter: [
    bad('brightness', () => nn.colorJitter({ brightness: 2 }), 'brightness', '2'),
    bad('contrast type', () => nn.colorJitter(A({ contrast: '0.5' })), 'contrast', '"0.5"'),
    bad('unknown option', () => nn.colorJitter(A({ hue: 0.1 })), "'hue'"),
    bad('clamp', () => nn.colorJitter(A({ clamp: 'no' })), 'clamp', '"no"'),
    bad('options', () => nn.colorJitter(A(null)), 'options', 'null'),
  ],
  gaussianNoise: [bad('std', () => nn.gaussianNoise(-0.1), 'std', '-0.1'), bad('std type', () => nn.gaussianNoise(A('0.1')), 'std', '"0.1"')],
  gaussianBlur: [bad('sigma', () => nn.gaussianBlur(0), 'sigma', '0'), bad('kernelSize', () => nn.gaussianBlur(1, 4), 'kernelSize', '4'), bad('border', () => nn.gaussianBlur(1, 3, A('zero')), 'border', '"zero"')],
  gaussianBlurImage: [bad('image', () => nn.gaussianBlurImage(new Float32Array(2), SHAPE, 1), 'image', '2'), bad('border', () => nn.gaussianBlurImage(img(), SHAPE, 1, undefined, A('zeros')), 'border', '"zeros"')],
  gaussianKernel1d: [bad('sigma', () => nn.gaussianKernel1d(-1), 'sigma', '-1'), bad('size', () => nn.gaussianKernel1d(1, 2), 'size', '2')],
  borderIndex: [bad('mode', () => nn.borderIndex(-1, 4, A('zero')), 'mode', '"zero"'), bad('n', () => nn.borderIndex(0, 0, 'wrap'), 'n', '0'), bad('i', () => nn.borderIndex(1.5, 4, 'wrap'), 'i', '1.5')],
  cutout: [bad('size', () => nn.cutout(-1), 'size', '-1'), bad('too large', () => nn.cutout(5)(img(), SHAPE, rng()), 'size', '5')],
  cutoutAt: [bad('square', () => nn.cutoutAt(img(), SHAPE, 3, 3, 2), 'size', '2'), bad('image', () => nn.cutoutAt(A(null), SHAPE, 0, 0, 1), 'image', 'null')],
  sobelMagnitude: [bad('shape', () => nn.sobelMagnitude(img(), A([1, 4])), 'shape'), bad('image', () => nn.sobelMagnitude(new Float32Array(1), SHAPE), 'image', '1')],
  applyFilter: [bad('kernel', () => nn.applyFilter(img(), 4, 4, [1, 2]), 'kernel', '2'), bad('image', () => nn.applyFilter(A(null), 4, 4, nn.SOBEL_X), 'image', 'null'), bad('h', () => nn.applyFilter(img(), 0, 4, nn.SOBEL_X), 'h', '0')],
  resizeBilinear: [bad('size', () => nn.resizeBilinear(img(), SHAPE, [0, 2]), 'size', '0'), bad('size type', () => nn.resizeBilinear(img(), SHAPE, A(8)), 'size', '8')],
  // --- metrics
  accuracy: [bad('lengths', () => nn.accuracy([1, 2], [1]), 'predicted', '2'), bad('predicted', () => nn.accuracy(A(null), [1]), 'predicted', 'null')],
  argmaxRows: [bad('shape', () => nn.argmaxRows([1, 2, 3], 2, 2), 'rows', '3'), bad('logits', () => nn.argmaxRows(A(undefined), 1, 1), 'logits', 'undefined')],
  confusionMatrix: [bad('numClasses', () => nn.confusionMatrix([0], [0], 0), 'numClasses', '0'), bad('entry', () => nn.confusionMatrix([0, 5], [0, 1], 2), '5'), bad('labels', () => nn.confusionMatrix([0], A(7), 2), 'labels', '7')],
  perClassAccuracy: [bad('cm', () => nn.perClassAccuracy(A(3)), 'cm', '3'), bad('not square', () => nn.perClassAccuracy([[1, 2]]), 'square')],
  largestClassGap: [bad('perClass', () => nn.largestClassGap(A(null)), 'perClass', 'null'), bad('all NaN', () => nn.largestClassGap([NaN]), 'NaN')],
  argmaxRowsAccuracy: [bad('logits rank', () => nn.argmaxRowsAccuracy(zeros([2]), [0, 1]), 'logits', '[2]'), bad('labels', () => nn.argmaxRowsAccuracy(zeros([2, 3]), [0]), 'labels', '1')],
  // --- io
  encodeSafetensors: [bad('tensors', () => nn.encodeSafetensors(A(null)), 'tensors', 'null'), bad('dtype', () => nn.encodeSafetensors(A({ a: { shape: [1], data: new Float32Array(1), dtype: 'F8' } })), "'a'", 'F8'), bad('metadata', () => nn.encodeSafetensors({}, A({ k: 1 })), "'k'"), bad('entry', () => nn.encodeSafetensors(A({ w: null })), "'w'", 'null')],
  decodeSafetensors: [badData('garbage bytes', () => nn.decodeSafetensors(garbage(), 'm.st'), 'm.st'), bad('bytes', () => nn.decodeSafetensors(A([1, 2]), 'm.st'), 'bytes', 'array'), bad('source', () => nn.decodeSafetensors(garbage(), A(3)), 'source', '3')],
  halfToFloat: [bad('h', () => nn.halfToFloat(70000), 'h', '70000'), bad('h type', () => nn.halfToFloat(A('1')), 'h', '"1"')],
  stateDictTensors: [bad('module', () => nn.stateDictTensors(A(null)), 'module', 'null'), bad('prefix', () => nn.stateDictTensors(net(), A(3)), 'prefix', '3')],
  moduleToSafetensors: [bad('module', () => nn.moduleToSafetensors(A({})), 'module')],
  loadSafetensorsInto: [badData('garbage bytes', () => nn.loadSafetensorsInto(net(), garbage(), 'w.st'), 'w.st'), bad('module', () => nn.loadSafetensorsInto(A(null), garbage(), 'w.st'), 'module', 'null'), bad('bytes', () => nn.loadSafetensorsInto(net(), A('b'), 'w.st'), 'bytes', '"b"')],
  namingFile: [bad('fn', () => nn.namingFile('p', A(3)), 'fn', '3'), bad('path', () => nn.namingFile(A(3), () => 1), 'path', '3')],
  // --- training
  encodeCheckpoint: [bad('model', () => nn.encodeCheckpoint(A(null), sgd(), { epoch: 0 }), 'model', 'null'), bad('optimizer', () => nn.encodeCheckpoint(net(), A({}), { epoch: 0 }), 'optimizer'), bad('epoch', () => nn.encodeCheckpoint(net(), sgd(), { epoch: -1 }), 'epoch', '-1')],
  decodeCheckpoint: [badData('garbage bytes', () => nn.decodeCheckpoint(garbage(), 'c.st', net(), sgd()), 'c.st'), bad('model', () => nn.decodeCheckpoint(garbage(), 'c.st', A(null), sgd()), 'model', 'null'), bad('unknown option', () => nn.decodeCheckpoint(garbage(), 'c.st', net(), sgd(), A({ strict: false })), "'strict'")],
  fit: [
    bad('model', () => nn.fit(A(null), sgd(), { trainLoader: loader(), epochs: 1 }), 'model', 'null'),
    bad('optimizer', () => nn.fit(net(), A(3), { trainLoader: loader(), epochs: 1 }), 'optimizer', '3'),
    bad('epochs', () => nn.fit(net(), sgd(), { trainLoader: loader(), epochs: -1 }), 'epochs', '-1'),
    bad('trainLoader', () => nn.fit(net(), sgd(), A({ trainLoader: ds(), epochs: 1 })), 'trainLoader'),
    bad('unknown option', () => nn.fit(net(), sgd(), A({ trainLoader: loader(), epochs: 1, verbose: 1 })), "'verbose'"),
    bad('startEpoch', () => nn.fit(net(), sgd(), { trainLoader: loader(), epochs: 1, startEpoch: 0.5 }), 'startEpoch', '0.5'),
    bad('callbacks', () => nn.fit(net(), sgd(), A({ trainLoader: loader(), epochs: 1, callbacks: 3 })), 'callbacks', '3'),
    bad('validation', () => nn.fit(net(), sgd(), A({ trainLoader: loader(), epochs: 1, validation: [1, 2] })), 'validation'),
    bad('loss', () => nn.fit(net(), sgd(), A({ trainLoader: loader(), epochs: 1, loss: 'mse' })), 'loss', '"mse"'),
    bad('scheduler', () => nn.fit(net(), sgd(), A({ trainLoader: loader(), epochs: 1, scheduler: {} })), 'scheduler'),
  ],
  evaluate: [
    bad('model', () => nn.evaluate(A(null), ds()), 'model', 'null'),
    bad('dataset', () => nn.evaluate(net(), A(3)), 'dataset', '3'),
    bad('batchSize', () => nn.evaluate(net(), ds(), { batchSize: 0 }), 'batchSize', '0'),
    bad('unknown option', () => nn.evaluate(net(), ds(), A({ shuffle: true })), "'shuffle'"),
    bad('loss', () => nn.evaluate(net(), ds(), A({ loss: 3 })), 'loss', '3'),
    bad('labels', () => nn.evaluate(net(), new Float32Array(32), A(2), [1, 4, 4]), 'labels', '2'),
    bad('image shape', () => nn.evaluate(net(), new Float32Array(32), [0, 1], A([1, 4])), 'shape'),
  ],
  EarlyStopping: [
    bad('patience', () => new nn.EarlyStopping({ patience: -1 }), 'patience', '-1'),
    bad('monitor', () => new nn.EarlyStopping(A({ patience: 1, monitor: 'acc' })), 'monitor', '"acc"'),
    bad('minDelta', () => new nn.EarlyStopping({ patience: 1, minDelta: NaN }), 'minDelta', 'NaN'),
    bad('unknown option', () => new nn.EarlyStopping(A({ patience: 1, mode: 'max' })), "'mode'"),
    bad('opts', () => new nn.EarlyStopping(A(undefined)), 'opts', 'undefined'),
    bad('restoreBestWeights', () => new nn.EarlyStopping(A({ patience: 1, restoreBestWeights: 'yes' })), 'restoreBestWeights', '"yes"'),
    bad('onEpochEnd logs', () => new nn.EarlyStopping({ patience: 1 }).onEpochEnd(A(null), A({})), 'logs', 'null'),
  ],
  setFusion: [bad('on', () => nn.setFusion(A('0')), 'on', "'0'")],
  withFusion: [bad('on', () => nn.withFusion(A(1), () => 0), 'on', '1'), bad('fn', () => nn.withFusion(true, A(3)), 'fn', '3')],
  Rng: [bad('seed', () => new nn.Rng(A('s')), 'seed'), bad('nextInt', () => rng().nextInt(0), 'n', '0')],
  mixSeed: [bad('part', () => nn.mixSeed(1, A('x')), 'parts[1]', '"x"')],
  // --- onnx
  toOnnx: [bad('model', () => nn.toOnnx(A(null), { inputShape: [1, 16] }), 'model', 'null'), bad('opset', () => nn.toOnnx(net(), { inputShape: [1, 16], opset: 12 }), 'opset', '12'), bad('inputShape', () => nn.toOnnx(net(), { inputShape: [0] }), 'inputShape', '0'), bad('opts', () => nn.toOnnx(net(), A(undefined)), 'opts', 'undefined'), bad('graphName', () => nn.toOnnx(net(), A({ inputShape: [1, 16], graphName: 3 })), 'graphName', '3'), bad('unknown option', () => nn.toOnnx(net(), A({ inputShape: [1, 16], dynamicAxes: {} })), "'dynamicAxes'")],
  fromOnnx: [badData('garbage bytes', () => nn.fromOnnx(Uint8Array.of(0xff, 0xff, 0xff), 'm.onnx'), 'm.onnx'), bad('bytes', () => nn.fromOnnx(A('m')), 'bytes', '"m"')],
  OnnxModel: [bad('model', () => new nn.OnnxModel(A(null), 'm.onnx'), 'model', 'null'), bad('forward not a tensor', () => nn.fromOnnx(nn.toOnnx(net(), { inputShape: [1, 16] })).forward(A([1])), 'x', 'array'), bad('forward shape', () => nn.fromOnnx(nn.toOnnx(net(), { inputShape: [1, 16] })).forward(zeros([1, 15])), '[1,15]'), badData('no graph', () => new nn.OnnxModel({}, 'm.onnx'), 'm.onnx')],
  // --- node subpath
  readIdxFile: [badData('missing file', () => nnNode.readIdxFile(missing), missing), badData('garbage file', () => nnNode.readIdxFile(garbageFile('g.idx')), 'g.idx'), bad('path', () => nnNode.readIdxFile(A(3)), 'path', '3')],
  maybeGunzip: [badData('corrupt gzip', () => nnNode.maybeGunzip(Uint8Array.of(0x1f, 0x8b, 1, 2), 'x.gz'), 'x.gz'), bad('bytes', () => nnNode.maybeGunzip(A(null), 'x'), 'bytes', 'null'), bad('path', () => nnNode.maybeGunzip(new Uint8Array(2), A(1)), 'path', '1')],
  loadFashionMnist: [bad('split', () => nnNode.loadFashionMnist(A({ split: 'val' })), 'split', '"val"'), bad('limit', () => nnNode.loadFashionMnist({ split: 'test', limit: -1 }), 'limit', '-1'), bad('unknown option', () => nnNode.loadFashionMnist(A({ split: 'test', download: true })), "'download'"), badData('missing dir', () => nnNode.loadFashionMnist({ split: 'test', dir: missing }), missing)],
  findFashionMnistFiles: [bad('split', () => nnNode.findFashionMnistFiles(A('dev')), 'split', '"dev"'), badData('missing dir', () => nnNode.findFashionMnistFiles('test', missing), missing), bad('dir', () => nnNode.findFashionMnistFiles('test', A(3)), 'dir', '3')],
  writeFileAtomic: [badData('missing dir', () => nnNode.writeFileAtomic(join(missing, 'f'), new Uint8Array(1)), missing), bad('bytes', () => nnNode.writeFileAtomic(join(tmp, 'f'), A('x')), 'bytes', '"x"'), bad('path', () => nnNode.writeFileAtomic(A(null), new Uint8Array(1)), 'path', 'null')],
  removeStaleTempFiles: [bad('dir', () => nnNode.removeStaleTempFiles(A(3)), 'dir', '3'), badData('not a directory', () => nnNode.removeStaleTempFiles(garbageFile('plain')), 'plain')],
  writeSafetensorsFile: [badData('missing dir', () => nnNode.writeSafetensorsFile(join(missing, 'w.st'), {}), missing), bad('tensors', () => nnNode.writeSafetensorsFile(join(tmp, 'w.st'), A(3)), 'tensors', '3')],
  readSafetensorsFile: [badData('missing file', () => nnNode.readSafetensorsFile(missing), missing), badData('garbage file', () => nnNode.readSafetensorsFile(garbageFile('g.st')), 'g.st'), bad('path', () => nnNode.readSafetensorsFile(A(undefined)), 'path', 'undefined')],
  saveSafetensors: [bad('module', () => nnNode.saveSafetensors(A(null), join(tmp, 'm.st')), 'module', 'null'), badData('missing dir', () => nnNode.saveSafetensors(net(), join(missing, 'm.st')), missing)],
  loadSafetensors: [badData('missing file', () => nnNode.loadSafetensors(net(), missing), missing), badData('garbage file', () => nnNode.loadSafetensors(net(), garbageFile('g2.st')), 'g2.st'), bad('module', () => nnNode.loadSafetensors(A(3), missing), 'module', '3')],
  saveCheckpoint: [badData('missing dir', () => nnNode.saveCheckpoint(join(missing, 'c.st'), net(), sgd(), { epoch: 0 }), missing), bad('path', () => nnNode.saveCheckpoint(A(3), net(), sgd(), { epoch: 0 }), 'path', '3')],
  loadCheckpoint: [badData('garbage file', () => nnNode.loadCheckpoint(garbageFile('c.st'), net(), sgd()), 'c.st'), bad('path', () => nnNode.loadCheckpoint(A(null), net(), sgd()), 'path', 'null'), bad('model', () => nnNode.loadCheckpoint(missing, A(null), sgd()), 'model', 'null')],
  saveOnnx: [bad('model', () => nnNode.saveOnnx(A(null), join(tmp, 'm.onnx'), { inputShape: [1, 16] }), 'model', 'null'), badData('missing dir', () => nnNode.saveOnnx(net(), join(missing, 'm.onnx'), { inputShape: [1, 16] }), missing)],
  loadOnnx: [badData('missing file', () => nnNode.loadOnnx(missing), missing), badData('garbage file', () => nnNode.loadOnnx(garbageFile('g.onnx')), 'g.onnx'), bad('path', () => nnNode.loadOnnx(A(3)), 'path', '3')],
  ImageFolder: [
    badData('missing root', () => new nnNode.ImageFolder(missing, { size: [4, 4], channels: 1 }), missing),
    bad('channels', () => new nnNode.ImageFolder(tmp, A({ size: [4, 4], channels: 2 })), 'channels', '2'),
    bad('unknown option', () => new nnNode.ImageFolder(tmp, A({ size: [4, 4], channels: 1, loader: 'pil' })), "'loader'"),
    bad('root', () => new nnNode.ImageFolder(A(3), { size: [4, 4], channels: 1 }), 'root', '3'),
    bad('seed', () => new nnNode.ImageFolder(tmp, A({ size: [4, 4], channels: 1, seed: 'x' })), 'seed', '"x"'),
    bad('transform', () => new nnNode.ImageFolder(tmp, A({ size: [4, 4], channels: 1, transform: 3 })), 'transform', '3'),
  ],
  loadImage: [badData('missing file', () => nnNode.loadImage(missing, 1, [4, 4]), missing), badData('garbage file', () => nnNode.loadImage(garbageFile('g.png'), 1, [4, 4]), 'g.png'), bad('channels', () => nnNode.loadImage(missing, A(2), [4, 4]), 'channels', '2'), bad('size', () => nnNode.loadImage(missing, 1, A([4])), 'size')],
};

async function thrown(call: () => unknown): Promise<unknown> {
  try {
    const r = call();
    if (r instanceof Promise) await r;
  } catch (e) {
    return e;
  }
  return undefined;
}

const SUBPATHS = { '@tapegrad/nn': nn, '@tapegrad/nn/node': nnNode } as const;

describe('api sweep: every export rejects bad arguments naming itself, the argument and the value', () => {
  for (const [subpath, mod] of Object.entries(SUBPATHS)) {
    it(`${subpath}: every export has cases or a reason in NOTHING_TO_CHECK`, () => {
      const keys = Object.keys(mod);
      expect(keys.filter((k) => !(k in CASES) && !(k in NOTHING_TO_CHECK))).toEqual([]);
      expect(keys.filter((k) => k in CASES && k in NOTHING_TO_CHECK)).toEqual([]);
    });
  }

  it('the tables name only real exports', () => {
    const all = new Set(Object.values(SUBPATHS).flatMap((m) => Object.keys(m)));
    expect([...Object.keys(CASES), ...Object.keys(NOTHING_TO_CHECK)].filter((k) => !all.has(k))).toEqual([]);
  });

  it('RAW catches the errors of internals (negative control)', async () => {
    const e = await thrown(() => (null as unknown as { a: number }).a);
    expect(RAW.test((e as Error).message)).toBe(true);
  });

  for (const [name, cases] of Object.entries(CASES)) {
    describe(name, () => {
      for (const c of cases) {
        it(c.what, async () => {
          const e = await thrown(c.call);
          expect(e, `${name} (${c.what}) did not throw`).toBeInstanceOf(Error);
          const msg = (e as Error).message;
          expect(msg, `raw error from internals: ${msg}`).not.toMatch(RAW);
          // A DataError names the file or source instead (a CLI prints just that): it is in mentions.
          const names = [name, ...(ALIASES[name] ?? [])];
          if (!c.data) expect(names.some((n) => msg.includes(n)), `message does not name ${names.join(' or ')}: ${msg}`).toBe(true);
          for (const m of c.mentions) expect(msg, `message does not mention ${m}`).toContain(m);
          if (c.data) expect(e, `expected a DataError: ${msg}`).toBeInstanceOf(nn.DataError);
        });
      }
    });
  }
});
