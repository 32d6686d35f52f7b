// Batch norm over x viewed as [N, C, spatial]. Pointers are byte addresses, counts ELEMENTS.
// Statistics accumulate in f64 (two passes), so large N·spatial does not lose precision.
// `savedPtr` holds [mean[C], invstd[C]] for the backward. weightPtr / biasPtr may be 0 (affine off).

/**
 * Training: normalise with batch statistics (biased variance) and update the running stats in
 * place with the unbiased variance (PyTorch). Eval: normalise with the running statistics.
 */
export function batchNorm(
  xPtr: usize, yPtr: usize, runningMeanPtr: usize, runningVarPtr: usize, weightPtr: usize, biasPtr: usize,
  savedPtr: usize, n: i32, c: i32, spatial: i32, eps: f64, momentum: f64, training: bool,
): void {
  const count = <f64>n * <f64>spatial;
  for (let ch = 0; ch < c; ch++) {
    let mean: f64, invstd: f64;
    if (training) {
      let s: f64 = 0;
      for (let b = 0; b < n; b++) {
        const rowPtr = xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2);
        for (let i = 0; i < spatial; i++) s += <f64>load<f32>(rowPtr + (<usize>i << 2));
      }
      mean = s / count;
      let ss: f64 = 0;
      for (let b = 0; b < n; b++) {
        const rowPtr = xPtr + ((<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2);
        for (let i = 0; i < spatial; i++) {
          const d = <f64>load<f32>(rowPtr + (<usize>i << 2)) - mean;
          ss += d * d;
        }
      }
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
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      for (let i = 0; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        store<f32>(yPtr + p, load<f32>(xPtr + p) * scale + shift);
      }
    }
  }
}

/**
 * dbias = Σ dy, dweight = Σ dy·x̂. Training: dx = γ·invstd·(dy − dbias/M − x̂·dweight/M), M = N·spatial.
 * Eval: the statistics are constants, dx = γ·invstd·dy.
 */
export function batchNormBackward(
  dyPtr: usize, xPtr: usize, savedPtr: usize, weightPtr: usize, dxPtr: usize, dweightPtr: usize, dbiasPtr: usize,
  n: i32, c: i32, spatial: i32, training: bool,
): void {
  const count = <f64>n * <f64>spatial;
  for (let ch = 0; ch < c; ch++) {
    const mean = <f64>load<f32>(savedPtr + (<usize>ch << 2));
    const invstd = <f64>load<f32>(savedPtr + (<usize>(c + ch) << 2));
    let sdy: f64 = 0, sdyxhat: f64 = 0;
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      for (let i = 0; i < spatial; i++) {
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
    for (let b = 0; b < n; b++) {
      const off = (<usize>b * <usize>c + <usize>ch) * <usize>spatial << 2;
      for (let i = 0; i < spatial; i++) {
        const p = off + (<usize>i << 2);
        const xhat = (<f64>load<f32>(xPtr + p) - mean) * invstd;
        store<f32>(dxPtr + p, <f32>(k * (<f64>load<f32>(dyPtr + p) - meanDy - xhat * meanDyXhat)));
      }
    }
  }
}
