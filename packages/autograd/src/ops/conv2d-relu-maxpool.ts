import type { Storage } from '../backend.js';
import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { type Conv2dOptions, conv2dGeometry } from './conv2d.js';
import { type Pool2dOptions, poolGeometry } from './pool2d.js';
import { checkBackend, wrap } from './util.js';

/**
 * Note [fused conv pool]: maxPool2d(relu(conv2d(x, w, b)), pool) as one op (the fused-op design of
 * Note [fused ops]), for the case study's conv2 → ReLU → MaxPool 2×2, where the pooled output is
 * a quarter of the convolution's.
 * - Forward (`Backend.conv2dReluMaxPool`): the WASM backend pools in the Winograd convolution's
 *   output transform, whose 2×2 output tiles are exactly the 2×2 stride-2 windows, so the
 *   convolution's [N, O, OH, OW] output is never written and no max-pool pass reads it back.
 *   Elsewhere (other convolutions or windows) it is conv2dRelu then maxPool2d.
 * - Backward (`Backend.maxPoolReluBackwardBias`): the ReLU's mask at a window's argmax is y > 0
 *   (y = max(0, pre at the argmax)), so dpre = maxPool2dBackward(dy where y > 0) and the bias
 *   gradient is its sum per channel: one pass instead of maxPool2dBackward then reluBackwardBias,
 *   reading the pooled dy, y and argmax. Then the convolution's backward, as conv2dRelu's.
 * - Values and gradients are those of conv2dRelu then maxPool2d bit for bit on the WASM backend
 *   (the same sums, ReLU and first-maximum rule; the bias gradient summed over the same dpre
 *   planes in reluBackwardBias's order). The reference backend composes the unfused kernels (the
 *   spec).
 */

/**
 * maxPool2d(relu(conv2d(x, w, b, convOpts)), poolOpts) in one op (Note [fused conv pool]). Same
 * shapes, options and errors as the two ops.
 * @example conv2dReluMaxPool(h, w, b, {}, { kernelSize: 2 }) // [N,16,26,26] * [16,16,3,3] -> [N,16,12,12], ≥ 0
 */
export function conv2dReluMaxPool(x: Tensor, w: Tensor, b: Tensor | null | undefined, convOpts: Conv2dOptions, poolOpts: Pool2dOptions): Tensor {
  const inputs = b !== undefined && b !== null ? [x, w, b] : [x, w];
  checkBackend('conv2dReluMaxPool', ...inputs);
  const g = conv2dGeometry('conv2dReluMaxPool', x.shape, w.shape, convOpts ?? {});
  if (b && (b.ndim !== 1 || b.shape[0] !== g.o)) throw new Error(`conv2dReluMaxPool: bias must be [${g.o}], got ${fmt(b.shape)} (w=${fmt(w.shape)})`);
  const pg = poolGeometry('conv2dReluMaxPool', [g.n, g.o, g.oh, g.ow], poolOpts);
  const { y, argmax } = getBackend().conv2dReluMaxPool(x.storage, w.storage, b ? b.storage : null, g, pg);
  const out = wrap(y, [pg.n, pg.c, pg.oh, pg.ow]);
  const am = wrap(argmax, [argmax.size]);
  const r = record('conv2dReluMaxPool', out, inputs, (dy, [xs, ws, ys, as], needs) => {
    const be = getBackend();
    const { dx: dpre, dbias } = be.maxPoolReluBackwardBias(dy.storage, as!.storage, ys!.storage, pg);
    const pair = needs[0] && needs[1] ? be.conv2dBackward(dpre, xs!.storage, ws!.storage, g) : null;
    const dx: Storage | null = pair ? pair.dx : needs[0] ? be.conv2dBackwardInput(dpre, ws!.storage, g) : null;
    const dw: Storage | null = pair ? pair.dw : needs[1] ? be.conv2dBackwardWeight(dpre, xs!.storage, g) : null;
    be.free(dpre);
    if (!needs[2]) be.free(dbias);
    return [dx && wrap(dx, xs!.shape), dw && wrap(dw, ws!.shape), needs[2] ? wrap(dbias, [g.o]) : null];
  }, [x, w, out, am], { geometry: g, pool: pg });
  am.dispose();
  return r;
}
