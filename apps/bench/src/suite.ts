/**
 * What a benchmark suite is: a name in the SUITES registry (suites.ts), a one-line description
 * for --help, and a run that measures and returns its figures (written to the JSON file under the
 * suite's name) while logging progress lines. Suites do not read each other's results; the tables
 * that compare suites (ours against tfjs and PyTorch) are drawn afterwards from all of them
 * (report.ts).
 */
import type { PeakResult } from './peak.js';

export interface SuiteOptions {
  /** --quick: a few seconds per case instead of full epochs and long samples. */
  quick: boolean;
  /** Progress lines and the suite's own tables. */
  log: (line: string) => void;
  /** Cores of this machine (availableParallelism): the "all cores" runs use them. */
  cores: number;
  /** Figures one suite measures that another uses for its rates (the kernels suite sets `peak`). */
  shared: { peak?: PeakResult[] };
}

export interface Suite<R> {
  /** One line for --help. */
  describe: string;
  run(options: SuiteOptions): Promise<R>;
  /**
   * Suites that time tapegrad against PyTorch: run `--rounds` times, alternating with the adjacent
   * suites that have one, and their rounds merged into the result (Note [alternating rounds]).
   */
  merge?(rounds: R[]): R;
}

/** Declares a suite; the identity function that lets TypeScript infer R for the registry. */
export function defineSuite<R>(suite: Suite<R>): Suite<R> {
  return suite;
}
