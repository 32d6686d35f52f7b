import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { FASHION_MNIST_SYSTEM_DIR, findFashionMnistFiles } from '@tapegrad/nn/node';
import { CliError } from './errors.js';

/** The Debian package with the Fashion-MNIST IDX files (installs to /usr/share/datasets/fashion-mnist). */
export const DATA_PACKAGE = 'dataset-fashion-mnist';

/** What decides whether `train` may install the data. */
export interface DataInstallFacts {
  /** The IDX files were found (in --data-dir, $FASHION_MNIST_DIR or the system directory). */
  dataFound: boolean;
  /** The user named a directory (--data-dir or FASHION_MNIST_DIR): it is the only place looked at. */
  dirChosen: boolean;
  aptGet: boolean;
  root: boolean;
  /** stdin and stderr are terminals: a question can be asked and answered. */
  terminal: boolean;
  /** --install-data. */
  installFlag: boolean;
}

/** What to do about missing data; a pure function of the facts. */
export type DataInstallPlan =
  | { action: 'go-on' }
  /** Run `command`, after a yes on the terminal when `ask`. */
  | { action: 'install'; ask: boolean; command: string[] }
  /** Cannot or may not install: this message instead (with the exact command to run). */
  | { action: 'refuse'; message: string };

const installCommand = ['apt-get', 'install', '-y', DATA_PACKAGE];

/**
 * Decides: data present → go on; a directory of the user's choosing → never install there (the
 * loader's error names it); no apt-get → the loader's error; not root → the exact `sudo` command;
 * root → install with --install-data, ask on a terminal, else say to pass --install-data.
 */
export function planDataInstall(f: DataInstallFacts): DataInstallPlan {
  if (f.dataFound || f.dirChosen || !f.aptGet) return { action: 'go-on' };
  const missing = `Fashion-MNIST is not installed (${FASHION_MNIST_SYSTEM_DIR} has no IDX files)`;
  if (!f.root) {
    return { action: 'refuse', message: `${missing}; install it with: sudo apt-get install ${DATA_PACKAGE}   (then run the command again)` };
  }
  if (f.installFlag) return { action: 'install', ask: false, command: installCommand };
  if (f.terminal) return { action: 'install', ask: true, command: installCommand };
  return { action: 'refuse', message: `${missing}; pass --install-data to install the Debian package ${DATA_PACKAGE} with apt-get, or run: apt-get install ${DATA_PACKAGE}` };
}

/** The side effects `ensureFashionMnist` needs, replaceable in tests. */
export interface DataInstallDeps {
  facts: (o: { dataDir?: string; installFlag: boolean }) => DataInstallFacts;
  ask: (question: string) => Promise<boolean>;
  run: (command: string[]) => number | null;
  log: (line: string) => void;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const systemDeps: DataInstallDeps = {
  facts: ({ dataDir, installFlag }) => {
    let dataFound = true;
    try {
      findFashionMnistFiles('train', dataDir);
      findFashionMnistFiles('test', dataDir);
    } catch {
      dataFound = false;
    }
    return {
      dataFound,
      dirChosen: dataDir !== undefined || Boolean(process.env['FASHION_MNIST_DIR']),
      aptGet: ['/usr/bin/apt-get', '/bin/apt-get'].some(isExecutable),
      root: process.getuid?.() === 0,
      terminal: Boolean(process.stdin.isTTY && process.stderr.isTTY),
      installFlag,
    };
  },
  ask: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const a = (await rl.question(question)).trim().toLowerCase();
      return a === '' || a === 'y' || a === 'yes';
    } finally {
      rl.close();
    }
  },
  run: (command) => spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' }).status,
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Before `train` reads the data: when Fashion-MNIST is missing and apt-get is there, installs the
 * Debian package (asking first on a terminal; at once with --install-data; as a non-root user it
 * prints the exact sudo command instead), then training goes on. Errors are CliErrors (one line).
 */
export async function ensureFashionMnist(o: { dataDir?: string; installFlag: boolean }, deps: DataInstallDeps = systemDeps): Promise<void> {
  const plan = planDataInstall(deps.facts(o));
  if (plan.action === 'go-on') return;
  if (plan.action === 'refuse') throw new CliError(plan.message);
  const shown = plan.command.join(' ');
  if (plan.ask && !(await deps.ask(`Fashion-MNIST is not installed. Install the Debian package ${DATA_PACKAGE} now (${shown})? [Y/n] `))) {
    throw new CliError(`Fashion-MNIST is needed to train; install it with: ${shown}   (or pass --data-dir DIR with the IDX files)`);
  }
  deps.log(`installing Fashion-MNIST: ${shown}`);
  let status = deps.run(plan.command);
  if (status !== 0) {
    // The package lists may be stale (a fresh container has none): update them once and retry.
    deps.log('apt-get install failed; updating the package lists (apt-get update) and trying again');
    if (deps.run(['apt-get', 'update']) === 0) status = deps.run(plan.command);
  }
  if (status !== 0) throw new CliError(`${shown} failed (exit status ${status}); install the package by hand, or pass --data-dir DIR with the IDX files`);
  if (!deps.facts(o).dataFound) throw new CliError(`${shown} succeeded but ${FASHION_MNIST_SYSTEM_DIR} still has no Fashion-MNIST IDX files`);
  deps.log(`Fashion-MNIST installed in ${FASHION_MNIST_SYSTEM_DIR}; going on`);
}
