// Issue 12, "a fresh machine": when the Fashion-MNIST files are missing and apt-get is there,
// `train` offers to install dataset-fashion-mnist. The decision is a pure function of the facts;
// the installer runs against injected fakes (no apt-get, no terminal, no root in these tests).
import { describe, expect, it } from 'vitest';
import { type DataInstallDeps, type DataInstallFacts, ensureFashionMnist, planDataInstall } from '../src/data-install.js';
import { CliError } from '../src/errors.js';

const FRESH: DataInstallFacts = { dataFound: false, dirChosen: false, aptGet: true, root: true, terminal: false, installFlag: false };
const INSTALL = ['apt-get', 'install', '-y', 'dataset-fashion-mnist'];

describe('planDataInstall', () => {
  it.each<[string, Partial<DataInstallFacts>, ReturnType<typeof planDataInstall>]>([
    ['data present: go on', { dataFound: true, installFlag: true }, { action: 'go-on' }],
    ['--data-dir or FASHION_MNIST_DIR chosen: never install (the loader names the directory)', { dirChosen: true, installFlag: true }, { action: 'go-on' }],
    ['no apt-get: the loader says how to get the data', { aptGet: false, installFlag: true, terminal: true }, { action: 'go-on' }],
    ['root with --install-data: install without asking', { installFlag: true, terminal: true }, { action: 'install', ask: false, command: INSTALL }],
    ['root on a terminal: ask first', { terminal: true }, { action: 'install', ask: true, command: INSTALL }],
  ])('%s', (_n, f, plan) => {
    expect(planDataInstall({ ...FRESH, ...f })).toEqual(plan);
  });

  it('not root: the exact sudo command, even with --install-data or a terminal', () => {
    for (const f of [{}, { installFlag: true }, { terminal: true }]) {
      const p = planDataInstall({ ...FRESH, root: false, ...f });
      expect(p.action).toBe('refuse');
      expect((p as { message: string }).message).toMatch(/install it with: sudo apt-get install dataset-fashion-mnist/);
    }
  });

  it('root without a terminal and without --install-data: says to pass --install-data (a script is never blocked on a question)', () => {
    const p = planDataInstall(FRESH);
    expect(p).toEqual({ action: 'refuse', message: expect.stringMatching(/pass --install-data to install the Debian package dataset-fashion-mnist with apt-get, or run: apt-get install dataset-fashion-mnist/) });
  });
});

/** Fakes: facts before and after, the answer to the question, the exit status of each command. */
function fakes(o: { before: Partial<DataInstallFacts>; installs?: boolean; answer?: boolean; statuses?: number[] }) {
  let installed = false;
  const statuses = [...(o.statuses ?? [0])];
  const ran: string[] = [];
  const asked: string[] = [];
  const logged: string[] = [];
  const deps: DataInstallDeps = {
    facts: ({ installFlag }) => ({ ...FRESH, ...o.before, installFlag, dataFound: installed || (o.before.dataFound ?? false) }),
    ask: async (q) => {
      asked.push(q);
      return o.answer ?? true;
    },
    run: (cmd) => {
      ran.push(cmd.join(' '));
      const s = statuses.shift() ?? 0;
      if (s === 0 && cmd[1] === 'install' && (o.installs ?? true)) installed = true;
      return s;
    },
    log: (l) => logged.push(l),
  };
  return { deps, ran, asked, logged };
}

describe('ensureFashionMnist (injected fakes)', () => {
  it('--install-data as root: installs without asking, then goes on', async () => {
    const f = fakes({ before: {} });
    await ensureFashionMnist({ installFlag: true }, f.deps);
    expect(f.asked).toEqual([]);
    expect(f.ran).toEqual(['apt-get install -y dataset-fashion-mnist']);
    expect(f.logged.at(-1)).toMatch(/Fashion-MNIST installed in \/usr\/share\/datasets\/fashion-mnist; going on/);
  });

  it('on a terminal: asks; yes installs, no stops with the command to run by hand', async () => {
    const yes = fakes({ before: { terminal: true }, answer: true });
    await ensureFashionMnist({ installFlag: false }, yes.deps);
    expect(yes.asked).toEqual([expect.stringMatching(/Install the Debian package dataset-fashion-mnist now \(apt-get install -y dataset-fashion-mnist\)\? \[Y\/n\]/)]);
    expect(yes.ran).toHaveLength(1);
    const no = fakes({ before: { terminal: true }, answer: false });
    await expect(ensureFashionMnist({ installFlag: false }, no.deps)).rejects.toThrow(/Fashion-MNIST is needed to train; install it with: apt-get install -y dataset-fashion-mnist/);
    expect(no.ran).toEqual([]);
  });

  it('a failed install updates the package lists once and retries; a second failure is one CliError', async () => {
    const retry = fakes({ before: {}, statuses: [100, 0, 0] });
    await ensureFashionMnist({ installFlag: true }, retry.deps);
    expect(retry.ran).toEqual(['apt-get install -y dataset-fashion-mnist', 'apt-get update', 'apt-get install -y dataset-fashion-mnist']);
    const fail = fakes({ before: {}, statuses: [100, 0, 100] });
    const err = await ensureFashionMnist({ installFlag: true }, fail.deps).catch((e) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toMatch(/apt-get install -y dataset-fashion-mnist failed \(exit status 100\)/);
  });

  it('an install that leaves no files is an error, not a crash later', async () => {
    const f = fakes({ before: {}, installs: false });
    await expect(ensureFashionMnist({ installFlag: true }, f.deps)).rejects.toThrow(/succeeded but \/usr\/share\/datasets\/fashion-mnist still has no Fashion-MNIST IDX files/);
  });

  it('not root: nothing is run, the sudo command is the error', async () => {
    const f = fakes({ before: { root: false } });
    await expect(ensureFashionMnist({ installFlag: true }, f.deps)).rejects.toThrow(/sudo apt-get install dataset-fashion-mnist/);
    expect(f.ran).toEqual([]);
  });

  it('control: data present, nothing asked or run', async () => {
    const f = fakes({ before: { dataFound: true } });
    await ensureFashionMnist({ installFlag: false }, f.deps);
    expect([...f.ran, ...f.asked, ...f.logged]).toEqual([]);
  });
});
