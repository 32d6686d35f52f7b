// Fused optimizer steps, in place over `count` contiguous parameters (a thread may take a slice
// by offsetting every pointer). Pointers are byte addresses.
//
// Arithmetic is float32, in the order of PyTorch's single-tensor path (torch.optim.SGD / Adam /
// AdamW, `foreach=False`), so that the rounding matches PyTorch rather than the float64
// reference backend. Per-call scalars (step size, bias corrections) are computed once in f64 and
// rounded to f32, as PyTorch does when it passes a Python float to a float32 kernel.
// f32x4 over the bulk; the count % 4 tail runs the same lane code on one splatted element
// (v128.load32_splat / store32_lane), so bulk and tail cannot drift apart.

/** A vector of 4 elements (`full`) or one element splatted, so one body serves bulk and tail. */
// @ts-ignore: decorator
@inline function load4(ptr: usize, full: bool): v128 {
  return full ? v128.load(ptr) : v128.load32_splat(ptr);
}

// @ts-ignore: decorator
@inline function store4(ptr: usize, v: v128, full: bool): void {
  if (full) v128.store(ptr, v);
  else v128.store32_lane(ptr, v, 0);
}

/** One SGD update of 4 elements (`full`) or of one; see sgdStep. */
// @ts-ignore: decorator
@inline function sgdLanes(
  paramPtr: usize, gradPtr: usize, bufPtr: usize, full: bool, useDecay: bool, useMomentum: bool, nesterov: bool,
  firstStep: bool, vnegLr: v128, vmomentum: v128, vdamp: v128, vwd: v128,
): void {
  const vp = load4(paramPtr, full);
  let vd = load4(gradPtr, full);
  if (useDecay) vd = f32x4.add(vd, f32x4.mul(vwd, vp)); // grad.add(param, alpha=wd)
  if (useMomentum) {
    let vbuf = vd; // first step: torch.clone(d_p)
    if (!firstStep) vbuf = f32x4.add(f32x4.mul(load4(bufPtr, full), vmomentum), f32x4.mul(vdamp, vd));
    store4(bufPtr, vbuf, full);
    vd = nesterov ? f32x4.add(vd, f32x4.mul(vmomentum, vbuf)) : vbuf;
  }
  store4(paramPtr, f32x4.add(vp, f32x4.mul(vnegLr, vd)), full); // param.add_(d_p, alpha=-lr)
}

/**
 * d = g + wd·p; with momentum: buf = firstStep ? d : μ·buf + (1−dampening)·d, and
 * d = nesterov ? d + μ·buf : buf; then p −= lr·d. bufPtr is 0 when momentum is 0.
 */
export function sgdStep(
  paramPtr: usize, gradPtr: usize, bufPtr: usize, count: i32,
  lr: f64, momentum: f64, dampening: f64, nesterov: bool, weightDecay: f64, firstStep: bool,
): void {
  const useMomentum = momentum != 0 && bufPtr != 0;
  const useDecay = weightDecay != 0;
  const vnegLr = f32x4.splat(<f32>-lr);
  const vmomentum = f32x4.splat(<f32>momentum);
  const vdamp = f32x4.splat(<f32>(1 - dampening));
  const vwd = f32x4.splat(<f32>weightDecay);
  const bulkBytes = <usize>(count & ~3) << 2;
  const endBytes = <usize>count << 2;
  let off: usize = 0;
  for (; off < bulkBytes; off += 16) {
    sgdLanes(paramPtr + off, gradPtr + off, bufPtr + off, true, useDecay, useMomentum, nesterov, firstStep,
      vnegLr, vmomentum, vdamp, vwd);
  }
  for (; off < endBytes; off += 4) {
    sgdLanes(paramPtr + off, gradPtr + off, bufPtr + off, false, useDecay, useMomentum, nesterov, firstStep,
      vnegLr, vmomentum, vdamp, vwd);
  }
}

/** One Adam update of 4 elements (`full`) or of one; see adamStep. */
// @ts-ignore: decorator
@inline function adamLanes(
  paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, full: bool, coupledDecay: bool, decoupledDecay: bool,
  vdecay: v128, vwd: v128, vw1: v128, vbeta2: v128, vw2: v128, vnegStepSize: v128, vbias2Sqrt: v128, veps: v128,
): void {
  let vp = load4(paramPtr, full);
  let vg = load4(gradPtr, full);
  if (decoupledDecay) vp = f32x4.mul(vp, vdecay); // param.mul_(1 - lr·wd)
  if (coupledDecay) vg = f32x4.add(vg, f32x4.mul(vwd, vp)); // grad.add(param, alpha=wd)
  let vm = load4(mPtr, full);
  vm = f32x4.add(vm, f32x4.mul(vw1, f32x4.sub(vg, vm))); // exp_avg.lerp_(grad, 1 - β1)
  // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1 - β2)
  const vv = f32x4.add(f32x4.mul(load4(vPtr, full), vbeta2), f32x4.mul(f32x4.mul(vw2, vg), vg));
  const vdenom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbias2Sqrt), veps);
  store4(mPtr, vm, full);
  store4(vPtr, vv, full);
  // param.addcdiv_(exp_avg, denom, value=-step_size), which computes p + (value·m) / denom
  store4(paramPtr, f32x4.add(vp, f32x4.div(f32x4.mul(vnegStepSize, vm), vdenom)), full);
}

