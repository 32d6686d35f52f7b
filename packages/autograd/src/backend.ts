/**
 * The contract between the autograd engine and a compute backend.
 *
 * Every kernel the ops need is a method here, so a backend that lacks one fails to compile
 * (no string registry, no run-time "kernel not registered"). The reference backend
 * (`createRefBackend`) is the spec; `describeBackend` in `@tapegrad/autograd/testing` runs every
 * method of another backend against it.
 *
 * Conventions for every method:
 * - Storages are flat, row-major, dense. A kernel never mutates its inputs unless its name ends in
 *   `InPlace` or it is an optimizer step; it returns freshly allocated storage the caller owns.
 * - Shapes are passed explicitly; the engine has already validated them (kernels may assume
 *   consistent sizes and need not produce user-facing errors).
 * - Element counts and offsets are in elements, never bytes.
 */

export type DType = 'float32' | 'float64';
export type Shape = readonly number[];

/** Opaque handle to backend memory. `size` is the element count. */
export interface Storage {
  readonly size: number;
}

/** Geometry of a 2-D convolution or pooling window over an NCHW input. conv1d uses h = kh = 1. */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number; // input [N, C, H, W]
  kh: number; kw: number;                    // window
  sh: number; sw: number;                    // stride
  ph: number; pw: number;                    // zero padding (each side)
  dh: number; dw: number;                    // dilation
  oh: number; ow: number;                    // output spatial size
}

/**
 * Geometry of a convolution: window geometry plus the number of output channels and groups.
 * Note [grouped convolution]: with G = groups (> 1), input channels [i·C/G, (i+1)·C/G) and output
 * channels [i·O/G, (i+1)·O/G) form group i, which is an ordinary convolution with weight rows
 * [i·O/G, (i+1)·O/G) of w [O, C/G, KH, KW] (PyTorch's layout). Depthwise: G = C. `c` stays the
 * whole input's channel count; C and O are multiples of G (the op has checked).
 */
export interface Conv2dGeometry extends ConvGeometry {
  o: number;       // output channels; weight is [O, C/groups, KH, KW]
  groups?: number; // absent: 1
}

/**
 * Batched GEMM: for each b < batch, C[b] = op(A[b]) · op(B[b]) (+ bias[n]) (then ReLU),
 * with op(A) of shape [m, k] and op(B) of shape [k, n]. `transA` means A[b] is stored as [k, m];
 * `transB` means B[b] is stored as [n, k]. Batch strides are in elements; 0 broadcasts the operand.
 * Output is dense [batch, m, n].
 */
export interface GemmParams {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  strideA: number; strideB: number;
  bias?: Storage;  // [n], added to every row
  relu?: boolean;  // applied after bias
}

export interface SgdParams {
  lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number;
  /** True on the first step that uses this momentum buffer (PyTorch initialises it to the gradient). */
  firstStep: boolean;
}

export interface AdamParams {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** AdamW: decay the weights directly (p -= lr·wd·p) instead of adding wd·p to the gradient. */
  decoupled: boolean;
  /** 1-based step count, for bias correction. */
  step: number;
}

export interface BatchNormParams {
  n: number; c: number; spatial: number; // x viewed as [N, C, spatial]
  eps: number; momentum: number; training: boolean;
}

export interface Backend {
  readonly name: string;
  readonly dtype: DType;

  // ---- memory ----
  /** Storage of `size` elements; contents unspecified. */
  alloc(size: number): Storage;
  fromArray(data: ArrayLike<number>): Storage;
  /** A row-major copy of the contents. */
  read(s: Storage): Float32Array | Float64Array;
  free(s: Storage): void;
  /** Bytes of storage currently allocated and not freed. */
  bytesInUse(): number;
  fill(size: number, value: number): Storage;
  /** Writes src into dst (same size) in place. */
  copyInPlace(dst: Storage, src: Storage): void;

  // ---- elementwise unary ----
  neg(x: Storage): Storage;
  exp(x: Storage): Storage;
  log(x: Storage): Storage;
  sqrt(x: Storage): Storage;
  abs(x: Storage): Storage;
  sign(x: Storage): Storage;
  relu(x: Storage): Storage;
  sigmoid(x: Storage): Storage;
  tanh(x: Storage): Storage;
  /** The error function 2/√π ∫₀ˣ e^(−t²) dt (`torch.erf`); ±1 beyond |x| ≥ 6, where it rounds to ±1 even in float64. */
  erf(x: Storage): Storage;
  /** dy where x > 0, else 0 (the subgradient at 0 is 0, as in PyTorch). */
  reluBackward(dy: Storage, x: Storage): Storage;

