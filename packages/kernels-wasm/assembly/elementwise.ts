// Elementwise unary and binary kernels. Pointers are byte addresses; counts and strides are in
// ELEMENTS. Binary ops walk NumPy-broadcast operands through Note [strided meta block]; each
// innermost row picks a SIMD path when both operands are contiguous or one is a scalar (stride 0).
// Transcendentals are evaluated in f64 and rounded once, to match the reference backend; they are
// scalar (a performance compromise: they are a small share of a CNN step).
import { metaAt, setMetaAt, outerCount } from './strided';

export const UN_NEG: i32 = 0;
export const UN_EXP: i32 = 1;
export const UN_LOG: i32 = 2;
export const UN_SQRT: i32 = 3;
export const UN_ABS: i32 = 4;
export const UN_SIGN: i32 = 5;
export const UN_RELU: i32 = 6;
export const UN_SIGMOID: i32 = 7;
export const UN_TANH: i32 = 8;
export const UN_ERF: i32 = 9;

export const BIN_ADD: i32 = 0;
export const BIN_SUB: i32 = 1;
export const BIN_MUL: i32 = 2;
export const BIN_DIV: i32 = 3;
export const BIN_POW: i32 = 4;
export const BIN_MAX: i32 = 5;
export const BIN_MIN: i32 = 6;
export const BIN_GREATER: i32 = 7;
export const BIN_EQUAL: i32 = 8;

const TWO_OVER_SQRT_PI: f64 = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI: f64 = 1 / Math.sqrt(Math.PI);

/**
 * erf in f64, the reference backend's code (`erf` in packages/autograd/src/backend-ref/
 * elementwise.ts, which explains it; change both together): a series below |x| = 3, a continued
 * fraction for erfc up to 6, ±1 beyond. Scalar, up to ~40 iterations an element: no model of the
 * case study calls it.
 */
function erf64(x: f64): f64 {
  const a = Math.abs(x);
  if (!(a < 6)) return isNaN(x) ? x : Math.sign(x);
  if (a < 3) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > Math.abs(sum) * 1e-17; n++) {
      term *= x2 / <f64>(2 * n + 1);
      sum += term;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  let f = a;
  for (let k = 30; k >= 1; k--) f = a + <f64>k / 2 / f;
  const r = 1 - (INV_SQRT_PI * Math.exp(-a * a)) / f;
  return x < 0 ? -r : r;
}

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32): f32 {
  switch (op) {
    case UN_NEG: return -x;
    case UN_EXP: return <f32>Math.exp(<f64>x);
    case UN_LOG: return <f32>Math.log(<f64>x);
    case UN_SQRT: return Mathf.sqrt(x);
    case UN_ABS: return Mathf.abs(x);
    case UN_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x; // keeps ±0 and NaN
    case UN_RELU: return x > 0 ? x : 0;
    case UN_SIGMOID: return <f32>(1 / (1 + Math.exp(-<f64>x)));
    case UN_TANH: return <f32>Math.tanh(<f64>x);
    case UN_ERF: return <f32>erf64(<f64>x);
    default: return NaN;
  }
}

/** y[i] = op(x[i]) for i < count (x and y contiguous; y may alias x). */
export function unary(op: i32, xPtr: usize, yPtr: usize, count: i32): void {
  let i = 0;
  if (op == UN_NEG || op == UN_ABS || op == UN_SQRT || op == UN_RELU) {
    const vzero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) {
      const off = <usize>i << 2;
      const vx = v128.load(xPtr + off);
      let vy: v128;
      if (op == UN_NEG) vy = f32x4.neg(vx);
      else if (op == UN_ABS) vy = f32x4.abs(vx);
      else if (op == UN_SQRT) vy = f32x4.sqrt(vx);
      else vy = v128.and(vx, f32x4.gt(vx, vzero)); // relu: NaN -> 0 like the scalar path
      v128.store(yPtr + off, vy);
    }
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    store<f32>(yPtr + off, unaryScalar(op, load<f32>(xPtr + off)));
  }
}

/** dx[i] = x[i] > 0 ? dy[i] : 0. */
export function reluBackward(dyPtr: usize, xPtr: usize, dxPtr: usize, count: i32): void {
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    v128.store(dxPtr + off, v128.and(v128.load(dyPtr + off), f32x4.gt(v128.load(xPtr + off), vzero)));
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    store<f32>(dxPtr + off, load<f32>(xPtr + off) > 0 ? load<f32>(dyPtr + off) : 0);
  }
}

// @ts-ignore: decorator
@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    case BIN_DIV: return a / b;
    case BIN_POW: return <f32>Math.pow(<f64>a, <f64>b);
    case BIN_MAX: return a != a || b != b ? NaN : max(a, b);
    case BIN_MIN: return a != a || b != b ? NaN : min(a, b);
    case BIN_GREATER: return a > b ? 1 : 0;
    case BIN_EQUAL: return a == b ? 1 : 0;
    default: return NaN;
  }
}

