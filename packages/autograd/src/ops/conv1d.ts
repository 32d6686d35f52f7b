import { tidy } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkGroups, conv2d } from './conv2d.js';
import { reshape } from './reshape.js';
import { checkInt, checkOptions } from '../check.js';
import { checkBackend } from './util.js';

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  /** Channel groups, as in conv2d; weight is [O, C/groups, K]. Default 1. */
  groups?: number;
}

/**
 * 1-D convolution of x [N, C, L] with w [O, C/groups, K] (+ b [O]): a conv2d over [N, C, 1, L], so
 * it shares the im2col + GEMM path and its gradients.
 * @example conv1d(tensor([0,0,1,1,1,0,0], [1,1,7]), tensor([-1,1,-1], [1,1,3])) // the lecture's 1D example
 */
export function conv1d(x: Tensor, w: Tensor, b?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  checkBackend('conv1d', x, w, ...(b !== undefined && b !== null ? [b] : []));
  checkOptions('conv1d', opts, ['stride', 'padding', 'dilation', 'groups']);
  for (const k of ['stride', 'dilation'] as const) if (opts[k] !== undefined) checkInt('conv1d', k, opts[k], 1);
  if (opts.padding !== undefined) checkInt('conv1d', 'padding', opts.padding, 0);
  if (x.ndim !== 3) throw new Error(`conv1d: input must be [N, C, L], got ${fmt(x.shape)}`);
  if (w.ndim !== 3) throw new Error(`conv1d: weight must be [O, C, K], got ${fmt(w.shape)}`);
  const [n, c, l] = x.shape as [number, number, number];
  const [o, wc, k] = w.shape as [number, number, number];
  const groups = checkGroups('conv1d', opts.groups, c, o, wc, `x=${fmt(x.shape)}, w=${fmt(w.shape)}`);
  return tidy(() => {
    const y = conv2d(reshape(x, [n, c, 1, l]), reshape(w, [o, wc, 1, k]), b, {
      stride: [1, opts.stride ?? 1],
      padding: [0, opts.padding ?? 0],
      dilation: [1, opts.dilation ?? 1],
      groups,
    });
    return reshape(y, [n, o, y.shape[3]!]);
  });
}
