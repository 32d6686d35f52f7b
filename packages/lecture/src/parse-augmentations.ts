import {
  colorJitter, compose, cutout, gaussianBlur, gaussianNoise, randomHorizontalFlip, randomResizedCrop, randomRot90, randomRotation, sobel,
  type Transform,
} from '@tapegrad/nn';

interface AugSpec {
  arg: 'none' | 'optional' | 'required';
  help: string;
  /** `arg` is a finite number when given. */
  make: (arg: number | undefined) => Transform;
}

/** The names `parseAugmentations` understands, with their argument. */
export const AUGMENTATIONS: Readonly<Record<string, AugSpec>> = Object.freeze({
  rotate: { arg: 'required', help: 'rotate:DEG  random rotation in [-DEG, DEG] degrees', make: (a) => randomRotation(a!) },
  rot90: { arg: 'none', help: 'rot90  random quarter turns', make: () => randomRot90() },
  flip: { arg: 'optional', help: 'flip[:P]  horizontal flip with probability P (0.5)', make: (a) => randomHorizontalFlip(a ?? 0.5) },
  crop: { arg: 'optional', help: 'crop[:S]  random resized crop keeping S..1 of the area (0.8)', make: (a) => randomResizedCrop(a ?? 0.8) },
  jitter: { arg: 'optional', help: 'jitter[:J]  brightness and contrast jitter +-J (0.2)', make: (a) => colorJitter({ brightness: a ?? 0.2, contrast: a ?? 0.2 }) },
  noise: { arg: 'required', help: 'noise:STD  additive Gaussian noise', make: (a) => gaussianNoise(a!) },
  blur: { arg: 'optional', help: 'blur[:SIGMA]  Gaussian blur (sigma 1)', make: (a) => gaussianBlur(a ?? 1) },
  cutout: { arg: 'required', help: 'cutout:SIZE  zero a random SIZExSIZE square', make: (a) => cutout(a!) },
  sobel: { arg: 'none', help: 'sobel  Sobel gradient magnitude', make: () => sobel() },
});

/**
 * Parses a comma-separated augmentation spec into one composed transform, applied left to right.
 * An empty spec gives the identity (a copy).
 *
 * @throws Error naming the item, with the list of valid names, for an unknown name, a missing,
 *   extra or non-numeric argument, or an out-of-range value.
 * @example parseAugmentations('rotate:15,flip,noise:0.05,crop:0.8,cutout:8,blur:1,jitter:0.2,rot90,sobel')
 */
export function parseAugmentations(spec: string): Transform {
  const usage = `valid: ${Object.values(AUGMENTATIONS).map((a) => a.help.split('  ')[0]).join(', ')}`;
  const items = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const transforms = items.map((item, index) => {
    const [name = '', ...rest] = item.split(':');
    const where = `augmentation ${index + 1} '${item}' in '${spec}'`;
    const aug = Object.hasOwn(AUGMENTATIONS, name) ? AUGMENTATIONS[name] : undefined;
    if (!aug) throw new Error(`parseAugmentations: unknown augmentation '${name}' (${where}); ${usage}`);
    if (rest.length > 1) throw new Error(`parseAugmentations: too many ':' in ${where}; expected ${aug.help.split('  ')[0]}`);
    const raw = rest[0];
    if (raw === undefined && aug.arg === 'required') {
      throw new Error(`parseAugmentations: '${name}' needs an argument (${where}); usage: ${aug.help}`);
    }
    if (raw !== undefined && aug.arg === 'none') {
      throw new Error(`parseAugmentations: '${name}' takes no argument (${where}); usage: ${aug.help}`);
    }
    let arg: number | undefined;
    if (raw !== undefined) {
      arg = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(arg)) {
        throw new Error(`parseAugmentations: argument '${raw}' of '${name}' is not a number (${where}); usage: ${aug.help}`);
      }
    }
    try {
      return aug.make(arg);
    } catch (e) {
      throw new Error(`parseAugmentations: bad argument in ${where}: ${(e as Error).message}; usage: ${aug.help}`);
    }
  });
  return compose(transforms);
}
