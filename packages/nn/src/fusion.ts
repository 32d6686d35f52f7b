import { checkFunction, describeValue } from './check.js';

/**
 * Note [layer fusion]: where a model's layers form a pattern that one fused op computes, the
 * layers run that op instead, with no change to the model's code, parameters or files.
 * - Three patterns. A Conv2d whose output goes straight into a ReLU: `conv2dRelu(x, w, b)`
 *   (autograd's Note [fused ops]) computes relu(conv2d(x, w, b)) with the ReLU in the
 *   convolution's epilogue and ReLU backward + bias gradient in one pass. And that pair followed
 *   by a MaxPool2d: `conv2dReluMaxPool` (autograd's Note [fused conv pool]) pools in the
 *   convolution's epilogue too, so the full-size activation is never written, and folds the ReLU
 *   backward and bias gradient into the pool's backward. A BatchNorm1d or BatchNorm2d whose output
 *   goes straight into a ReLU: `batchNormRelu` clamps in the normalising pass and masks dy inside
 *   batch norm's backward (kernels-wasm's Note [batch norm relu]). The WASM backend's results are bit for
 *   bit the unfused ones (kernels-wasm test/fused.test.ts), the reference backend composes the
 *   unfused kernels, so outputs and gradients do not change.
 * - Who fuses: `Conv2d.forwardRelu(x)` (relu(conv.forward(x)), fused when it may be),
 *   `Conv2d.forwardReluMaxPool(x, pool)` (pool.forward(relu(conv.forward(x)))) and
 *   `BatchNorm2d.forwardRelu(x)`, which model definitions call (lecture's FashionCnn), and
 *   `Sequential`, which runs a Conv2d directly followed by a ReLU (and a MaxPool2d), or a batch
 *   norm directly followed by a ReLU, through them. Nothing rewrites a graph; parameter
 *   names, state dicts, safetensors and ONNX files are those of the unfused model.
 * - Never fused where someone looks at the intermediate: a Conv2d, ReLU or MaxPool2d with a forward hook or
 *   pre-hook, or whose `forward` was replaced (Module.forwardObserved), runs unfused, so a hook on
 *   conv2 still sees its pre-ReLU output (lecture's topActivatingPatches); a subclass that
 *   overrides `forward` is not the layer the fusion assumes and runs unfused too. The ONNX
 *   exporter traces with fusion off (its graph has Conv then Relu).
 * - Bypass, for debugging or an A/B measurement: `setFusion(false)` or `withFusion(false, fn)`,
 *   or the environment variable TAPEGRAD_FUSION=0 at start-up (Node).
 */

let enabled: boolean | null = null;

/** TAPEGRAD_FUSION from the environment where there is one (Node); '1' or unset: on, '0': off. */
function fromEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.TAPEGRAD_FUSION;
  if (v === undefined || v === '' || v === '1') return true;
  if (v === '0') return false;
  throw new Error(`TAPEGRAD_FUSION must be '0' (layers run unfused) or '1' (fused, the default), got '${v}'`);
}

/**
 * Whether layers run fused ops where their pattern allows (Note [layer fusion]). On unless
 * turned off by setFusion(false) or TAPEGRAD_FUSION=0.
 */
export function fusionEnabled(): boolean {
  enabled ??= fromEnvironment();
  return enabled;
}

/**
 * Whether layer `m` may run as part of a fused op in place of its own forward (Note [layer
 * fusion]): fusion is on, nothing observes the layer (a hook, a pre-hook or a replaced forward),
 * and its forward is `layer`'s, not a subclass's.
 */
export function fusible(m: { readonly forwardObserved: boolean }, layer: { readonly prototype: { forward: unknown } }): boolean {
  return fusionEnabled() && !m.forwardObserved && (Object.getPrototypeOf(m) as { forward: unknown }).forward === layer.prototype.forward;
}

/**
 * Turns layer fusion on or off for every model from now on (Note [layer fusion]).
 * @example setFusion(false) // Conv2d then ReLU run as two ops, as a debugging baseline
 */
export function setFusion(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setFusion: on must be a boolean, got ${typeof on === 'string' ? `'${on}'` : String(on)}`);
  enabled = on;
}

/**
 * Runs fn with layer fusion on or off, then restores the previous setting.
 * @example const y = withFusion(false, () => model.forward(x)) // the unfused forward
 */
export function withFusion<T>(on: boolean, fn: () => T): T {
  if (typeof on !== 'boolean') throw new TypeError(`withFusion: on must be a boolean, got ${describeValue(on)}`);
  checkFunction('withFusion', 'fn', fn);
  const prev = fusionEnabled();
  setFusion(on);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