// @ts-ignore: decorator
@inline function binarySimd(op: i32, va: v128, vb: v128): v128 {
  switch (op) {
    case BIN_ADD: return f32x4.add(va, vb);
    case BIN_SUB: return f32x4.sub(va, vb);
    case BIN_MUL: return f32x4.mul(va, vb);
    case BIN_DIV: return f32x4.div(va, vb);
    case BIN_MAX: return f32x4.max(va, vb);
    case BIN_MIN: return f32x4.min(va, vb);
    case BIN_GREATER: return v128.and(f32x4.gt(va, vb), f32x4.splat(1));
    default: return v128.and(f32x4.eq(va, vb), f32x4.splat(1)); // BIN_EQUAL
  }
}

/**
 * out[i] = op(a[i·aStride], b[i·bStride]) for i < count, out contiguous (strides in elements).
 * SIMD when both strides are 1 or one is 0.
 */
export function binaryRow(op: i32, aPtr: usize, aStride: i32, bPtr: usize, bStride: i32, outPtr: usize, count: i32): void {
  let i = 0;
  if (op != BIN_POW) {
    if (aStride == 1 && bStride == 1) {
      for (; i + 4 <= count; i += 4) {
        const off = <usize>i << 2;
        v128.store(outPtr + off, binarySimd(op, v128.load(aPtr + off), v128.load(bPtr + off)));
      }
    } else if (aStride == 1 && bStride == 0) {
      const vb = v128.load32_splat(bPtr);
      for (; i + 4 <= count; i += 4) {
        const off = <usize>i << 2;
        v128.store(outPtr + off, binarySimd(op, v128.load(aPtr + off), vb));
      }
    } else if (aStride == 0 && bStride == 1) {
      const va = v128.load32_splat(aPtr);
      for (; i + 4 <= count; i += 4) {
        const off = <usize>i << 2;
        v128.store(outPtr + off, binarySimd(op, va, v128.load(bPtr + off)));
      }
    }
  }
  for (; i < count; i++) {
    store<f32>(
      outPtr + (<usize>i << 2),
      binaryScalar(op, load<f32>(aPtr + (<usize>(i * aStride) << 2)), load<f32>(bPtr + (<usize>(i * bStride) << 2))),
    );
  }
}

/**
 * out = op(a, b) broadcast to shape. metaPtr: Note [strided meta block] with arrays
 * shape, aStrides, bStrides, counters. out is dense.
 */
export function binary(op: i32, aPtr: usize, bPtr: usize, outPtr: usize, ndim: i32, metaPtr: usize): void {
  const last = ndim - 1;
  const len = metaAt(metaPtr, 0, ndim, last);
  const aStride = metaAt(metaPtr, 1, ndim, last);
  const bStride = metaAt(metaPtr, 2, ndim, last);
  const outer = outerCount(metaPtr, ndim);
  for (let d = 0; d < ndim; d++) setMetaAt(metaPtr, 3, ndim, d, 0);
  let aOff = 0, bOff = 0;
  let rowOutPtr = outPtr;
  for (let o = 0; o < outer; o++) {
    binaryRow(op, aPtr + (<usize>aOff << 2), aStride, bPtr + (<usize>bOff << 2), bStride, rowOutPtr, len);
    rowOutPtr += <usize>len << 2;
    for (let d = last - 1; d >= 0; d--) {
      const extent = metaAt(metaPtr, 0, ndim, d);
      const counter = metaAt(metaPtr, 3, ndim, d) + 1;
      aOff += metaAt(metaPtr, 1, ndim, d);
      bOff += metaAt(metaPtr, 2, ndim, d);
      if (counter < extent) { setMetaAt(metaPtr, 3, ndim, d, counter); break; }
      setMetaAt(metaPtr, 3, ndim, d, 0);
      aOff -= metaAt(metaPtr, 1, ndim, d) * extent;
      bOff -= metaAt(metaPtr, 2, ndim, d) * extent;
    }
  }
}

/** out = cond != 0 ? a : b, broadcast. meta arrays: shape, condStrides, aStrides, bStrides, counters. */
export function where(condPtr: usize, aPtr: usize, bPtr: usize, outPtr: usize, ndim: i32, metaPtr: usize): void {
  const last = ndim - 1;
  const len = metaAt(metaPtr, 0, ndim, last);
  const cStride = metaAt(metaPtr, 1, ndim, last);
  const aStride = metaAt(metaPtr, 2, ndim, last);
  const bStride = metaAt(metaPtr, 3, ndim, last);
  const outer = outerCount(metaPtr, ndim);
  for (let d = 0; d < ndim; d++) setMetaAt(metaPtr, 4, ndim, d, 0);
  let cOff = 0, aOff = 0, bOff = 0;
  let rowOutPtr = outPtr;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const c = load<f32>(condPtr + (<usize>(cOff + i * cStride) << 2));
      const v = c != 0
        ? load<f32>(aPtr + (<usize>(aOff + i * aStride) << 2))
        : load<f32>(bPtr + (<usize>(bOff + i * bStride) << 2));
      store<f32>(rowOutPtr + (<usize>i << 2), v);
    }
    rowOutPtr += <usize>len << 2;
    for (let d = last - 1; d >= 0; d--) {
      const extent = metaAt(metaPtr, 0, ndim, d);
      const counter = metaAt(metaPtr, 4, ndim, d) + 1;
      cOff += metaAt(metaPtr, 1, ndim, d);
      aOff += metaAt(metaPtr, 2, ndim, d);
      bOff += metaAt(metaPtr, 3, ndim, d);
      if (counter < extent) { setMetaAt(metaPtr, 4, ndim, d, counter); break; }
      setMetaAt(metaPtr, 4, ndim, d, 0);
      cOff -= metaAt(metaPtr, 1, ndim, d) * extent;
      aOff -= metaAt(metaPtr, 2, ndim, d) * extent;
      bOff -= metaAt(metaPtr, 3, ndim, d) * extent;
    }
  }
}

