import { getBackend } from '../engine.js';
import { checkBool, fail } from '../check.js';
import { defaultGenerator, Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { checkBackend, describeArg, wrap } from './util.js';

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
 * 1/(1 − p); otherwise the identity. The mask comes from the seedable generator.
 * @example dropout(h, 0.5, model.training)
 */
export function dropout(x: Tensor, p: number, training: boolean, generator: Generator = defaultGenerator): Tensor {
  checkBackend('dropout', x);
  checkBool('dropout', 'training', training);
  if (!(generator instanceof Generator)) fail('dropout', 'generator', 'a Generator', generator);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${typeof p === 'number' ? p : describeArg(p)}`);
  if (!training || p === 0) return reshape(x, x.shape);
  // The mask is random: an exporter must refuse it rather than freeze one draw (Note [composite ops]).
  return composite('dropout', [x], { p, training }, () => {
    const be = getBackend();
    const mask = p === 1 ? wrap(be.fill(x.size, 0), x.shape) : wrap(be.dropoutMask(x.size, p, generator.nextU32()), x.shape);
    const y = mul(x, mask);
    mask.dispose();
    return y;
  });
}
