import { checkNumber, fail } from './check.js';

/**
 * A small seedable PRNG: xoshiro128** (Blackman & Vigna), 128 bits of state, period 2^128 - 1.
 * Seeded through splitmix32 so that nearby seeds (0, 1, 2, ...) give unrelated streams.
 * Used for every random choice in tapegrad (shuffling, augmentation, init) so that a run is
 * reproducible from one seed, and its `state()` can be stored in a checkpoint.
 *
 * @example
 * const rng = new Generator(42);
 * rng.nextFloat(); // in [0, 1)
 * const saved = rng.state(); rng.normal(); rng.setState(saved); // replays the same normal
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second Box-Muller output, kept so that two normals cost one pair of uniforms. */
  private spare: number | null = null;

  constructor(seed = 0) {
    this.reseed('Generator', seed);
  }

  /** Resets the generator to the stream of `seed` (like `torch.Generator.manual_seed`). */
  manualSeed(seed: number): this {
    this.reseed('Generator.manualSeed', seed);
    return this;
  }

  /** Resets the generator to the stream of `seed` (any finite number; fractions are truncated). */
  seed(seed: number): void {
    this.reseed('Generator.seed', seed);
  }

  /** `seed`, with errors naming `fn`, the function the caller called. */
  private reseed(fn: string, seed: number): void {
    checkNumber(fn, 'seed', seed);
    // Fold seeds beyond 32 bits in, so 2^32 + 1 and 1 differ.
    const t = Math.trunc(seed);
    let x = (t >>> 0) ^ Math.imul(Math.floor(t / 4294967296) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // NOTE: xoshiro must not start from the all-zero state.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spare = null;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^32]. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`Generator.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling: discard the top partial block of the 2^32 range.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    if (typeof lo !== 'number' || typeof hi !== 'number') fail('Generator.uniform', typeof lo !== 'number' ? 'lo' : 'hi', 'a number', typeof lo !== 'number' ? lo : hi);
    return lo + (hi - lo) * this.nextFloat();
  }

  /** A standard normal sample (Box-Muller), times `std`, plus `mean`. */
  normal(mean = 0, std = 1): number {
    if (typeof mean !== 'number' || typeof std !== 'number') fail('Generator.normal', typeof mean !== 'number' ? 'mean' : 'std', 'a number', typeof mean !== 'number' ? mean : std);
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    // 1 - u is in (0, 1], so the log is finite.
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    if (!Array.isArray(a) && !(ArrayBuffer.isView(a) && !(a instanceof DataView))) fail('Generator.shuffle', 'a', 'an array or a typed array', a);
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** The full generator state, JSON-serialisable, for checkpoints. */
  state(): GeneratorState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  /** Restores a state from `state()`; the generator then continues exactly where it was. */
  setState(state: GeneratorState): void {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((x) => Number.isInteger(x) && x >= 0 && x < 4294967296)) {
      throw new RangeError(`Generator.setState: expected {s: four uint32}, got ${JSON.stringify(state)}`);
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new RangeError('Generator.setState: the all-zero state is invalid');
    [this.s0, this.s1, this.s2, this.s3] = s.map((x) => x | 0) as [number, number, number, number];
    this.spare = typeof state.spare === 'number' ? state.spare : null;
  }
}

/** Serialisable state of an `Rng`. */
export interface GeneratorState {
  s: number[];
  spare: number | null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}


/** The generator behind `randn`, `rand`, dropout masks and default initialisation. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  checkNumber('manualSeed', 'seed', seed);
  defaultGenerator.seed(seed);
}

/**
 * Mixes several integers (a seed, an epoch, a batch index, ...) into one 32-bit seed, so that
 * derived streams are unrelated to each other and to the parent seed. Deterministic.
 *
 * @example new Generator(mixSeed(seed, epoch)) // a different, reproducible shuffle per epoch
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const [i, p] of parts.entries()) {
    checkNumber('mixSeed', `parts[${i}]`, p);
    const t = Math.trunc(p);
    for (const w of [t >>> 0, Math.floor(t / 4294967296) >>> 0]) {
      h = Math.imul(h ^ w, 0x01000193);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
    }
  }
  return h >>> 0;
}
