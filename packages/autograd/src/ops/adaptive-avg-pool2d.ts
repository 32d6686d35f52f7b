import { getBackend, tidy } from '../engine.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { avgPool2d } from './pool2d.js';
import { checkBackend, wrap } from './util.js';

/**
 * Average pooling to a fixed output size (`torch.nn.functional.adaptive_avg_pool2d`): output cell
 * (i, j) averages rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 and the columns likewise. `outputSize` is a
 * number, or [OH, OW] where null keeps the input's size. Input [N, C, H, W] or [C, H, W].
 *
 * When OH divides H and OW divides W this is avgPool2d with kernel = stride = (H/OH, W/OW). Otherwise
 * the bins overlap unevenly and the pooling is separable, so it is two matmuls with averaging
 * matrices, Ph [OH, H] · x · Pwᵀ [W, OW], whose gradient is the matmuls' own.
 * @example adaptiveAvgPool2d(features, 1) // [N, C, H, W] -> [N, C, 1, 1], global average pooling
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  checkBackend('adaptiveAvgPool2d', x);
  if (x.ndim !== 4 && x.ndim !== 3) throw new Error(`adaptiveAvgPool2d: input must be [N, C, H, W] or [C, H, W], got ${fmt(x.shape)}`);
  const h = x.shape[x.ndim - 2]!;
  const w = x.shape[x.ndim - 1]!;
  const pairIn = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  const [oh, ow] = pairIn ? [pairIn[0] ?? h, pairIn[1] ?? w] : [NaN, NaN];
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new Error(`adaptiveAvgPool2d: outputSize must be a positive integer or a pair of positive integers (or null), got ${JSON.stringify(outputSize)}`);
  }
  if (h === 0 || w === 0) throw new Error(`adaptiveAvgPool2d: input ${fmt(x.shape)} has an empty spatial dimension`);
  if (h % oh === 0 && w % ow === 0 && x.ndim === 4) return avgPool2d(x, { kernelSize: [h / oh, w / ow] });
  return tidy(() => matmul(averaging(oh, h), matmul(x, transposedAveraging(ow, w))));
}

/** The bins of PyTorch's adaptive pooling: [⌊i·n/out⌋, ⌈(i+1)·n/out⌉). */
function bin(i: number, n: number, out: number): [number, number] {
  return [Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)];
}

/** [out, n]: row i averages bin i. */
function averaging(out: number, n: number): Tensor {
  const m = new Float64Array(out * n);
  for (let i = 0; i < out; i++) {
    const [s, e] = bin(i, n, out);
    for (let j = s; j < e; j++) m[i * n + j] = 1 / (e - s);
  }
  return wrap(getBackend().fromArray(m), [out, n]);
}

/** [n, out]: column i averages bin i. */
function transposedAveraging(out: number, n: number): Tensor {
  const m = new Float64Array(n * out);
  for (let i = 0; i < out; i++) {
    const [s, e] = bin(i, n, out);
    for (let j = s; j < e; j++) m[j * out + i] = 1 / (e - s);
  }
  return wrap(getBackend().fromArray(m), [n, out]);
}