/**
 * Adam / AdamW: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps).
 * Adam adds wd·p to g; AdamW (decoupled) first scales p by (1 − lr·wd).
 * NOTE: m is updated as PyTorch's `exp_avg.lerp_(grad, 1 − β1)`, i.e. m + (1−β1)·(g − m) (its
 * formula for weights below 0.5, so for every β1 > 0.5), not β1·m + (1−β1)·g; equal in exact
 * arithmetic, a rounding apart in f32.
 */
export function adamStep(
  paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, count: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, step: f64,
): void {
  const coupledDecay = weightDecay != 0 && !decoupled;
  const decoupledDecay = weightDecay != 0 && decoupled;
  const vdecay = f32x4.splat(<f32>(1 - lr * weightDecay));
  const vwd = f32x4.splat(<f32>weightDecay);
  const vw1 = f32x4.splat(<f32>(1 - beta1));
  const vbeta2 = f32x4.splat(<f32>beta2);
  const vw2 = f32x4.splat(<f32>(1 - beta2));
  const vnegStepSize = f32x4.splat(<f32>(-lr / (1 - Math.pow(beta1, step))));
  const vbias2Sqrt = f32x4.splat(<f32>Math.sqrt(1 - Math.pow(beta2, step)));
  const veps = f32x4.splat(<f32>eps);
  const bulkBytes = <usize>(count & ~3) << 2;
  const endBytes = <usize>count << 2;
  let off: usize = 0;
  for (; off < bulkBytes; off += 16) {
    adamLanes(paramPtr + off, gradPtr + off, mPtr + off, vPtr + off, true, coupledDecay, decoupledDecay,
      vdecay, vwd, vw1, vbeta2, vw2, vnegStepSize, vbias2Sqrt, veps);
  }
  for (; off < endBytes; off += 4) {
    adamLanes(paramPtr + off, gradPtr + off, mPtr + off, vPtr + off, false, coupledDecay, decoupledDecay,
      vdecay, vwd, vw1, vbeta2, vw2, vnegStepSize, vbias2Sqrt, veps);
  }
}

// Note [optimizer shares]: the worker pool passes i32 arguments only, so a share of a step takes
// elements [begin, end) and reads its f64 scalars from a block at argsPtr (written once
// per call by the backend); every element is updated by the same lane code as in one call (bulk
// and tail alike, see the header), so a split step is bit for bit the unsplit one. The block is
// 7 f64 (56 bytes; OPTIM_ARGS_BYTES in src/wasm-backend.ts).

/**
 * sgdStep over elements [begin, end) (every pointer offset by begin; bufPtr 0: no momentum), its
 * scalars at argsPtr as f64: lr, momentum, dampening, nesterov (0/1), weight decay, firstStep (0/1).
 */
export function sgdStepShare(paramPtr: usize, gradPtr: usize, bufPtr: usize, begin: i32, end: i32, argsPtr: usize): void {
  const off = <usize>begin << 2;
  sgdStep(
    paramPtr + off, gradPtr + off, bufPtr != 0 ? bufPtr + off : 0, end - begin,
    load<f64>(argsPtr), load<f64>(argsPtr, 8), load<f64>(argsPtr, 16), load<f64>(argsPtr, 24) != 0, load<f64>(argsPtr, 32),
    load<f64>(argsPtr, 40) != 0,
  );
}

/**
 * adamStep over elements [begin, end) (every pointer offset by begin), its scalars at argsPtr as
 * f64: lr, β1, β2, eps, weight decay, decoupled (0/1), step.
 */
export function adamStepShare(paramPtr: usize, gradPtr: usize, mPtr: usize, vPtr: usize, begin: i32, end: i32, argsPtr: usize): void {
  const off = <usize>begin << 2;
  adamStep(
    paramPtr + off, gradPtr + off, mPtr + off, vPtr + off, end - begin,
    load<f64>(argsPtr), load<f64>(argsPtr, 8), load<f64>(argsPtr, 16), load<f64>(argsPtr, 24), load<f64>(argsPtr, 32),
    load<f64>(argsPtr, 40) != 0, load<f64>(argsPtr, 48),
  );
}
