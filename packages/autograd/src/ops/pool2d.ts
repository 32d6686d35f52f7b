import type { ConvGeometry } from '../backend.js';
import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { notifyOp } from '../op-observer.js';
import { record } from '../tape.js';
import { checkOptions, checkShape, fail } from '../check.js';
import { checkBackend, pair, wrap } from './util.js';

export interface Pool2dOptions {
  kernelSize: number | readonly [number, number];
  /** Defaults to kernelSize, as in PyTorch. */
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
}

export function poolGeometry(op: string, shape: readonly number[], opts: Pool2dOptions): ConvGeometry {
  if (typeof op !== 'string') fail('poolGeometry', 'op', "the calling op's name (a string)", op);
  checkShape('poolGeometry', 'shape', shape);
  if (typeof opts !== 'object' || opts === null) fail(op, 'options', 'an object with kernelSize', opts);
  checkOptions(op, opts, ['kernelSize', 'stride', 'padding', 'dilation']);
  if (opts.kernelSize === undefined) throw new Error(`${op}: options.kernelSize is required, got ${JSON.stringify(opts)}`);
  if (shape.length !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${fmt(shape)}`);
  const [n, c, h, w] = shape as [number, number, number, number];
  const [kh, kw] = pair(op, 'kernelSize', opts.kernelSize, 1);
  const [sh, sw] = pair(op, 'stride', opts.stride, 0).map((s, i) => (opts.stride === undefined ? (i ? kw : kh) : s)) as [number, number];
  const [ph, pw] = pair(op, 'padding', opts.padding, 0);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) throw new Error(`${op}: kernelSize, stride and dilation must be ≥ 1`);
  if (ph > kh / 2 || pw > kw / 2) throw new Error(`${op}: padding [${ph},${pw}] must be at most half the kernel size [${kh},${kw}]`);
  const effH = dh * (kh - 1) + 1;
  const effW = dw * (kw - 1) + 1;
  if (effH > h + 2 * ph || effW > w + 2 * pw) {
    throw new Error(`${op}: window ${effH}×${effW} is larger than the padded input ${h + 2 * ph}×${w + 2 * pw} (x=${fmt(shape)})`);
  }
  const oh = Math.floor((h + 2 * ph - effH) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - effW) / sw) + 1;
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/**
 * Max pooling over x [N, C, H, W]; the forward saves the argmax so the backward is a scatter.
 * @example maxPool2d(x, { kernelSize: 2 }) // [N, 16, 24, 24] -> [N, 16, 12, 12]
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkBackend('maxPool2d', x);
  const g = poolGeometry('maxPool2d', x.shape, opts);
  const { y, argmax } = getBackend().maxPool2d(x.storage, g);
  const out = wrap(y, [g.n, g.c, g.oh, g.ow]);
  if (!x.requiresGrad) {
    getBackend().free(argmax);
    notifyOp('maxPool2d', out, [x], { geometry: g });
    return out;
  }
  const am = wrap(argmax, [argmax.size]);
  const r = record('maxPool2d', out, [x], (dy, [a]) => [wrap(getBackend().maxPool2dBackward(dy.storage, a!.storage, g), x.shape)], [am], { geometry: g });
  am.dispose();
  return r;
}

/** Average pooling (padding counted in the divisor, as PyTorch's default). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkBackend('avgPool2d', x);
  const g = poolGeometry('avgPool2d', x.shape, opts);
  const out = wrap(getBackend().avgPool2d(x.storage, g), [g.n, g.c, g.oh, g.ow]);
  return record('avgPool2d', out, [x], (dy) => [wrap(getBackend().avgPool2dBackward(dy.storage, g), x.shape)], [], { geometry: g });
}
