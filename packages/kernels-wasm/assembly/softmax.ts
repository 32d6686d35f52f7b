// Log-softmax over the last axis of x viewed as [rows, cols], its backward, and the fused
// cross-entropy with label smoothing. Pointers are byte addresses, counts ELEMENTS.
// Row sums accumulate in f64: rows are short (classes) and this keeps the loss close to the
// reference backend. Scalar: a tiny share of a step (performance compromise).

/** y[r] = x[r] − max(x[r]) − log Σ exp(x[r] − max). y may alias x. */
export function logSoftmax(xPtr: usize, yPtr: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xRowPtr = xPtr + (<usize>r * <usize>cols << 2);
    const yRowPtr = yPtr + (<usize>r * <usize>cols << 2);
    let m: f32 = -Infinity;
    for (let c = 0; c < cols; c++) m = max(m, load<f32>(xRowPtr + (<usize>c << 2)));
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(<f64>load<f32>(xRowPtr + (<usize>c << 2)) - <f64>m);
    const shift = <f64>m + Math.log(s);
    for (let c = 0; c < cols; c++) {
      store<f32>(yRowPtr + (<usize>c << 2), <f32>(<f64>load<f32>(xRowPtr + (<usize>c << 2)) - shift));
    }
  }
}

/** dx = dy − exp(y) · Σ dy, per row. */
export function logSoftmaxBackward(dyPtr: usize, yPtr: usize, dxPtr: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += <f64>load<f32>(dyPtr + off + (<usize>c << 2));
    for (let c = 0; c < cols; c++) {
      const p = off + (<usize>c << 2);
      store<f32>(dxPtr + p, <f32>(<f64>load<f32>(dyPtr + p) - Math.exp(<f64>load<f32>(yPtr + p)) * s));
    }
  }
}

/**
 * logp = logSoftmax(logits); loss[r] = −Σ_c q[r,c]·logp[r,c] with
 * q = (1−ε)·onehot(target[r]) + ε/cols. targets hold class indices as f32.
 */
export function crossEntropy(logitsPtr: usize, targetsPtr: usize, lossPtr: usize, logpPtr: usize, rows: i32, cols: i32, smoothing: f64): void {
  logSoftmax(logitsPtr, logpPtr, rows, cols);
  for (let r = 0; r < rows; r++) {
    const rowPtr = logpPtr + (<usize>r * <usize>cols << 2);
    const t = <i32>load<f32>(targetsPtr + (<usize>r << 2));
    let sumLogp: f64 = 0;
    for (let c = 0; c < cols; c++) sumLogp += <f64>load<f32>(rowPtr + (<usize>c << 2));
    const target = t >= 0 && t < cols ? <f64>load<f32>(rowPtr + (<usize>t << 2)) : 0;
    const loss = -((1 - smoothing) * target + (smoothing / <f64>cols) * sumLogp);
    store<f32>(lossPtr + (<usize>r << 2), <f32>loss);
  }
}

/** dlogits[r, c] = dloss[r] · (exp(logp[r, c]) − q[r, c]). */
export function crossEntropyBackward(dlossPtr: usize, logpPtr: usize, targetsPtr: usize, dxPtr: usize, rows: i32, cols: i32, smoothing: f64): void {
  const uniform = smoothing / <f64>cols;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const g = <f64>load<f32>(dlossPtr + (<usize>r << 2));
    const t = <i32>load<f32>(targetsPtr + (<usize>r << 2));
    for (let c = 0; c < cols; c++) {
      const p = off + (<usize>c << 2);
      const q = c == t ? 1 - smoothing + uniform : uniform;
      store<f32>(dxPtr + p, <f32>(g * (Math.exp(<f64>load<f32>(logpPtr + p)) - q)));
    }
  }
}
