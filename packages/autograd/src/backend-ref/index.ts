import type { Backend, DType, Shape, Storage } from '../backend.js';
import { checkOptions, describeArg } from '../check.js';
import { sizeOf } from '../shape.js';
import { binaryBroadcast, erf, forEachBroadcast, mapUnary, sigmoid } from './elementwise.js';
import { col2imInto, groupedConv2d, groupedConv2dBackwardInput, groupedConv2dBackwardWeight, im2colInto, isGrouped } from './conv.js';
import { gemmInto } from './gemm.js';
import { avgPoolInto, maxPoolBackwardInto, maxPoolInto } from './pool.js';
import { batchNormBackwardInto, batchNormInto } from './batch-norm.js';
import { dropoutMaskInto } from './dropout.js';
import { copyBox, permuteInto } from './layout.js';
import { adamInto, sgdInto } from './optim.js';
import { reduceAxes } from './reduce.js';
import { crossEntropyBackwardInto, crossEntropyInto, logSoftmaxBackwardInto, logSoftmaxInto } from './softmax.js';
import { arrayType, dataOf, RefStorage } from './storage.js';

export interface RefBackendOptions {
  /** float32 (default) or float64, which the gradient checks use. */
  dtype?: DType;
}

/**
 * The pure-TypeScript reference backend: the executable spec of every kernel. Simple loops,
 * obviously right, slow. Convolution goes through im2col + GEMM as the WASM backend does.
 */
