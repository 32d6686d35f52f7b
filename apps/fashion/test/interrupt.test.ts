// Issue 12: SIGINT/SIGTERM during `fashion train` stop after the step in progress and say where
// the last checkpoint is and how to resume (exit 130/143); a closed stdout (EPIPE, `| head -1`)
// and every other expected I/O error is one line; only a bug prints a stack trace, asking to
// report it (exit 70). The CLI is spawned asynchronously (spawnSync would stall vitest's worker).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/errors.js';
import { describeFailure, EXIT_BUG } from '../src/failure.js';
import { interruptedMessage, resumeCommand } from '../src/interrupt.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
const root = join(here, '..', '..', '..');

interface Run { child: ChildProcess; done: Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> }
function start(args: string[], opts: { env?: Record<string, string>; stdout?: 'pipe' | number } = {}): Run {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...opts.env }, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stdout?.on('error', () => {});
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (status, signal) => setTimeout(() => resolve({ status, signal, stdout, stderr }), 50)),
  );
  return { child, done };
}
const waitFor = async (cond: () => boolean, what: string, ms = 120_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fashion-interrupt-'));
});
const T = (out: string, ...extra: string[]) => ['train', '--model', 'cnn', '--threads', '1', '--train-limit', '300', '--test-limit', '100', '--batch-size', '25', '--no-progress', '--no-report', '--out', out, ...extra];

