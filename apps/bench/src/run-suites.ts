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
  o: SuiteOptions,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each suite has its own result type
  suites: Readonly<Record<string, Suite<any>>> = SUITES,
): Promise<SuiteResults> {
  const groups: string[][] = [];
  for (const name of args.suites) {
    const last = groups.at(-1);
    if (last && suites[name]!.merge && suites[last[0]!]!.merge) last.push(name);
    else groups.push([name]);
  }
  const results: Record<string, unknown> = {};
  for (const group of groups) {
    const rounds = suites[group[0]!]!.merge ? args.rounds : 1;
    const got = group.map((): unknown[] => []);
    for (let round = 0; round < rounds; round++) {
      if (rounds > 1) o.log(`round ${round + 1} of ${rounds}: ${group.join(', ')}`);
      for (const [i, name] of group.entries()) got[i]!.push(await suites[name]!.run(o));
    }
    group.forEach((name, i) => {
      const merge = suites[name]!.merge;
      results[name] = merge ? merge(got[i]!) : got[i]![0];
    });
  }
  return results as SuiteResults;
}