  // ---- elementwise binary, with NumPy broadcasting to outShape ----
  add(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  sub(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  mul(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  div(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  pow(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  /** 1 where a > b else 0. */
  greater(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  /** 1 where a == b else 0. */
  equal(a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  /** cond != 0 ? a : b, all three broadcast to outShape. */
  where(cond: Storage, condShape: Shape, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;

  // ---- reductions (output has the reduced axes removed; axes sorted, unique) ----
  sum(x: Storage, shape: Shape, axes: readonly number[]): Storage;
  max(x: Storage, shape: Shape, axes: readonly number[]): Storage;

  // ---- layout ----
  /** Materialises x broadcast to outShape. */
  broadcastTo(x: Storage, shape: Shape, outShape: Shape): Storage;
  permute(x: Storage, shape: Shape, perm: readonly number[]): Storage;
  /** Copies the box starting at `starts` with extent `sizes`. */
  slice(x: Storage, shape: Shape, starts: readonly number[], sizes: readonly number[]): Storage;
  /** Constant padding: before[i] and after[i] elements on each side of axis i. */
  pad(x: Storage, shape: Shape, before: readonly number[], after: readonly number[], value: number): Storage;
  concat(xs: readonly Storage[], shapes: readonly Shape[], axis: number): Storage;

  // ---- linear algebra and convolution ----
  gemm(a: Storage, b: Storage, p: GemmParams): Storage;
  /**
   * Note [im2col layout]: cols is [N, C·KH·KW, OH·OW]; row (c·KH + i)·KW + j of image n holds
   * x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw] at column oy·OW + ox (0 outside the input).
   * With this layout the forward conv is one batched GEMM, W[O, CKK] · cols[n], that writes NCHW.
   */
  im2col(x: Storage, g: ConvGeometry): Storage;
  /** The adjoint of im2col: scatters-adds cols [N, C·KH·KW, OH·OW] back into [N, C, H, W]. */
  col2im(cols: Storage, g: ConvGeometry): Storage;
  /** y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C/groups, KH, KW]) + bias[O] (Note [grouped convolution]). */
  conv2d(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry): Storage;
  /**
   * y = max(0, conv2d(x, w) + bias): the convolution with ReLU in its epilogue, for the fused op
   * `conv2dRelu` (Note [fused conv epilogue] in ops/conv2d-relu.ts). The reference is relu(conv2d).
   * `taped`: whether the tape keeps y for a backward pass (the op passes it; false: y only feeds
   * what comes next, and a backend may schedule it with its consumer, as the WASM backend's
   * Note [deferred conv]; undefined: not known). It never changes the values.
   */
  conv2dRelu(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry, taped?: boolean): Storage;
  /**
   * The backward of y = relu(conv + bias) up to the convolution's input: dx = dy where y > 0 (the
   * ReLU's backward; y its output or input), dbias[c] = Σ over n and s of dx[n, c, s], over
   * dy, y viewed as [N, C, S]. One pass instead of reluBackward then sum over [0, 2].
   */
  reluBackwardBias(dy: Storage, y: Storage, n: number, c: number, s: number): { dx: Storage; dbias: Storage };
  /**
   * maxPool2d(relu(conv2d(x, w) + bias)) for the fused op `conv2dReluMaxPool` (Note [fused conv
   * pool] in ops/conv2d-relu-maxpool.ts): `g` is the convolution's geometry, `pool` the pooling's
   * over the convolution's output ([N, O, OH, OW]). y and argmax are maxPool2d's (argmax
   * backend-private, for maxPoolReluBackwardBias). The reference is that composition.
   */
  conv2dReluMaxPool(x: Storage, w: Storage, bias: Storage | null, g: Conv2dGeometry, pool: ConvGeometry): { y: Storage; argmax: Storage };
  /**
   * The backward of y = maxPool2d(relu(pre)) up to pre, with the bias gradient: dx =
   * maxPool2dBackward(dy where y > 0, argmax) ([N, C, H, W] of `pool`), dbias[c] = Σ over n and
   * the plane of dx[n, c]. y and argmax are conv2dReluMaxPool's (or maxPool2d's of a ReLU output).
   */
  maxPoolReluBackwardBias(dy: Storage, argmax: Storage, y: Storage, pool: ConvGeometry): { dx: Storage; dbias: Storage };
  /**
   * The weight gradient of y = relu(conv2d(x, w) + bias) for the fused op `conv2dRelu` when x needs
   * no gradient (a first layer): dw = conv2dBackwardWeight(dpre, x) with dpre = dy where y > 0, and
   * with `withBias` dbias[o] = Σ over n and the plane of dpre (else null). A backend may compute dpre
   * image by image and never store it. The reference is reluBackwardBias (or reluBackward) then
   * conv2dBackwardWeight.
   */
  conv2dReluBackwardWeight(dy: Storage, y: Storage, x: Storage, g: Conv2dGeometry, withBias: boolean): { dw: Storage; dbias: Storage | null };
  /** dx[N, C, H, W] from dy[N, O, OH, OW]. */
  conv2dBackwardInput(dy: Storage, w: Storage, g: Conv2dGeometry): Storage;
  /** dw[O, C/groups, KH, KW] from dy and x. */
  conv2dBackwardWeight(dy: Storage, x: Storage, g: Conv2dGeometry): Storage;
  /**
   * Both gradients at once, for a convolution whose input and weight both need them: the same
   * dx and dw as conv2dBackwardInput and conv2dBackwardWeight (the reference is those two calls),
   * which lets a backend share work between them (the WASM Winograd kernels transform dy once).
   */
  conv2dBackward(dy: Storage, x: Storage, w: Storage, g: Conv2dGeometry): { dx: Storage; dw: Storage };

  // ---- pooling ----
  /** Max pooling (padding counts as −∞). `argmax` is backend-private state for the backward. */
  maxPool2d(x: Storage, g: ConvGeometry): { y: Storage; argmax: Storage };
  maxPool2dBackward(dy: Storage, argmax: Storage, g: ConvGeometry): Storage;
  /** Average pooling; padding counts as zeros and is included in the divisor (PyTorch default). */
  avgPool2d(x: Storage, g: ConvGeometry): Storage;
  avgPool2dBackward(dy: Storage, g: ConvGeometry): Storage;

  // ---- softmax and losses, over the last axis of x viewed as [rows, cols] ----
  logSoftmax(x: Storage, rows: number, cols: number): Storage;
  /** dx = dy − softmax(x) · Σ dy, given y = logSoftmax(x). */
  logSoftmaxBackward(dy: Storage, y: Storage, rows: number, cols: number): Storage;
  /**
   * Fused log-softmax + NLL with label smoothing ε: loss[r] = −Σ_c q[r,c]·logp[r,c] where
   * q = (1−ε)·onehot(t[r]) + ε/cols. `targets` holds class indices as numbers. Returns the
   * per-row loss and the log-probabilities (saved for the backward).
   */
  crossEntropy(logits: Storage, targets: Storage, rows: number, cols: number, labelSmoothing: number): { loss: Storage; logp: Storage };
  /** dlogits[r, c] = dloss[r] · (softmax[r, c] − q[r, c]). */
  crossEntropyBackward(dloss: Storage, logp: Storage, targets: Storage, rows: number, cols: number, labelSmoothing: number): Storage;

  // ---- normalisation ----
  /**
   * Batch norm over x [N, C, spatial]. In training mode normalises with batch statistics
   * (biased variance) and updates runningMean/runningVar in place with the unbiased variance,
   * as PyTorch does; in eval mode uses the running statistics. weight/bias may be null (affine off).
   * `saved` is backend-private state for the backward (per-channel mean and 1/σ).
   */
  batchNorm(x: Storage, runningMean: Storage, runningVar: Storage, weight: Storage | null, bias: Storage | null, p: BatchNormParams): { y: Storage; saved: Storage };
  batchNormBackward(dy: Storage, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage };
  /**
   * relu(batchNorm(x, …)) for the fused op `batchNormRelu` (Note [fused ops] in ops/conv2d-relu.ts):
   * the ReLU in the normalising pass, so its own pass over y is not run. The reference is batchNorm
   * then relu; `saved` is batchNorm's.
   */
  batchNormRelu(x: Storage, runningMean: Storage, runningVar: Storage, weight: Storage | null, bias: Storage | null, p: BatchNormParams): { y: Storage; saved: Storage };
  /**
   * batchNormBackward of the ReLU's backward: dy is the gradient of y = batchNormRelu(x, …), masked
   * by y > 0 as it is read, so the masked [N, C, spatial] gradient need not be stored. The reference
   * is reluBackward(dy, y) then batchNormBackward.
   */
  batchNormReluBackward(dy: Storage, y: Storage, x: Storage, saved: Storage, weight: Storage | null, p: BatchNormParams): { dx: Storage; dweight: Storage; dbias: Storage };

  // ---- randomness ----
  /**
   * Inverted-dropout mask: element i is 0 when u_i < p, else 1/(1−p), where u_i is a counter-based
   * uniform in [0, 1): u_i = (hash32((seed + i·0x9E3779B9) mod 2³²) >>> 8) · 2⁻²⁴ and hash32 is
   * `lowbias32` (x ^= x >>> 16; x = x·0x7feb352d; x ^= x >>> 15; x = x·0x846ca68b; x ^= x >>> 16,
   * all mod 2³²). Every backend produces the same mask for the same seed, and any range of i can be
   * computed independently (threads).
   */
  dropoutMask(size: number, p: number, seed: number): Storage;

  // ---- fused optimizer steps, in place on param and state ----
  sgdStep(param: Storage, grad: Storage, momentumBuf: Storage | null, p: SgdParams): void;
  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamParams): void;
}
