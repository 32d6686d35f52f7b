import { Rng } from '@tapegrad/nn';
import { describe, expect, it } from 'vitest';
import { parseAugmentations } from '../src/parse-augmentations.js';

function randomImage(length: number, seed = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length }, () => r.nextFloat());
}

describe('parseAugmentations', () => {
  it('the full spec parses; same seed gives the same [1,28,28] output', () => {
    const t = parseAugmentations('rotate:15,flip,noise:0.05,crop:0.8,cutout:8,blur:1,jitter:0.2,rot90,sobel');
    const x = randomImage(784);
    const y = t(x, [1, 28, 28], new Rng(8));
    expect(y.length).toBe(784);
    expect(t(x, [1, 28, 28], new Rng(8))).toEqual(y);
    expect(t(x, [1, 28, 28], new Rng(9))).not.toEqual(y);
  });

  it('bad specs name the item and the problem', () => {
    expect(() => parseAugmentations('rotate:15,twirl')).toThrow(/unknown augmentation 'twirl' \(augmentation 2 'twirl'.*valid: rotate:DEG/);
    expect(() => parseAugmentations('noise')).toThrow(/'noise' needs an argument/);
    expect(() => parseAugmentations('noise:abc')).toThrow(/argument 'abc' of 'noise' is not a number/);
    expect(() => parseAugmentations('sobel:2')).toThrow(/'sobel' takes no argument/);
    expect(() => parseAugmentations('flip:1.5')).toThrow(/bad argument in augmentation 1 'flip:1.5'.*p must be in \[0, 1\]/);
    expect(() => parseAugmentations('blur:-1')).toThrow(/sigma must be > 0/);
    expect(() => parseAugmentations('crop:0')).toThrow(/minScale/);
    expect(() => parseAugmentations('cutout:2.5')).toThrow(/non-negative integer/);
    expect(() => parseAugmentations('__proto__')).toThrow(/unknown augmentation/);
  });
});
