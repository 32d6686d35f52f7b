/** The bench's command line, parsed by node:util parseArgs (strict: an unknown option is an error). */
import { parseArgs } from 'node:util';
import { SUITES, SUITE_NAMES, type SuiteName, isSuiteName } from './suites.js';

export interface BenchArgs {
  quick: boolean;
  /** JSON output path; null: bench-results/bench-<timestamp>.json. */
  out: string | null;
  /** The suites to run, in registry order. */
  suites: SuiteName[];
  /** --only as given (null without it), recorded in the JSON. */
  only: SuiteName[] | null;
  help: boolean;
  /** Alternating rounds of the suites timed against PyTorch (Note [alternating rounds]): 2, 1 with --quick. */
  rounds: number;
}

export function usage(): string {
  const width = Math.max(...SUITE_NAMES.map((n) => n.length));
  return [
    'usage: node dist/cli.js [--quick] [--only SUITE[,SUITE…]] [--skip-peers] [--rounds N] [--out FILE] [--help]',
    '',
    '  --quick         short runs: a few seconds per case, training extrapolated from 50 batches',
    '  --only LIST     run only these suites (comma-separated names below)',
    '  --skip-peers    leave out the peers suite (TensorFlow.js) from a run of every suite',
    '  --rounds N      alternating rounds of e2e + pytorch and of resnet, each figure the best of its rounds',
    '                  (default 2, 1 with --quick)',
    '  --out FILE      write the JSON there (default bench-results/bench-<timestamp>.json)',
    '  --help          this text',
    '',
    'suites (a run without --only takes them all, in this order):',
    ...SUITE_NAMES.map((n) => `  ${n.padEnd(width)}  ${SUITES[n].describe}`),
  ].join('\n');
}

/** A command-line mistake: the message names the option or value, then the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage()}`);
    this.name = 'UsageError';
  }
}

/** Parses --only's comma list against the registry: unknown names, empty items and repeats are errors. */
export function parseSuiteList(list: string): SuiteName[] {
  const names = list.split(',').map((s) => s.trim());
  const seen = new Set<SuiteName>();
  for (const name of names) {
    if (name === '') throw new UsageError(`--only: empty suite name in "${list}"`);
    if (!isSuiteName(name)) throw new UsageError(`--only: unknown suite "${name}" (suites: ${SUITE_NAMES.join(', ')})`);
    if (seen.has(name)) throw new UsageError(`--only: suite "${name}" is listed twice`);
    seen.add(name);
  }
  return SUITE_NAMES.filter((n) => seen.has(n));
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values: { quick?: boolean; out?: string; only?: string; 'skip-peers'?: boolean; rounds?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        out: { type: 'string' },
        only: { type: 'string' },
        'skip-peers': { type: 'boolean' },
        rounds: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // parseArgs names the option ("Unknown option '--fast'", "Option '--out <value>' argument missing").
    throw new UsageError((e as Error).message);
  }
  const only = values.only === undefined ? null : parseSuiteList(values.only);
  if (only !== null && values['skip-peers']) throw new UsageError('--skip-peers applies to a run of every suite; with --only, leave peers out of the list');
  if (values.out === '') throw new UsageError('--out: empty file name');
  const suites = only ?? SUITE_NAMES.filter((n) => !(values['skip-peers'] && n === 'peers'));
  const quick = values.quick ?? false;
  let rounds = quick ? 1 : 2;
  if (values.rounds !== undefined) {
    rounds = Number(values.rounds);
    if (!/^[0-9]+$/.test(values.rounds) || rounds < 1 || rounds > 10) {
      throw new UsageError(`--rounds: a whole number from 1 to 10, got "${values.rounds}"`);
    }
  }
  return { quick, out: values.out ?? null, suites, only, help: values.help ?? false, rounds };
}
