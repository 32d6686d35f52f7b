import type { Storage } from '../backend.js';
import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record, taped } from '../tape.js';
import { type Conv2dOptions, conv2dGeometry } from './conv2d.js';
import { checkBackend, wrap } from './util.js';

/**
 * Note [fused ops]: how the ops layer asks a backend for a fused kernel without a graph compiler.
 * A fusion is an op of its own whose value is, by definition, a composition of primitives
 * (`conv2dRelu(x, w, b) = relu(conv2d(x, w, b))`), with a `Backend` method for each fused kernel
 * it needs (`conv2dRelu`, `reluBackwardBias`). The methods are required, as every kernel is: a
 * backend without them does not compile, and the reference backend implements them as the
 * composition, which makes it the spec that the conformance suite holds every backend to. The
 * caller picks the fusion where it knows the pattern (a layer, a model definition, Sequential
 * seeing Conv2d then ReLU); nothing rewrites a graph. The vjp is the composition's, computed
 * with the fused backward kernels, and is gradient-checked in float64 like any primitive.
 */

/**
 * relu(conv2d(x, w, b)) in one kernel: the ReLU runs in the convolution's epilogue, and its
 * backward and the bias gradient in one pass (Note [fused ops]). Same shapes, options and errors
 * as conv2d; the values are those of relu(conv2d(...)) (bit for bit on the WASM backend).
 * @example conv2dRelu(x, w, b, { padding: 1 }) // [8,16,28,28] * [16,16,3,3] -> [8,16,28,28], ≥ 0
 */
export function conv2dRelu(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const inputs = b !== undefined && b !== null ? [x, w, b] : [x, w];
  checkBackend('conv2dRelu', ...inputs);
  const g = conv2dGeometry('conv2dRelu', x.shape, w.shape, opts);
  if (b && (b.ndim !== 1 || b.shape[0] !== g.o)) throw new Error(`conv2dRelu: bias must be [${g.o}], got ${fmt(b.shape)} (w=${fmt(w.shape)})`);
  const y = wrap(getBackend().conv2dRelu(x.storage, w.storage, b ? b.storage : null, g, taped(inputs)), [g.n, g.o, g.oh, g.ow]);
  return record('conv2dRelu', y, inputs, (dy, [xs, ws, ys], needs) => {
    const be = getBackend();
    // x needs no gradient (a first layer): dw and dbias in one backend call, which may never store dpre
    if (!needs[0] && needs[1]) {
      const { dw, dbias } = be.conv2dReluBackwardWeight(dy.storage, ys!.storage, xs!.storage, g, needs[2] === true);
      return [null, wrap(dw, ws!.shape), dbias && wrap(dbias, [g.o])];
    }
    // dpre = dy where y > 0 (y > 0 exactly where the pre-activation is), with Σ dpre for the bias.
    let dpre: Storage;
    let dbias: Storage | null = null;
    if (needs[2]) ({ dx: dpre, dbias } = be.reluBackwardBias(dy.storage, ys!.storage, g.n, g.o, g.oh * g.ow));
    else dpre = be.reluBackward(dy.storage, ys!.storage);
    // both gradients in one call where both are needed (a backend may share work between them)
    const pair = needs[0] && needs[1] ? be.conv2dBackward(dpre, xs!.storage, ws!.storage, g) : null;
    const dx = pair ? pair.dx : needs[0] ? be.conv2dBackwardInput(dpre, ws!.storage, g) : null;
    const dw = pair ? pair.dw : needs[1] ? be.conv2dBackwardWeight(dpre, xs!.storage, g) : null;
    be.free(dpre);
    return [dx && wrap(dx, xs!.shape), dw && wrap(dw, ws!.shape), dbias && wrap(dbias, [g.o])];
  }, [x, w, y], { geometry: g });
}
