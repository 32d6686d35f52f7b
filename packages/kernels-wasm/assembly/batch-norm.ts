// Batch norm over x viewed as [N, C, spatial]. Pointers are byte addresses, counts ELEMENTS.
// `savedPtr` holds [mean[C], invstd[C]] for the backward. weightPtr / biasPtr may be 0 (affine off).
//
// Note [batch norm sums]: the per-channel sums (Σx, Σ(x − mean)², Σdy, Σdy·(x − mean)) run on
// f32x4 lanes within one row of `spatial` floats (Σx is reduce.ts's rowSum; four or two
// accumulators, so each lane sums spatial/16 or spatial/8 values) and add the rows in f64, with two
// passes for the variance (the mean first, then the squares around it). So a row's error is that
// of a sum of at most spatial/8 floats, never of N·spatial,
// and the element loops are four floats an instruction instead of the two of f64x2 (they were
// the cost: 1.8 ms forward and 2.6 ms backward on the resnet suite's [64, 32, 32, 32] on Zen 5,
// five times a ReLU's pass over the same tensor). A channel's rows (N·spatial·4 bytes: 256 KiB
// there) are read again by the second and third passes while they are in L2.
//
// Note [batch norm relu]: batchNormRelu's forward clamps y at 0 in the normalising pass, and its
// backward takes the ReLU's output y and masks dy by y > 0 as it reads it (`yPtr` ≠ 0), so neither
// the ReLU's output pass nor its backward's [N, C, spatial] gradient is written. The masked dy is
// exactly reluBackward's, so the results are bit for bit batchNorm → relu and reluBackward →
// batchNormBackward (test/fused.test.ts).
import { rowSum } from './reduce';

/** The total of four f32x4 accumulators: added in f32 lane by lane, then the four lanes in f64. */
// @ts-ignore: decorator
@inline function laneTotal(a: v128, b: v128, c: v128, d: v128): f64 {
  const s = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  return <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
}

/** Σ (x − m)² over one row (Note [batch norm sums]). */
// @ts-ignore: decorator
@inline function rowSquares(rowPtr: usize, count: i32, m: f32): f64 {
  const vm = f32x4.splat(m);
  let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const p = rowPtr + (<usize>i << 2);
    const d0 = f32x4.sub(v128.load(p), vm), d1 = f32x4.sub(v128.load(p, 16), vm);
    const d2 = f32x4.sub(v128.load(p, 32), vm), d3 = f32x4.sub(v128.load(p, 48), vm);
    a = f32x4.add(a, f32x4.mul(d0, d0));
    b = f32x4.add(b, f32x4.mul(d1, d1));
    c = f32x4.add(c, f32x4.mul(d2, d2));
    d = f32x4.add(d, f32x4.mul(d3, d3));
  }
  for (; i + 4 <= count; i += 4) {
    const d0 = f32x4.sub(v128.load(rowPtr + (<usize>i << 2)), vm);
    a = f32x4.add(a, f32x4.mul(d0, d0));
  }
  let s = laneTotal(a, b, c, d);
  for (; i < count; i++) {
    const e = <f64>(load<f32>(rowPtr + (<usize>i << 2)) - m);
    s += e * e;
  }
  return s;
}

/**
 * Batch norm forward of channels [cBegin, cEnd). Training: normalise with batch statistics (biased
 * variance) and update the running stats in place with the unbiased variance (PyTorch). Eval:
 * normalise with the running statistics. With `relu`, y = max(bn(x), 0) (Note [batch norm relu]).
 *
 * Note [batch norm block]: the arguments come in a block because the worker pool passes i32
 * arguments only: i32 x, y, runningMean, runningVar, weight, bias, saved, n, c, spatial, training,
 * relu at bytes 0..44, then f64 eps at 48 and momentum at 56. Channels are independent, so a split
 * over channels changes no result.
 */
export function batchNormChannels(blockPtr: usize, cBegin: i32, cEnd: i32): void {
  batchNormRange(
    load<u32>(blockPtr), load<u32>(blockPtr, 4), load<u32>(blockPtr, 8), load<u32>(blockPtr, 12), load<u32>(blockPtr, 16),
    load<u32>(blockPtr, 20), load<u32>(blockPtr, 24), load<i32>(blockPtr, 28), load<i32>(blockPtr, 32), load<i32>(blockPtr, 36),
    load<f64>(blockPtr, 48), load<f64>(blockPtr, 56), load<i32>(blockPtr, 40) != 0, load<i32>(blockPtr, 44) != 0, cBegin, cEnd,
  );
}

