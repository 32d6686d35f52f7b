// Fused optimizer steps, in place over `count` contiguous parameters (a thread may take a slice
// by offsetting every pointer). PyTorch semantics (torch.optim.SGD / Adam / AdamW, single-tensor
// path); per-element arithmetic in f64, rounded once to f32. Pointers are byte addresses.

/**
 * d = g + wd·p; with momentum: buf = firstStep ? d : μ·buf + (1−dampening)·d, and
 * d = nesterov ? d + μ·buf : buf; then p −= lr·d. bufPtr is 0 when momentum is 0.
 */
export function sgdStep(
  paramPtr: usize, gradPtr: usize, bufPtr: usize, count: i32,
  lr: f64, momentum: f64, dampening: f64, nesterov: bool, weightDecay: f64, firstStep: bool,
): void {
  const useMomentum = momentum != 0 && bufPtr != 0;
  for (let i = 0; i < count; i++) {
    const off = <usize>i << 2;
    const p = <f64>load<f32>(paramPtr + off);
    let d = <f64>load<f32>(gradPtr + off);
    if (weightDecay != 0) d += weightDecay * p;
    if (useMomentum) {
      let buf: f64 = firstStep ? d : momentum * <f64>load<f32>(bufPtr + off) + (1 - dampening) * d;
      const bufF32 = <f32>buf;
      store<f32>(bufPtr + off, bufF32);
      buf = <f64>bufF32;
      d = nesterov ? d + momentum * buf : buf;
    }
    store<f32>(paramPtr + off, <f32>(p - lr * d));
  }
}

/**
 * Adam / AdamW: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps).
 * Adam adds wd·p to g; AdamW (decoupled) first scales p by (1 − lr·wd).
 */
export function adamStep(
  paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, count: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, step: f64,
): void {
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  for (let i = 0; i < count; i++) {
    const off = <usize>i << 2;
    let p = <f64>load<f32>(paramPtr + off);
    let g = <f64>load<f32>(gradPtr + off);
    if (weightDecay != 0) {
      if (decoupled) p = <f64><f32>(p * (1 - lr * weightDecay));
      else g += weightDecay * p;
    }
    const m = <f64><f32>(beta1 * <f64>load<f32>(mPtr + off) + (1 - beta1) * g);
    const v = <f64><f32>(beta2 * <f64>load<f32>(vPtr + off) + (1 - beta2) * g * g);
    store<f32>(mPtr + off, <f32>m);
    store<f32>(vPtr + off, <f32>v);
    store<f32>(paramPtr + off, <f32>(p - stepSize * m / (Math.sqrt(v) / bias2Sqrt + eps)));
  }
}
