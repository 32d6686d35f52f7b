// Batch norm over x viewed as [N, C, spatial]. Pointers are byte addresses, counts ELEMENTS.
// Statistics accumulate in f64 (two passes), so large N·spatial does not lose precision; the
// passes run on f64x2 pairs (two accumulators each, four floats a step) and a scalar tail.
// `savedPtr` holds [mean[C], invstd[C]] for the backward. weightPtr / biasPtr may be 0 (affine off).

/** Σ x over one row of `count` floats, in f64. */
// @ts-ignore: decorator
@inline function rowSum(rowPtr: usize, count: i32): f64 {
  let va = f64x2.splat(0), vb = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(rowPtr + (<usize>i << 2));
    va = f64x2.add(va, f64x2.promote_low_f32x4(v));
    vb = f64x2.add(vb, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  const vs = f64x2.add(va, vb);
  let s = f64x2.extract_lane(vs, 0) + f64x2.extract_lane(vs, 1);
  for (; i < count; i++) s += <f64>load<f32>(rowPtr + (<usize>i << 2));
  return s;
}

/** Σ (x − mean)² over one row, in f64. */
// @ts-ignore: decorator
@inline function rowSquares(rowPtr: usize, count: i32, mean: f64): f64 {
  const vmean = f64x2.splat(mean);
  let va = f64x2.splat(0), vb = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const v = v128.load(rowPtr + (<usize>i << 2));
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), vmean);
    const d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), vmean);
    va = f64x2.add(va, f64x2.mul(d0, d0));
    vb = f64x2.add(vb, f64x2.mul(d1, d1));
  }
  const vs = f64x2.add(va, vb);
  let s = f64x2.extract_lane(vs, 0) + f64x2.extract_lane(vs, 1);
  for (; i < count; i++) {
    const d = <f64>load<f32>(rowPtr + (<usize>i << 2)) - mean;
    s += d * d;
  }
  return s;
}

/**
 * Batch norm forward of channels [cBegin, cEnd). Training: normalise with batch statistics (biased
 * variance) and update the running stats in place with the unbiased variance (PyTorch). Eval:
 * normalise with the running statistics.
 *
 * Note [batch norm block]: the arguments come in a block because the worker pool passes i32
 * arguments only: i32 x, y, runningMean, runningVar, weight, bias, saved, n, c, spatial, training
 * at bytes 0..40, then f64 eps at 48 and momentum at 56. Channels are independent, so a split over
 * channels changes no result.
 */
export function batchNormChannels(blockPtr: usize, cBegin: i32, cEnd: i32): void {
  batchNormRange(
    load<u32>(blockPtr), load<u32>(blockPtr, 4), load<u32>(blockPtr, 8), load<u32>(blockPtr, 12), load<u32>(blockPtr, 16),
    load<u32>(blockPtr, 20), load<u32>(blockPtr, 24), load<i32>(blockPtr, 28), load<i32>(blockPtr, 32), load<i32>(blockPtr, 36),
    load<f64>(blockPtr, 48), load<f64>(blockPtr, 56), load<i32>(blockPtr, 40) != 0, cBegin, cEnd,
  );
}

function batchNormRange(
  xPtr: usize, yPtr: usize, runningMeanPtr: usize, runningVarPtr: usize, weightPtr: usize, biasPtr: usize,
  savedPtr: usize, n: i32, c: i32, spatial: i32, eps: f64, momentum: f64, training: bool, cBegin: i32, cEnd: i32,
): void {
  const count = <f64>n * <f64>spatial;
  for (let ch = cBegin; ch < cEnd; ch++) {
    let mean: f64, invstd: f64;
    if (training) {
      let s: f64 = 0;
      for (let b = 0; b < n; b++) s += rowSum(xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2), spatial);
      mean = s / count;
      let ss: f64 = 0;
      for (let b = 0; b < n; b++) ss += rowSquares(xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2), spatial, mean);
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
    const vscale = f32x4.splat(scale), vshift = f32x4.splat(shift);
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let i = 0;
      // y = x·scale + shift, rounded as the scalar f32 expression (mul, then add).
      for (; i + 4 <= spatial; i += 4) {
        const p = off + (<usize>i << 2);
        v128.store(yPtr + p, f32x4.add(f32x4.mul(v128.load(xPtr + p), vscale), vshift));
      }
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        store<f32>(yPtr + p, load<f32>(xPtr + p) * scale + shift);
      }
    }
  }
}