function batchNormRange(
  xPtr: usize, yPtr: usize, runningMeanPtr: usize, runningVarPtr: usize, weightPtr: usize, biasPtr: usize,
  savedPtr: usize, n: i32, c: i32, spatial: i32, eps: f64, momentum: f64, training: bool, relu: bool, cBegin: i32, cEnd: i32,
): void {
  const count = <f64>n * <f64>spatial;
  for (let ch = cBegin; ch < cEnd; ch++) {
    let mean: f64, invstd: f64;
    if (training) {
      let s: f64 = 0;
      for (let b = 0; b < n; b++) s += <f64>rowSum(xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2), spatial);
      mean = s / count;
      // The squares are taken around the f32 mean m; Σ(x − mean)² = Σ(x − m)² − count·(mean − m)².
      const m = <f32>mean;
      let ss: f64 = 0;
      for (let b = 0; b < n; b++) ss += rowSquares(xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2), spatial, m);
      const shift = mean - <f64>m;
      ss = max(0, ss - count * shift * shift);
      const variance = ss / count;
      invstd = 1 / Math.sqrt(variance + eps);
      const unbiased = count > 1 ? ss / (count - 1) : variance;
      const rmPtr = runningMeanPtr + (<usize>ch << 2);
      const rvPtr = runningVarPtr + (<usize>ch << 2);
      store<f32>(rmPtr, <f32>((1 - momentum) * <f64>load<f32>(rmPtr) + momentum * mean));
      store<f32>(rvPtr, <f32>((1 - momentum) * <f64>load<f32>(rvPtr) + momentum * unbiased));
    } else {
      mean = <f64>load<f32>(runningMeanPtr + (<usize>ch << 2));
      invstd = 1 / Math.sqrt(<f64>load<f32>(runningVarPtr + (<usize>ch << 2)) + eps);
    }
    store<f32>(savedPtr + (<usize>ch << 2), <f32>mean);
    store<f32>(savedPtr + (<usize>(c + ch) << 2), <f32>invstd);
    const gamma: f64 = weightPtr ? <f64>load<f32>(weightPtr + (<usize>ch << 2)) : 1;
    const beta: f64 = biasPtr ? <f64>load<f32>(biasPtr + (<usize>ch << 2)) : 0;
    const scale = <f32>(gamma * invstd);
    const shift = <f32>(beta - mean * gamma * invstd);
    // The fused ReLU keeps v where v > 0 and writes +0 elsewhere (NaN too), as the relu kernel:
    // y = v & (v > 0 | keep), keep all ones without the ReLU.
    const vscale = f32x4.splat(scale), vshift = f32x4.splat(shift), vzero = f32x4.splat(0);
    const vkeep = i32x4.splat(relu ? 0 : -1);
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let i = 0;
      // y = x·scale + shift, rounded as the scalar f32 expression (mul, then add).
      for (; i + 4 <= spatial; i += 4) {
        const p = off + (<usize>i << 2);
        const v = f32x4.add(f32x4.mul(v128.load(xPtr + p), vscale), vshift);
        v128.store(yPtr + p, v128.and(v, v128.or(f32x4.gt(v, vzero), vkeep)));
      }
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const v = load<f32>(xPtr + p) * scale + shift;
        store<f32>(yPtr + p, relu && !(v > 0) ? 0 : v);
      }
    }
  }
}

/** One element of g: dy masked by y > 0 when yPtr ≠ 0 (the fused ReLU's backward), else dy. */
// @ts-ignore: decorator
@inline function maskedAt(dyPtr: usize, yPtr: usize, p: usize): f32 {
  return yPtr && !(load<f32>(yPtr + p) > 0) ? <f32>0 : load<f32>(dyPtr + p);
}

/** dy masked by y > 0 when `keep` is all zeros (the fused ReLU's backward), dy itself when all ones. */
// @ts-ignore: decorator
@inline function masked(dy: v128, y: v128, keep: v128): v128 {
  return v128.and(dy, v128.or(f32x4.gt(y, f32x4.splat(0)), keep));
}

