import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { Rng, mixSeed } from '../src/random.js';

describe('Rng (xoshiro128**)', () => {
  it('same seed gives the same stream; different seeds differ', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
    expect(sa).toAllSatisfy((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32);
  });

  it('state()/setState() replays the stream, including a pending Box-Muller normal', () => {
    const r = new Rng(1);
    r.normal();
    const saved = JSON.parse(JSON.stringify(r.state()));
    const next = [r.normal(), r.nextFloat(), r.nextU32()];
    const q = new Rng(999);
    q.setState(saved);
    expect([q.normal(), q.nextFloat(), q.nextU32()]).toEqual(next);
    expect(() => q.setState({ s: [0, 0, 0, 0], spare: null })).toThrow(/all-zero/);
  });

  it('nextFloat in [0,1) with mean 1/2; normal() has mean 0, std 1 (n=20000, 5-sigma bounds)', () => {
    const r = new Rng(3);
    const n = 20000;
    let sf = 0;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sf += f;
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(sf / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
  });

  it('nextInt(n) stays in [0, n) and shuffle is a permutation', () => {
    const r = new Rng(5);
    for (let i = 0; i < 1000; i++) {
      const k = r.nextInt(7);
      expect(k >= 0 && k < 7 && Number.isInteger(k)).toBe(true);
    }
    const p = r.shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('mixSeed separates (seed, epoch) pairs', () => {
    const seeds = new Set<number>();
    for (let s = 0; s < 10; s++) for (let e = 0; e < 10; e++) seeds.add(mixSeed(s, e));
    expect(seeds.size).toBe(100);
    expect(mixSeed(1, 2)).toBe(mixSeed(1, 2));
  });
});
