/**
 * Note [alternating rounds]: the suites that time tapegrad against PyTorch (e2e with pytorch, and
 * resnet, which runs both) run `--rounds` times in turn, tapegrad then PyTorch then tapegrad then
 * PyTorch, and each figure is the best of its rounds (the shortest epoch or step, the most images
 * per second), every round's figure kept in the JSON next to it. The VMs these runs land on slow
 * down for minutes at a time with no steal time reported: on 2026-12-07 (AMD EPYC family 25
 * model 17, 2 cores) the same Winograd conv took 16.4 ms and 23.4 ms a few minutes apart, and two
 * runs ten minutes apart put the 2-thread CNN epoch at 1.12× and 0.63× PyTorch's. One pass of
 * each side lets whichever ran in the slow minutes lose; alternating and taking each side's best
 * compares the two at their undisturbed speed, the same rule for both. `--quick` runs one round.
 *
 * A suite opts in with a `merge` (suite.ts): runSuites groups adjacent such suites and repeats the
 * group, so e2e and pytorch alternate as a pair and resnet with itself.
 */
import type { E2eResult } from './e2e.js';
import type { ResnetRun } from './resnet.js';

/** Every round's figure of one case (null where the round had none). */
export type RoundFigures = NonNullable<E2eResult['rounds']>;

/** How many alternating rounds were merged into these runs (1 when none were). */
export function roundCount(runs: readonly { rounds?: RoundFigures }[]): number {
  return Math.max(1, ...runs.map((r) => r.rounds?.epochSeconds.length ?? 1));
}

/** Index of the best finite value (`better(a, b)`: a beats b), or -1 when there is none. */
function bestIndex(values: readonly (number | null)[], better: (a: number, b: number) => boolean): number {
  let best = -1;
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v) && (best < 0 || better(v, values[best]!))) best = i;
  });
  return best;
}

/**
 * The case-study runs of several rounds (each a list of E2eResult, one per model and thread count)
 * as one list: per case, the training fields of the round with the shortest epoch and the
 * inference of the round with the most images/s, with `rounds` holding each round's figures. A
 * case a round did not run or got an error in is left out of that round's choice; when no round
 * has a figure, the first round's result (its error) stands.
 */
export function mergeE2eRounds<R extends E2eResult>(rounds: readonly (readonly R[])[]): (R & { rounds: RoundFigures })[] {
  if (rounds.length === 0) return [];
  const keys: string[] = [];
  for (const round of rounds) for (const r of round) if (!keys.includes(`${r.model}/${r.threads}`)) keys.push(`${r.model}/${r.threads}`);
  return keys.map((key) => {
    const runs = rounds.map((round) => round.find((r) => `${r.model}/${r.threads}` === key) ?? null);
    const epochs = runs.map((r) => (r && !r.error ? r.epochSeconds : null));
    const rates = runs.map((r) => (r && !r.error ? r.inferenceImagesPerSecond : null));
    const train = bestIndex(epochs, (a, b) => a < b);
    const infer = bestIndex(rates, (a, b) => a > b);
    const base = runs[train >= 0 ? train : runs.findIndex((r) => r !== null)]!;
    const inference = infer >= 0 ? runs[infer]! : base;
    return {
      ...base,
      inferenceImagesPerSecond: inference.inferenceImagesPerSecond,
      inferenceImagesTimed: inference.inferenceImagesTimed,
      rounds: { epochSeconds: epochs, inferenceImagesPerSecond: rates },
    };
  });
}

/**
 * The resnet runs of several rounds as one list: per thread count, the round with the lowest
 * median step, with `roundMsPerStep` holding each round's median.
 */
export function mergeResnetRounds(rounds: readonly (readonly ResnetRun[])[]): (ResnetRun & { roundMsPerStep: (number | null)[] })[] {
  if (rounds.length === 0) return [];
  const threads = [...new Set(rounds.flatMap((round) => round.map((r) => r.threads)))];
  return threads.map((t) => {
    const runs = rounds.map((round) => round.find((r) => r.threads === t) ?? null);
    const medians = runs.map((r) => (r && !r.error ? r.msPerStep : null));
    const best = bestIndex(medians, (a, b) => a < b);
    return { ...runs[best >= 0 ? best : runs.findIndex((r) => r !== null)]!, roundMsPerStep: medians };
  });
}
