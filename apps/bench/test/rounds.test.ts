import { describe, expect, it } from 'vitest';
import type { E2eResult } from '../src/e2e.js';
import type { ResnetRun } from '../src/resnet.js';
import { mergeE2eRounds, mergeResnetRounds } from '../src/rounds.js';
import { runSuites } from '../src/run-suites.js';
import { defineSuite } from '../src/suite.js';

function e2e(model: 'cnn' | 'fnn', threads: number, epochSeconds: number | null, inference: number | null, extra: Partial<E2eResult> = {}): E2eResult {
  return {
    framework: 'tapegrad', backend: 'wasm', model, threads, epochSeconds, trainImagesTimed: 60000, extrapolated: false,
    trainImagesPerSecond: epochSeconds === null ? null : 60000 / epochSeconds, msPerStep: epochSeconds === null ? null : epochSeconds / 0.46875,
    inferenceImagesPerSecond: inference, inferenceImagesTimed: inference === null ? 0 : 10000, ...extra,
  };
}

describe('mergeE2eRounds', () => {
  it('per case: the training figures of the shortest epoch, the inference of the most images/s, every round kept', () => {
    const merged = mergeE2eRounds([
      [e2e('cnn', 1, 10.5, 18000, { pool: { splitCalls: 1, stolenShares: 1 } }), e2e('cnn', 2, 5.2, 30000)],
      [e2e('cnn', 1, 9.8, 17000, { pool: { splitCalls: 2, stolenShares: 2 } }), e2e('cnn', 2, 6.1, 31000)],
    ]);
    expect(merged.map((r) => [r.model, r.threads, r.epochSeconds, r.inferenceImagesPerSecond])).toEqual([['cnn', 1, 9.8, 18000], ['cnn', 2, 5.2, 31000]]);
    expect(merged[0]!.msPerStep).toBeCloseTo(9.8 / 0.46875, 12);
    expect(merged[0]!.pool).toEqual({ splitCalls: 2, stolenShares: 2 });
    expect(merged[0]!.rounds).toEqual({ epochSeconds: [10.5, 9.8], inferenceImagesPerSecond: [18000, 17000] });
  });

  it('a round with an error or without the case is left out of the choice; all failing keeps the first error', () => {
    const merged = mergeE2eRounds([
      [e2e('fnn', 1, null, null, { error: 'boom 1' }), e2e('cnn', 1, null, null, { error: 'cnn failed' })],
      [e2e('fnn', 1, 0.7, 200000), e2e('cnn', 1, null, null, { error: 'cnn failed again' }), e2e('fnn', 2, 0.5, 300000)],
    ]);
    const fnn1 = merged.find((r) => r.model === 'fnn' && r.threads === 1)!;
    expect([fnn1.epochSeconds, fnn1.error, fnn1.rounds!.epochSeconds]).toEqual([0.7, undefined, [null, 0.7]]);
    const cnn = merged.find((r) => r.model === 'cnn')!;
    expect([cnn.epochSeconds, cnn.error]).toEqual([null, 'cnn failed']);
    const fnn2 = merged.find((r) => r.threads === 2)!;
    expect([fnn2.epochSeconds, fnn2.rounds!.epochSeconds]).toEqual([0.5, [null, 0.5]]);
  });
});

describe('mergeResnetRounds', () => {
  const run = (threads: number, msPerStep: number | null, error?: string): ResnetRun => ({
    framework: 'tapegrad', threads, msPerStep, stepMs: msPerStep === null ? [] : [msPerStep], warmupSteps: 5, params: 96298, ...(error ? { error } : {}),
  });
  it('per thread count, the round with the least median step, every round\'s median kept', () => {
    const merged = mergeResnetRounds([[run(1, 330), run(2, 180)], [run(1, 320), run(2, 190, undefined)], [run(1, null, 'x'), run(2, 175)]]);
    expect(merged.map((r) => [r.threads, r.msPerStep, r.roundMsPerStep])).toEqual([[1, 320, [330, 320, null]], [2, 175, [180, 190, 175]]]);
  });
});

describe('runSuites', () => {
  it('repeats adjacent suites with a merge as a group, in turn, and merges each; the rest run once', async () => {
    const calls: string[] = [];
    const runs = new Map<string, number>();
    const suite = (name: string, merge: boolean) => defineSuite({
      describe: `${name} suite`,
      run: async () => {
        const round = runs.get(name) ?? 0;
        runs.set(name, round + 1);
        calls.push(`${name}${round}/${merge ? 2 : 1}`);
        return [round];
      },
      ...(merge ? { merge: (rounds: number[][]) => rounds.flat() } : {}),
    });
    const suites = { a: suite('a', false), b: suite('b', true), c: suite('c', true), d: suite('d', false), e: suite('e', true) };
    const lines: string[] = [];
    const results = await runSuites({ suites: ['a', 'b', 'c', 'd', 'e'], rounds: 2 }, { quick: false, log: (l) => lines.push(l), cores: 2, shared: {} }, suites);
    expect(calls).toEqual(['a0/1', 'b0/2', 'c0/2', 'b1/2', 'c1/2', 'd0/1', 'e0/2', 'e1/2']);
    expect(results as unknown).toEqual({ a: [0], b: [0, 1], c: [0, 1], d: [0], e: [0, 1] });
    expect(lines).toEqual(['round 1 of 2: b, c', 'round 2 of 2: b, c', 'round 1 of 2: e', 'round 2 of 2: e']);
  });

  it('one round runs every suite once and still merges (a one-element list)', async () => {
    const got: unknown[] = [];
    const s = defineSuite({ describe: 'merged suite', run: async () => 7, merge: (r: number[]) => { got.push(r); return r[0]!; } });
    expect(await runSuites({ suites: ['s'], rounds: 1 }, { quick: true, log: () => {}, cores: 1, shared: {} }, { s }) as unknown).toEqual({ s: 7 });
    expect(got).toEqual([[7]]);
  });
});