/**
 * dbias = Σ g, dweight = Σ g·x̂, with g = dy, or with `yPtr` ≠ 0 the ReLU's backward of dy (g = y > 0 ?
 * dy : 0, y batchNormRelu's output: Note [batch norm relu]). Training: dx = γ·invstd·(g − dbias/M −
 * x̂·dweight/M), M = N·spatial, evaluated as a·g + b·(x − mean) + c in f32 with a, b, c per channel
 * from the f64 sums (Note [batch norm sums]). Eval: the statistics are constants, dx = γ·invstd·g.
 * Channels [cBegin, cEnd) (a thread's share; [0, c) for all).
 */
export function batchNormBackward(
  dyPtr: usize, yPtr: usize, xPtr: usize, savedPtr: usize, weightPtr: usize, dxPtr: usize, dweightPtr: usize, dbiasPtr: usize,
  n: i32, c: i32, spatial: i32, training: bool, cBegin: i32, cEnd: i32,
): void {
  const count = <f64>n * <f64>spatial;
  // Without the ReLU the mask reads dy again (the same cache lines) and is ignored.
  const maskPtr = yPtr ? yPtr : dyPtr;
  const keep = i32x4.splat(yPtr ? 0 : -1);
  for (let ch = cBegin; ch < cEnd; ch++) {
    const m = load<f32>(savedPtr + (<usize>ch << 2));
    const invstd = <f64>load<f32>(savedPtr + (<usize>(c + ch) << 2));
    const vm = f32x4.splat(m);
    let sdy: f64 = 0, sdyc: f64 = 0;
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let i = 0;
      for (; i + 8 <= spatial; i += 8) {
        const p = off + (<usize>i << 2);
        const g0 = masked(v128.load(dyPtr + p), v128.load(maskPtr + p), keep);
        const g1 = masked(v128.load(dyPtr + p, 16), v128.load(maskPtr + p, 16), keep);
        a0 = f32x4.add(a0, g0);
        a1 = f32x4.add(a1, g1);
        b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.sub(v128.load(xPtr + p), vm)));
        b1 = f32x4.add(b1, f32x4.mul(g1, f32x4.sub(v128.load(xPtr + p, 16), vm)));
      }
      for (; i + 4 <= spatial; i += 4) {
        const p = off + (<usize>i << 2);
        const g0 = masked(v128.load(dyPtr + p), v128.load(maskPtr + p), keep);
        a0 = f32x4.add(a0, g0);
        b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.sub(v128.load(xPtr + p), vm)));
      }
      const zero = f32x4.splat(0);
      sdy += laneTotal(a0, a1, zero, zero);
      sdyc += laneTotal(b0, b1, zero, zero);
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const g = maskedAt(dyPtr, yPtr, p);
        sdy += <f64>g;
        sdyc += <f64>(g * (load<f32>(xPtr + p) - m));
      }
    }
    const sdyxhat = sdyc * invstd;
    store<f32>(dbiasPtr + (<usize>ch << 2), <f32>sdy);
    store<f32>(dweightPtr + (<usize>ch << 2), <f32>sdyxhat);
    const gamma: f64 = weightPtr ? <f64>load<f32>(weightPtr + (<usize>ch << 2)) : 1;
    const k = gamma * invstd;
    const ka = <f32>k;
    const kb = training ? <f32>(-k * invstd * (sdyxhat / count)) : <f32>0;
    const kc = training ? <f32>(-k * (sdy / count)) : <f32>0;
    const va = f32x4.splat(ka), vb = f32x4.splat(kb), vc = f32x4.splat(kc);
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let i = 0;
      if (training) {
        for (; i + 4 <= spatial; i += 4) {
          const p = off + (<usize>i << 2);
          const g = masked(v128.load(dyPtr + p), v128.load(maskPtr + p), keep);
          v128.store(dxPtr + p, f32x4.add(f32x4.add(f32x4.mul(va, g), f32x4.mul(vb, f32x4.sub(v128.load(xPtr + p), vm))), vc));
        }
      } else {
        // Eval: x is not read (an inf there must not turn 0·inf into NaN).
        for (; i + 4 <= spatial; i += 4) {
          const p = off + (<usize>i << 2);
          v128.store(dxPtr + p, f32x4.mul(va, masked(v128.load(dyPtr + p), v128.load(maskPtr + p), keep)));
        }
      }
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const g = maskedAt(dyPtr, yPtr, p);
        store<f32>(dxPtr + p, training ? ka * g + kb * (load<f32>(xPtr + p) - m) + kc : ka * g);
      }
    }
  }
}
