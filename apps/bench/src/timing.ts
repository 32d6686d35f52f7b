/**
 * Timing through benchmark.js. Callers do setup, packing and allocation before calling timeIt and
 * pass only the work to time, as a closure over the prepared inputs. NOTE: we never pass
 * benchmark.js `setup`/`teardown` options: with them it decompiles the test function's source and
 * inlines it, which breaks closures; without them it calls the function itself in its loop.
 */
import Benchmark from 'benchmark';

export interface TimeOptions {
  /** Seconds benchmark.js may spend sampling (default 1). */
  maxTime?: number;
  /** Minimum samples (default 5); slow reference kernels use 1–2. */
  minSamples?: number;
}

export interface Timing {
  /** Mean ms per call. */
  ms: number;
  /** The fastest sample, ms per call (the least disturbed by other processes). */
  minMs: number;
  /** Relative margin of error of the mean, percent. */
  rme: number;
  samples: number;
}

export function timeIt(name: string, fn: () => void, opts: TimeOptions = {}): Timing {
  const bench = new Benchmark(name, fn, {
    maxTime: opts.maxTime ?? 1,
    minSamples: opts.minSamples ?? 5,
    // Each sample must last long enough for the timer; one call of a slow kernel already does.
    minTime: Math.min(0.05, (opts.maxTime ?? 1) / 4),
    initCount: 1,
  });
  bench.run({ async: false });
  const err = (bench as unknown as { error?: unknown }).error;
  if (err) throw err instanceof Error ? err : new Error(`${name}: ${String(err)}`);
  return { ms: bench.stats.mean * 1000, minMs: Math.min(...bench.stats.sample) * 1000, rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/** ms per call of fn, repeating it until at least `minMs` have passed. */
function repeatFor(fn: () => void, minMs: number): number {
  let reps = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < minMs) {
    fn();
    reps++;
    t1 = performance.now();
  }
  return (t1 - t0) / reps;
}

/**
 * The fastest ms per call of each fn, taking `rounds` turns round-robin (each turn repeats the
 * call for >= minMs) after 3 warm-up calls each: load from other processes then hits every
 * variant alike, which a sequential timing of one variant after the other would not.
 */
export function bestOfAlternating(fns: readonly (() => void)[], rounds: number, minMs = 30): number[] {
  return turnsAlternating(fns, rounds, minMs).map((turns) => Math.min(...turns));
}

/** Every turn's ms per call of each fn (as bestOfAlternating takes them): `result[i][r]` is fn i in round r. */
export function turnsAlternating(fns: readonly (() => void)[], rounds: number, minMs = 30): number[][] {
  for (const fn of fns) for (let i = 0; i < 3; i++) fn();
  const turns = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => { turns[i]!.push(repeatFor(fn, minMs)); });
  return turns;
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
