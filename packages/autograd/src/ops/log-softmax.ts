import { getBackend, tidy } from '../engine.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { permute } from './permute.js';
import { exp } from './unary.js';
import { checkInt } from '../check.js';
import { checkBackend, wrap } from './util.js';

/** Over the last axis only; other axes go through a permute. */
function logSoftmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.ndim - 1]!;
  const rows = sizeOf(x.shape) / cols;
  const out = wrap(getBackend().logSoftmax(x.storage, rows, cols), x.shape);
  return record('logSoftmax', out, [x], (g, [y]) => [wrap(getBackend().logSoftmaxBackward(g.storage, y!.storage, rows, cols), x.shape)], [out]);
}

/** Checks x and `dim` (required, as in PyTorch's functional form), naming the op; returns dim ≥ 0. */
function softmaxDim(op: string, x: Tensor, dim: number): number {
  checkBackend(op, x);
  checkInt(op, 'dim', dim);
  const r = x.ndim;
  const d = dim < 0 ? dim + r : dim;
  if (r === 0 || d < 0 || d >= r) throw new Error(`${op}: dim ${dim} is out of range for ${fmt(x.shape)}`);
  return d;
}

/**
 * log(softmax(x)) along `dim`, computed stably (x − max − log Σ exp(x − max)).
 * @example logSoftmax(logits, 1) // [N, 10]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = softmaxDim('logSoftmax', x, dim);
  const r = x.ndim;
  if (d === r - 1) return logSoftmaxLast(x);
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[d] = r - 1;
  perm[r - 1] = d;
  return tidy(() => permute(logSoftmaxLast(permute(x, perm)), perm));
}

/** softmax(x) along `dim` = exp(logSoftmax(x, dim)). */
export function softmax(x: Tensor, dim: number): Tensor {
  softmaxDim('softmax', x, dim);
  return tidy(() => exp(logSoftmax(x, dim)));
}