/**
 * ReLU's backward and the row sums of the bias gradient of the convolution that produced the
 * ReLU's input, in one pass (Note [fused conv epilogue], src/conv.ts): over dy, y [N, C, S] (y the
 * ReLU's output or its input: y > 0 either way), dx = y > 0 ? dy : 0 and rowSum[n, c] = Σ_s dx[n,
 * c, s], for images [nBegin, nEnd) (threads split images; each row is one thread's). Each row is
 * summed in the order of `reduce` over the last axis (four f32x4 accumulators, then lanes, then
 * the tail); the caller adds the rows over n in order (`reduce` over the first axis of rowSum
 * [N, C]), which is the second pass of sum(dx, [0, 2, 3]): dbias is bit for bit the unfused one,
 * on every thread count.
 */
export function reluBackwardBias(dyPtr: usize, yPtr: usize, dxPtr: usize, rowSumPtr: usize, c: i32, s: i32, nBegin: i32, nEnd: i32): void {
  // Images outer, channels inner: the rows are read in memory order.
  for (let img = nBegin; img < nEnd; img++) {
    for (let ch = 0; ch < c; ch++) {
      const rowIndex = img * c + ch;
      const row = <usize>rowIndex * <usize>s << 2;
      store<f32>(rowSumPtr + (<usize>rowIndex << 2), reluBackwardRowSum(dyPtr + row, yPtr + row, dxPtr + row, s));
    }
  }
}

/**
 * dx = y > 0 ? dy : 0 over one row of s floats, returning Σ dx in `reduce`'s order over the last
 * axis (four f32x4 accumulators, then lanes, then the tail): a row of reluBackwardBias, and of the
 * fused conv2dReluBackwardWeight (assembly/conv.ts), which writes the row into scratch.
 */
// @ts-ignore: decorator
@inline export function reluBackwardRowSum(dyRow: usize, yRow: usize, dxRow: usize, s: i32): f32 {
  const vzero = f32x4.splat(0);
  let vacc0 = vzero, vacc1 = vzero, vacc2 = vzero, vacc3 = vzero;
  let i = 0;
  for (; i + 16 <= s; i += 16) {
    const off = <usize>i << 2;
    const vd0 = v128.and(v128.load(dyRow + off), f32x4.gt(v128.load(yRow + off), vzero));
    const vd1 = v128.and(v128.load(dyRow + off, 16), f32x4.gt(v128.load(yRow + off, 16), vzero));
    const vd2 = v128.and(v128.load(dyRow + off, 32), f32x4.gt(v128.load(yRow + off, 32), vzero));
    const vd3 = v128.and(v128.load(dyRow + off, 48), f32x4.gt(v128.load(yRow + off, 48), vzero));
    v128.store(dxRow + off, vd0); v128.store(dxRow + off, vd1, 16); v128.store(dxRow + off, vd2, 32); v128.store(dxRow + off, vd3, 48);
    vacc0 = f32x4.add(vacc0, vd0); vacc1 = f32x4.add(vacc1, vd1); vacc2 = f32x4.add(vacc2, vd2); vacc3 = f32x4.add(vacc3, vd3);
  }
  let vacc = f32x4.add(f32x4.add(vacc0, vacc1), f32x4.add(vacc2, vacc3));
  for (; i + 4 <= s; i += 4) {
    const off = <usize>i << 2;
    const vd = v128.and(v128.load(dyRow + off), f32x4.gt(v128.load(yRow + off), vzero));
    v128.store(dxRow + off, vd);
    vacc = f32x4.add(vacc, vd);
  }
  let acc: f32 = (f32x4.extract_lane(vacc, 0) + f32x4.extract_lane(vacc, 1)) + (f32x4.extract_lane(vacc, 2) + f32x4.extract_lane(vacc, 3));
  for (; i < s; i++) {
    const off = <usize>i << 2;
    const v: f32 = load<f32>(yRow + off) > 0 ? load<f32>(dyRow + off) : 0;
    store<f32>(dxRow + off, v);
    acc += v;
  }
  return acc;
}
