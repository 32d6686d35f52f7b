/** Runs a bench's suites (cli.ts), with the alternating rounds of Note [alternating rounds] (rounds.ts). */
import type { BenchArgs } from './args.js';
import type { Suite, SuiteOptions } from './suite.js';
import { SUITES, type SuiteResults } from './suites.js';

/**
 * Runs the chosen suites in registry order. Adjacent suites with a merge form a group that runs
 * `args.rounds` times in turn (e2e, pytorch, e2e, pytorch; resnet, resnet), each suite's rounds
 * merged into its result (Note [alternating rounds], rounds.ts).
 */
export async function runSuites(
  args: { suites: readonly string[]; rounds: BenchArgs['rounds'] },
  o: Omit<SuiteOptions, 'round' | 'rounds'>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each suite has its own result type
  suites: Readonly<Record<string, Suite<any>>> = SUITES,
): Promise<SuiteResults> {
  const results: Record<string, unknown> = {};
  const names = args.suites;
  for (let i = 0; i < names.length;) {
    const group = [names[i]!];
    if (suites[names[i]!]!.merge) while (i + group.length < names.length && suites[names[i + group.length]!]!.merge) group.push(names[i + group.length]!);
    i += group.length;
    const rounds = suites[group[0]!]!.merge ? args.rounds : 1;
    const got = new Map<string, unknown[]>(group.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) o.log(`round ${round + 1} of ${rounds}: ${group.join(', ')}`);
      for (const name of group) got.get(name)!.push(await suites[name]!.run({ ...o, round, rounds }));
    }
    for (const name of group) {
      const suite = suites[name]!;
      results[name] = suite.merge ? suite.merge(got.get(name)!) : got.get(name)![0];
    }
  }
  return results as SuiteResults;
}