/**
 * dbias = Σ dy, dweight = Σ dy·x̂. Training: dx = γ·invstd·(dy − dbias/M − x̂·dweight/M), M = N·spatial.
 * Eval: the statistics are constants, dx = γ·invstd·dy. All in f64, per element as the scalar
 * formula; the sums on f64x2 pairs. Channels [cBegin, cEnd) (a thread's share; [0, c) for all).
 */
export function batchNormBackward(
  dyPtr: usize, xPtr: usize, savedPtr: usize, weightPtr: usize, dxPtr: usize, dweightPtr: usize, dbiasPtr: usize,
  n: i32, c: i32, spatial: i32, training: bool, cBegin: i32, cEnd: i32,
): void {
  const count = <f64>n * <f64>spatial;
  for (let ch = cBegin; ch < cEnd; ch++) {
    const mean = <f64>load<f32>(savedPtr + (<usize>ch << 2));
    const invstd = <f64>load<f32>(savedPtr + (<usize>(c + ch) << 2));
    const vmean = f64x2.splat(mean), vinvstd = f64x2.splat(invstd);
    let sdy: f64 = 0, sdyxhat: f64 = 0;
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let vdy = f64x2.splat(0), vdyx = f64x2.splat(0);
      let i = 0;
      for (; i + 4 <= spatial; i += 4) {
        const p = off + (<usize>i << 2);
        const dy4 = v128.load(dyPtr + p), x4 = v128.load(xPtr + p);
        const dy0 = f64x2.promote_low_f32x4(dy4), dy1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(dy4, dy4, 2, 3, 0, 1));
        const xh0 = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(x4), vmean), vinvstd);
        const xh1 = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x4, x4, 2, 3, 0, 1)), vmean), vinvstd);
        vdy = f64x2.add(vdy, f64x2.add(dy0, dy1));
        vdyx = f64x2.add(vdyx, f64x2.add(f64x2.mul(dy0, xh0), f64x2.mul(dy1, xh1)));
      }
      sdy += f64x2.extract_lane(vdy, 0) + f64x2.extract_lane(vdy, 1);
      sdyxhat += f64x2.extract_lane(vdyx, 0) + f64x2.extract_lane(vdyx, 1);
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const dy = <f64>load<f32>(dyPtr + p);
        sdy += dy;
        sdyxhat += dy * (<f64>load<f32>(xPtr + p) - mean) * invstd;
      }
    }
    store<f32>(dbiasPtr + (<usize>ch << 2), <f32>sdy);
    store<f32>(dweightPtr + (<usize>ch << 2), <f32>sdyxhat);
    const gamma: f64 = weightPtr ? <f64>load<f32>(weightPtr + (<usize>ch << 2)) : 1;
    const k = gamma * invstd;
    const meanDy = training ? sdy / count : 0;
    const meanDyXhat = training ? sdyxhat / count : 0;
    const vk = f64x2.splat(k), vmeanDy = f64x2.splat(meanDy), vmeanDyXhat = f64x2.splat(meanDyXhat);
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      let i = 0;
      for (; i + 4 <= spatial; i += 4) {
        const p = off + (<usize>i << 2);
        const dy4 = v128.load(dyPtr + p), x4 = v128.load(xPtr + p);
        const xh0 = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(x4), vmean), vinvstd);
        const xh1 = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x4, x4, 2, 3, 0, 1)), vmean), vinvstd);
        const dx0 = f64x2.mul(vk, f64x2.sub(f64x2.sub(f64x2.promote_low_f32x4(dy4), vmeanDy), f64x2.mul(xh0, vmeanDyXhat)));
        const dx1 = f64x2.mul(vk, f64x2.sub(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(dy4, dy4, 2, 3, 0, 1)), vmeanDy), f64x2.mul(xh1, vmeanDyXhat)));
        // f32x4.demote_f64x2_zero puts the two results in lanes 0-1 (zeros above): combine both halves.
        v128.store(dxPtr + p, v128.shuffle<f32>(f32x4.demote_f64x2_zero(dx0), f32x4.demote_f64x2_zero(dx1), 0, 1, 4, 5));
      }
      for (; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const xhat = (<f64>load<f32>(xPtr + p) - mean) * invstd;
        store<f32>(dxPtr + p, <f32>(k * (<f64>load<f32>(dyPtr + p) - meanDy - xhat * meanDyXhat)));
      }
    }
  }
}