export function createRefBackend(opts: RefBackendOptions = {}): Backend {
  checkOptions('createRefBackend', opts, ['dtype']);
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`createRefBackend: dtype must be 'float32' or 'float64', got ${describeArg(dtype)}`);
  const Arr = arrayType(dtype);
  let bytes = 0;
  const alloc = (size: number): RefStorage => {
    bytes += size * Arr.BYTES_PER_ELEMENT;
    return new RefStorage(new Arr(size));
  };
  const d = dataOf;
  const unary = (f: (v: number) => number) => (x: Storage): Storage => {
    const out = alloc(x.size);
    mapUnary(d(x), out.data, f);
    return out;
  };
  const binary = (f: (a: number, b: number) => number) => (a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage => {
    const out = alloc(sizeOf(outShape));
    binaryBroadcast(d(a), aShape, d(b), bShape, out.data, outShape, f);
    return out;
  };

  const backend: Backend = {
    name: `ref-${dtype}`,
    dtype,
    alloc,
    fromArray(data) {
      const s = alloc(data.length);
      s.data.set(data);
      return s;
    },
    read: (s) => d(s).slice(),
    free(s) {
      bytes -= s.size * Arr.BYTES_PER_ELEMENT;
    },
    bytesInUse: () => bytes,
    fill(size, value) {
      const s = alloc(size);
      s.data.fill(value);
      return s;
    },
    copyInPlace(dst, src) {
      d(dst).set(d(src));
    },

    neg: unary((v) => -v),
    exp: unary(Math.exp),
    log: unary(Math.log),
    sqrt: unary(Math.sqrt),
    abs: unary(Math.abs),
    sign: unary((v) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN)),
    relu: unary((v) => (v > 0 ? v : Number.isNaN(v) ? v : 0)),
    sigmoid: unary(sigmoid),
    tanh: unary(Math.tanh),
    erf: unary(erf),
    reluBackward(dy, x) {
      const out = alloc(dy.size);
      const dyd = d(dy);
      const xd = d(x);
      for (let i = 0; i < out.size; i++) out.data[i] = xd[i]! > 0 ? dyd[i]! : 0;
      return out;
    },

    add: binary((a, b) => a + b),
    sub: binary((a, b) => a - b),
    mul: binary((a, b) => a * b),
    div: binary((a, b) => a / b),
    pow: binary((a, b) => a ** b),
    greater: binary((a, b) => (a > b ? 1 : 0)),
    equal: binary((a, b) => (a === b ? 1 : 0)),
    where(cond, condShape, a, aShape, b, bShape, outShape) {
      const out = alloc(sizeOf(outShape));
      const [cd, ad, bd] = [d(cond), d(a), d(b)];
      forEachBroadcast([condShape, aShape, bShape], outShape, (i, o) => {
        out.data[i] = cd[o[0]!] !== 0 ? ad[o[1]!]! : bd[o[2]!]!;
      });
      return out;
    },

    sum(x, shape, axes) {
      const out = alloc(sizeOf(shape.filter((_, i) => !axes.includes(i))));
      reduceAxes(d(x), shape, axes, out.data, 0, (acc, v) => acc + v);
      return out;
    },
    max(x, shape, axes) {
      const out = alloc(sizeOf(shape.filter((_, i) => !axes.includes(i))));
      reduceAxes(d(x), shape, axes, out.data, -Infinity, (acc, v) => (Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.max(acc, v)));
      return out;
    },

    broadcastTo(x, shape, outShape) {
      const out = alloc(sizeOf(outShape));
      const xd = d(x);
      forEachBroadcast([shape], outShape, (i, o) => {
        out.data[i] = xd[o[0]!]!;
      });
      return out;
    },
    permute(x, shape, perm) {
      const out = alloc(x.size);
      permuteInto(d(x), shape, perm, out.data);
      return out;
    },
    slice(x, shape, starts, sizes) {
      const out = alloc(sizeOf(sizes));
      copyBox(d(x), shape, starts, sizes, out.data, sizes, sizes.map(() => 0));
      return out;
    },
    pad(x, shape, before, after, value) {
      const outShape = shape.map((s, i) => s + before[i]! + after[i]!);
      const out = alloc(sizeOf(outShape));
      out.data.fill(value);
      copyBox(d(x), shape, shape.map(() => 0), shape, out.data, outShape, before);
      return out;
    },
    concat(xs, shapes, axis) {
      const outShape = shapes[0]!.map((s, i) => (i === axis ? shapes.reduce((acc, sh) => acc + sh[axis]!, 0) : s));
      const out = alloc(sizeOf(outShape));
      let offset = 0;
      xs.forEach((x, k) => {
        const shape = shapes[k]!;
        copyBox(d(x), shape, shape.map(() => 0), shape, out.data, outShape, shape.map((_, i) => (i === axis ? offset : 0)));
        offset += shape[axis]!;
      });
      return out;
    },

    gemm(a, b, p) {
      const out = alloc(p.batch * p.m * p.n);
      gemmInto(d(a), d(b), out.data, p, p.bias ? d(p.bias) : null);
      return out;
    },
    im2col(x, g) {
      const out = alloc(g.n * g.c * g.kh * g.kw * g.oh * g.ow);
      im2colInto(d(x), g, out.data);
      return out;
    },
    col2im(cols, g) {
      const out = alloc(g.n * g.c * g.h * g.w);
      col2imInto(d(cols), g, out.data);
      return out;
    },
    conv2d(x, w, bias, g) {
      if (isGrouped(g)) return groupedConv2d(backend, x, w, bias, g);
      const cols = backend.im2col(x, g);
      const ckk = g.c * g.kh * g.kw;
      const p = g.oh * g.ow;
      const y = alloc(g.n * g.o * p);
      // W[O, CKK] · cols[n][CKK, P] for every image: one batched GEMM writing NCHW.
      gemmInto(d(w), d(cols), y.data, { batch: g.n, m: g.o, n: p, k: ckk, transA: false, transB: false, strideA: 0, strideB: ckk * p }, null);
      if (bias) {
        const bd = d(bias);
        for (let i = 0; i < y.size; i++) y.data[i]! += bd[Math.floor(i / p) % g.o]!;
      }
      backend.free(cols);
      return y;
    },
    // The fused kernels' spec is the composition they replace.
    conv2dRelu(x, w, bias, g) {
      const y = backend.conv2d(x, w, bias, g);
      const out = backend.relu(y);
      backend.free(y);
      return out;
    },
    reluBackwardBias(dy, y, n, c, s) {
      const dx = backend.reluBackward(dy, y);
      return { dx, dbias: backend.sum(dx, [n, c, s], [0, 2]) };
    },
    conv2dReluMaxPool(x, w, bias, g, pool) {
      const pre = backend.conv2dRelu(x, w, bias, g);
      const out = backend.maxPool2d(pre, pool);
      backend.free(pre);
      return out;
    },
    maxPoolReluBackwardBias(dy, argmax, y, pool) {
      const masked = backend.reluBackward(dy, y);
      const dx = backend.maxPool2dBackward(masked, argmax, pool);
      backend.free(masked);
      return { dx, dbias: backend.sum(dx, [pool.n, pool.c, pool.h * pool.w], [0, 2]) };
    },
    conv2dReluBackwardWeight(dy, y, x, g, withBias) {
      const { dx: dpre, dbias } = withBias ? backend.reluBackwardBias(dy, y, g.n, g.o, g.oh * g.ow) : { dx: backend.reluBackward(dy, y), dbias: null };
      const dw = backend.conv2dBackwardWeight(dpre, x, g);
      backend.free(dpre);
      return { dw, dbias };
    },
    conv2dBackwardInput(dy, w, g) {
      if (isGrouped(g)) return groupedConv2dBackwardInput(backend, dy, w, g);
      const ckk = g.c * g.kh * g.kw;
      const p = g.oh * g.ow;
      // dcols[n] = Wᵀ[CKK, O] · dy[n][O, P], then col2im.
      const dcols = backend.gemm(w, dy, { batch: g.n, m: ckk, n: p, k: g.o, transA: true, transB: false, strideA: 0, strideB: g.o * p });
      const dx = backend.col2im(dcols, g);
      backend.free(dcols);
      return dx;
    },
    conv2dBackward(dy, x, w, g) {
      return { dx: backend.conv2dBackwardInput(dy, w, g), dw: backend.conv2dBackwardWeight(dy, x, g) };
    },
    conv2dBackwardWeight(dy, x, g) {
      if (isGrouped(g)) return groupedConv2dBackwardWeight(backend, dy, x, g);
      const ckk = g.c * g.kh * g.kw;
      const p = g.oh * g.ow;
      const cols = backend.im2col(x, g);
      // dW = Σ_n dy[n][O, P] · cols[n]ᵀ[P, CKK]
      const per = backend.gemm(dy, cols, { batch: g.n, m: g.o, n: ckk, k: p, transA: false, transB: true, strideA: g.o * p, strideB: ckk * p });
      const dw = backend.sum(per, [g.n, g.o, ckk], [0]);
      backend.free(per);
      backend.free(cols);
      return dw;
    },

    maxPool2d(x, g) {
      const size = g.n * g.c * g.oh * g.ow;
      const y = alloc(size);
      const argmax = alloc(size);
      maxPoolInto(d(x), g, y.data, argmax.data);
      return { y, argmax };
    },
    maxPool2dBackward(dy, argmax, g) {
      const dx = alloc(g.n * g.c * g.h * g.w);
      maxPoolBackwardInto(d(dy), d(argmax), g, dx.data);
      return dx;
    },
    avgPool2d(x, g) {
      const y = alloc(g.n * g.c * g.oh * g.ow);
      avgPoolInto(d(x), g, y.data, false);
      return y;
    },
    avgPool2dBackward(dy, g) {
      const dx = alloc(g.n * g.c * g.h * g.w);
      avgPoolInto(d(dy), g, dx.data, true);
      return dx;
    },

    logSoftmax(x, rows, cols) {
      const out = alloc(rows * cols);
      logSoftmaxInto(d(x), rows, cols, out.data);
      return out;
    },
    logSoftmaxBackward(dy, y, rows, cols) {
      const out = alloc(rows * cols);
      logSoftmaxBackwardInto(d(dy), d(y), rows, cols, out.data);
      return out;
    },
    crossEntropy(logits, targets, rows, cols, ls) {
      const logp = alloc(rows * cols);
      logSoftmaxInto(d(logits), rows, cols, logp.data);
      const loss = alloc(rows);
      crossEntropyInto(logp.data, d(targets), rows, cols, ls, loss.data);
      return { loss, logp };
    },
    crossEntropyBackward(dloss, logp, targets, rows, cols, ls) {
      const out = alloc(rows * cols);
      crossEntropyBackwardInto(d(dloss), d(logp), d(targets), rows, cols, ls, out.data);
      return out;
    },

    batchNorm(x, rm, rv, weight, bias, p) {
      const y = alloc(x.size);
      const saved = alloc(2 * p.c);
      batchNormInto(d(x), d(rm), d(rv), weight ? d(weight) : null, bias ? d(bias) : null, p, y.data, saved.data);
      return { y, saved };
    },
    batchNormBackward(dy, x, saved, weight, p) {
      const dx = alloc(x.size);
      const dweight = alloc(p.c);
      const dbias = alloc(p.c);
      batchNormBackwardInto(d(dy), d(x), d(saved), weight ? d(weight) : null, p, dx.data, dweight.data, dbias.data);
      return { dx, dweight, dbias };
    },
    // The fused batch norm + ReLU is its composition (Note [fused ops]).
    batchNormRelu(x, rm, rv, weight, bias, p) {
      const { y: pre, saved } = backend.batchNorm(x, rm, rv, weight, bias, p);
      const y = backend.relu(pre);
      backend.free(pre);
      return { y, saved };
    },
    batchNormReluBackward(dy, y, x, saved, weight, p) {
      const dpre = backend.reluBackward(dy, y);
      const r = backend.batchNormBackward(dpre, x, saved, weight, p);
      backend.free(dpre);
      return r;
    },

    dropoutMask(size, p, seed) {
      const out = alloc(size);
      dropoutMaskInto(out.data, p, seed);
      return out;
    },

    sgdStep(param, grad, buf, p) {
      sgdInto(d(param), d(grad), buf ? d(buf) : null, p);
    },
    adamStep(param, grad, m, v, p) {
      adamInto(d(param), d(grad), d(m), d(v), p);
    },
  };
  return backend;
}