describe('SIGINT / SIGTERM during fashion train', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s after the first checkpoint: exit %d, one line naming the checkpoint and the --resume command, which then finishes the run', async (signal, code) => {
    const out = join(tmp, signal);
    const ckpt = join(out, 'cnn', 'checkpoint.safetensors');
    const r = start(T(out, '--epochs', '4'));
    await waitFor(() => existsSync(ckpt), 'the first checkpoint');
    r.child.kill(signal);
    const res = await r.done;
    expect(res.signal, res.stderr).toBe(null);
    expect(res.status, res.stderr).toBe(code);
    // Besides the epoch lines (the progress, on stderr without a terminal), one line.
    const lines = res.stderr.trim().split('\n').filter((l) => !/^cnn epoch \d+\/4 \|/.test(l));
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^interrupted \\(${signal}\\) during epoch \\d+ of cnn: the last checkpoint is ${ckpt} \\(after epoch \\d+\\); continue with: node apps/fashion/dist/cli\\.js train .* --resume$`));
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, 'cnn', '.lock'))).toBe(false); // released
    // The printed command, run as printed, finishes the run from the checkpoint.
    const command = lines[0]!.split('continue with: ')[1]!.split(' ');
    expect(command.slice(0, 2)).toEqual(['node', 'apps/fashion/dist/cli.js']);
    const resumed = await start(command.slice(2)).done;
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`resuming from ${ckpt} after epoch ${/after epoch (\d+)/.exec(lines[0]!)![1]}`));
    expect(JSON.parse(readFileSync(join(out, 'cnn', 'metrics.json'), 'utf8')).epochs).toHaveLength(4);
  }, 300_000);
});

describe('closed or failing output, expected I/O errors and bugs', () => {
  it('SIGINT before the first checkpoint: exit 130, nothing to resume, the empty run directory removed', async () => {
    const out = join(tmp, 'early');
    const r = start(T(out, '--epochs', '4'));
    await waitFor(() => existsSync(join(out, 'cnn', '.lock')), 'the run lock');
    r.child.kill('SIGINT');
    const res = await r.done;
    expect(res.status, res.stderr).toBe(130);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^interrupted \(SIGINT\) (during epoch 1 of cnn, before the first checkpoint: nothing to resume; run the command again to start over|before training started)\n$/);
    expect(existsSync(join(out, 'cnn'))).toBe(false);
  }, 120_000);

  it('stdout closed after the first line (as `| head -1`): one line on stderr, exit 141, no stack trace', async () => {
    const r = start(T(join(tmp, 'epipe'), '--epochs', '4'));
    await waitFor(() => r.child.stdout!.readableLength > 0 || (r.child.stdout as unknown as { bytesRead?: number }).bytesRead! > 0, 'the first line');
    r.child.stdout!.destroy();
    const res = await r.done;
    expect(res.status, `${res.stdout}\n---\n${res.stderr}`).toBe(141);
    const lines = res.stderr.trim().split('\n').filter((l) => !/^cnn epoch \d+\/4 \|/.test(l)); // progress lines aside
    expect(lines, res.stderr).toHaveLength(1);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    // Stopped during training, or (on a fast machine) after its last batch.
    expect(lines[0]).toMatch(/^output closed \(EPIPE\)( during epoch \d+ of cnn|; the run had finished: its files are in )/);
  }, 120_000);

  it('stdout on a full disk (/dev/full): one line naming ENOSPC, exit 1', async () => {
    const res = await start(T(join(tmp, 'full'), '--epochs', '1'), { stdout: openSync('/dev/full', 'w') }).done;
    expect(res.status, res.stderr).toBe(1);
    expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
    expect(res.stderr).toMatch(/^error: cannot write the output \(ENOSPC: no space left on device, write\)/);
  }, 120_000);

  it.each(['ENOSPC', 'EACCES', 'EROFS', 'ENOTDIR', 'EISDIR', 'EDQUOT'])('an %s error is one line, exit 1', async (code) => {
    const res = await start(T(join(tmp, `io-${code}`), '--epochs', '1'), { env: { TAPEGRAD_INJECT_FAULT: code } }).done;
    expect(res.status, res.stderr).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`^error: ${code}: injected by TAPEGRAD_INJECT_FAULT, write 'runs/cnn/metrics.json'`));
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('a bug prints its stack trace and a line asking to report it, exit 70', async () => {
    const res = await start(T(join(tmp, 'bug'), '--epochs', '1'), { env: { TAPEGRAD_INJECT_FAULT: 'bug' } }).done;
    expect(res.status, res.stderr).toBe(EXIT_BUG);
    expect(res.stderr).toMatch(/^TypeError: Cannot read properties of undefined/);
    expect(res.stderr).toMatch(/\n\s+at /);
    expect(res.stderr).toMatch(/This is a bug in tapegrad, not something you did\. Please report it/);
  }, 60_000);

  it('describeFailure: our errors and errno errors are one line with status 1; anything else is a bug (70) with its stack', () => {
    expect(describeFailure(new CliError('--x is bad'))).toEqual({ text: 'error: --x is bad\n', status: 1 });
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write 'a'"), { code: 'ENOSPC' });
    expect(describeFailure(enospc)).toEqual({ text: "error: ENOSPC: no space left on device, write 'a' (the disk is full: free some space or choose another --out)\n", status: 1 });
    const enotdir = Object.assign(new Error("ENOTDIR: not a directory,\n open 'f/x'"), { code: 'ENOTDIR' });
    expect(describeFailure(enotdir).text).toBe("error: ENOTDIR: not a directory, open 'f/x'\n");
    const bug = describeFailure(new RangeError('Invalid array length'));
    expect(bug.status).toBe(70);
    expect(bug.text).toMatch(/^RangeError: Invalid array length\n\s+at /);
    expect(describeFailure(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })).status).toBe(70); // unknown codes are bugs
  });

  it('resumeCommand repeats the command line with --resume, without --overwrite, quoted for a shell', () => {
    expect(resumeCommand(['train', '--out', 'my runs', '--overwrite'], '/r/apps/fashion/dist/cli.js', '/r')).toBe("node apps/fashion/dist/cli.js train --out 'my runs' --resume");
    expect(resumeCommand(['train', '--resume'], '/r/cli.js', '/r')).toBe('node cli.js train --resume');
    expect(interruptedMessage({ reason: 'SIGTERM', run: 'fnn', epoch: 3, checkpoint: 'runs/fnn/checkpoint.safetensors', savedEpoch: 2 }, 'node cli.js train --resume')).toBe(
      'interrupted (SIGTERM) during epoch 3 of fnn: the last checkpoint is runs/fnn/checkpoint.safetensors (after epoch 2); continue with: node cli.js train --resume',
    );
  });
});
