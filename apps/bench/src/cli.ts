#!/usr/bin/env node
/**
 * tapegrad's benchmark runner. Everything runs in one sitting, so the ratios compare figures taken
 * under the same machine load.
 *
 *   node dist/cli.js [--quick] [--only SUITE[,SUITE…]] [--skip-peers] [--rounds N] [--out FILE] [--help]
 *
 * Suites are registered in suites.ts (--help lists them). Writes tables to the terminal and every
 * figure, the machine, its load and the git commit to a JSON file (default
 * bench-results/bench-<timestamp>.json, relative to the working directory).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BenchArgs, parseBenchArgs, usage } from './args.js';
import { loadAverage, machineInfo } from './machine.js';
import { summaryTables } from './report.js';
import { resultsJson } from './results-json.js';
import { runSuites } from './run-suites.js';

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    console.log(usage());
    return;
  }
  const log = (line: string): void => console.log(line);
  const started = new Date();
  const machine = machineInfo();
  log(`tapegrad bench ${args.quick ? '--quick ' : ''}· ${machine.cpu} · ${machine.cores} cores · load ${machine.loadAverage.join(' ')} · Node ${machine.node} · ${machine.commit?.slice(0, 10) ?? 'no git'}${machine.dirty ? ' (dirty)' : ''}`);
  log(`suites: ${args.suites.join(', ')}; ${args.rounds > 1 ? `${args.rounds} alternating rounds` : 'one round'} of the suites timed against PyTorch`);
  log(`started ${started.toISOString()}; other processes share this machine, so figures are noisy\n`);

  const results = await runSuites(args, { quick: args.quick, log, cores: machine.cores, shared: {} });
  const summary = summaryTables(results);
  if (summary) log(`\n${summary}`);

  const finished = new Date();
  const out = resolve(args.out ?? `bench-results/bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const json = resultsJson({ quick: args.quick, only: args.only, suites: args.suites, started, finished, machine, loadAverageEnd: loadAverage() }, results);
  // Atomic: a reader never sees half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(tmp, out);
  log(`\nwrote ${out} (${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s; load average at the end ${loadAverage().join(' ')})`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof Error && e.name === 'UsageError' ? 2 : 1);
});
