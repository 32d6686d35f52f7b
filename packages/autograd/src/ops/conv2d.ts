import type { Conv2dGeometry } from '../backend.js';
import { getBackend } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkOptions, checkShape, fail } from '../check.js';
import { checkBackend, pair, wrap } from './util.js';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  /** Channel groups (Note [grouped convolution] in backend.ts); weight is [O, C/groups, KH, KW]. Default 1. */
  groups?: number;
}

/**
 * Checks `groups` against the input's channels `c`, the weight's output channels `o` and its
 * channels per group `wc`, as PyTorch does, with errors naming the op, the option and the values.
 */
export function checkGroups(op: string, groups: number | undefined, c: number, o: number, wc: number, shapes: string): number {
  const gr = groups ?? 1;
  if (!Number.isInteger(gr) || gr < 1) throw new Error(`${op}: groups must be a positive integer, got ${String(groups)}`);
  if (gr === 1) {
    if (c !== wc) throw new Error(`${op}: input has ${c} channels but weight expects ${wc} (${shapes})`);
    return gr;
  }
  if (o % gr !== 0) throw new Error(`${op}: weight has ${o} output channels, not divisible by groups=${gr} (${shapes})`);
  if (c % gr !== 0) throw new Error(`${op}: input has ${c} channels, not divisible by groups=${gr} (${shapes})`);
  if (c !== wc * gr) throw new Error(`${op}: input has ${c} channels but weight expects ${wc} per group × groups=${gr} = ${wc * gr} (${shapes})`);
  return gr;
}

/** Validates shapes and works out the output size of a convolution, with errors naming both shapes. */
export function conv2dGeometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): Conv2dGeometry {
  if (typeof op !== 'string') fail('conv2dGeometry', 'op', "the calling op's name (a string)", op);
  checkShape('conv2dGeometry', 'xShape', xShape);
  checkShape('conv2dGeometry', 'wShape', wShape);
  checkOptions(op, opts, ['stride', 'padding', 'dilation', 'groups']);
  if (xShape.length !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${fmt(xShape)}`);
  if (wShape.length !== 4) throw new Error(`${op}: weight must be [O, C, KH, KW], got ${fmt(wShape)}`);
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [o, wc, kh, kw] = wShape as [number, number, number, number];
  const groups = checkGroups(op, opts.groups, c, o, wc, `x=${fmt(xShape)}, w=${fmt(wShape)}`);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, 0);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1);
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0) throw new Error(`${op}: stride and dilation must be ≥ 1 and padding ≥ 0 (stride=[${sh},${sw}], padding=[${ph},${pw}], dilation=[${dh},${dw}])`);
  const effH = dh * (kh - 1) + 1;
  const effW = dw * (kw - 1) + 1;
  if (effH > h + 2 * ph || effW > w + 2 * pw) {
    throw new Error(`${op}: kernel ${kh}×${kw} (dilated ${effH}×${effW}) is larger than the padded input ${h + 2 * ph}×${w + 2 * pw} (x=${fmt(xShape)}, w=${fmt(wShape)}, padding=[${ph},${pw}])`);
  }
  const oh = Math.floor((h + 2 * ph - effH) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - effW) / sw) + 1;
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, groups };
}

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of x [N, C, H, W] with w [O, C/groups, KH, KW],
 * plus b [O]. Forward and both backward passes are im2col/col2im + GEMM in the backend. With
 * `groups` G, each of G channel groups is convolved on its own (depthwise: G = C).
 * @example conv2d(x, w, b, { stride: 2, padding: 1 }) // [8,3,28,28] * [16,3,3,3] -> [8,16,14,14]
 * @example conv2d(x, w, null, { groups: 8, padding: 1 }) // depthwise: [8,8,28,28] * [8,1,3,3] -> [8,8,28,28]
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const inputs = b !== undefined && b !== null ? [x, w, b] : [x, w];
  checkBackend('conv2d', ...inputs);
  const g = conv2dGeometry('conv2d', x.shape, w.shape, opts);
  if (b && (b.ndim !== 1 || b.shape[0] !== g.o)) throw new Error(`conv2d: bias must be [${g.o}], got ${fmt(b.shape)} (w=${fmt(w.shape)})`);
  const y = wrap(getBackend().conv2d(x.storage, w.storage, b ? b.storage : null, g), [g.n, g.o, g.oh, g.ow]);
  return record('conv2d', y, inputs, (dy, [xs, ws], needs) => {
    const be = getBackend();
    // both gradients in one call where both are needed (a backend may share work between them)
    const pair = needs[0] && needs[1] ? be.conv2dBackward(dy.storage, xs!.storage, ws!.storage, g) : null;
    const dx = pair ? pair.dx : needs[0] ? be.conv2dBackwardInput(dy.storage, ws!.storage, g) : null;
    const dw = pair ? pair.dw : needs[1] ? be.conv2dBackwardWeight(dy.storage, xs!.storage, g) : null;
    return [dx && wrap(dx, xs!.shape), dw && wrap(dw, ws!.shape), needs[2] ? wrap(be.sum(dy.storage, dy.shape, [0, 2, 3]), [g.o]) : null];
  }, [x, w], { geometry: g });
}
