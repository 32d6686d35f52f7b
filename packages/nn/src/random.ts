import { mixSeed as mixSeedParts } from '@tapegrad/autograd';
import { checkNumber } from './check.js';

// The seedable generator lives in @tapegrad/autograd (it also drives init and dropout); nn code
// calls it Rng.
export { Generator as Rng, type GeneratorState as RngState } from '@tapegrad/autograd';

/**
 * Mixes integers (a seed, an epoch, a batch index, ...) into one 32-bit seed (autograd's
 * mixSeed), after checking that every part is a finite number: a NaN or a string would
 * otherwise mix as 0 and silently repeat another stream.
 * @example new Rng(mixSeed(seed, epoch))
 */
export function mixSeed(...parts: number[]): number {
  parts.forEach((p, i) => checkNumber('mixSeed', `parts[${i}]`, p));
  return mixSeedParts(...parts);
}
