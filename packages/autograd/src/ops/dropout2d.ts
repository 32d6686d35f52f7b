import { getBackend } from '../engine.js';
import { checkBool, fail } from '../check.js';
import { defaultGenerator, Generator } from '../random.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { composite } from '../op-observer.js';
import { mul } from './mul.js';
import { reshape } from './reshape.js';
import { checkBackend, describeArg, wrap } from './util.js';

/**
 * Channel dropout (`torch.nn.functional.dropout2d`): in training, zeroes each whole channel of
 * x [N, C, H, W] with probability p and scales the others by 1/(1 − p); otherwise the identity.
 * The [N, C] mask comes from the same seedable generator and kernel as `dropout`.
 * @example dropout2d(features, 0.2, model.training)
 */
export function dropout2d(x: Tensor, p: number, training: boolean, generator: Generator = defaultGenerator): Tensor {
  checkBackend('dropout2d', x);
  checkBool('dropout2d', 'training', training);
  if (!(generator instanceof Generator)) fail('dropout2d', 'generator', 'a Generator', generator);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout2d: probability must be in [0, 1], got ${typeof p === 'number' ? p : describeArg(p)}`);
  if (x.ndim !== 4) throw new Error(`dropout2d: input must be [N, C, H, W], got ${fmt(x.shape)}`);
  if (!training || p === 0) return reshape(x, x.shape);
  // The mask is random: an exporter must refuse it rather than freeze one draw (Note [composite ops]).
  return composite('dropout2d', [x], { p, training }, () => {
    const [n, c] = x.shape as [number, number];
    const be = getBackend();
    const mask = p === 1 ? wrap(be.fill(n * c, 0), [n, c, 1, 1]) : wrap(be.dropoutMask(n * c, p, generator.nextU32()), [n, c, 1, 1]);
    const y = mul(x, mask);
    mask.dispose();
    return y;
  });
}
