import { getBackend } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { checkBackend, wrap } from './util.js';

/**
 * A copy of x in new storage that stays on the tape (`torch.clone`): the gradient passes through
 * unchanged. `detach()` is the opposite (shares storage, leaves the tape).
 * @example const y = clone(x); // y.requiresGrad === x.requiresGrad
 */
export function clone(x: Tensor): Tensor {
  checkBackend('clone', x);
  const be = getBackend();
  const s = be.alloc(x.size);
  be.copyInPlace(s, x.storage);
  return record('clone', wrap(s, x.shape), [x], (g) => [g.share()]);
}
