import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// Each example is compiled as written (tsconfig.build.json, the package's build) and run with
// node in its own process; the checks read what it prints.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = readdirSync(root).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();

beforeAll(() => {
  // `turbo run test` builds first; a direct `npx vitest run` after editing an example rebuilds here.
  const stale = EXAMPLES.some((f) => {
    const js = join(root, 'dist', f.replace(/\.ts$/, '.js'));
    return !existsSync(js) || statSync(js).mtimeMs < statSync(join(root, f)).mtimeMs;
  });
  if (stale) execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}, 120_000);

async function run(name: string): Promise<string> {
  const file = EXAMPLES.find((f) => f.startsWith(name));
  if (!file) throw new Error(`no example ${name}* in ${root}`);
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist', file.replace(/\.ts$/, '.js'))], { cwd: root, timeout: 120_000 });
  return stdout;
}
/** The number after `label` in `text` (first match). */
function num(text: string, label: string | RegExp): number {
  const re = typeof label === 'string' ? new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(-?[\\d.]+(?:e[-+]?\\d+)?)`) : label;
  const m = text.match(re);
  if (!m) throw new Error(`no "${label}" followed by a number in:\n${text}`);
  return Number(m[1]);
}
function nums(text: string, re: RegExp): number[] {
  return [...text.matchAll(new RegExp(re, 'g'))].map((m) => Number(m[1]));
}

it('examples/ holds the twelve examples of the README table, in the lecture order', () => {
  expect(EXAMPLES.map((f) => f.slice(0, 2))).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']);
});

// Two at a time (vitest.config.ts maxConcurrency): the machine has 2 cores.
describe.concurrent('each example runs and prints what the lecture says', () => {
  it('01 1-D convolution and ReLU: the lecture numbers, by hand and with conv1d, padding keeps the length', async () => {
    const out = await run('01');
    expect(out).toContain('by hand       -1 1 -1 -1 0\n');
    expect(out).toContain('conv1d        -1 1 -1 -1 0\n');
    expect(out).toContain('relu          0 1 0 0 0\n');
    expect(out).toContain('detected at   2');
    expect(out).toContain('padded conv1d 0 -1 1 -1 -1 0 0\n');
    expect(out).toContain('padded relu   0 0 1 0 0 0 0\n');
  });

  it('02 filter bank: three maps [1,3,28,28], zero on the blank corner, conv2d equals the plain loop', async () => {
    const out = await run('02');
    expect(out).toContain('image 0 of the test set: Ankle boot');
    expect(out).toContain('filter bank output [1,3,28,28]');
    const means = nums(out, /mean \|response\| ([\d.]+)/);
    const corners = nums(out, /blank 4×4 corner ([\d.]+)/);
    expect(means).toHaveLength(3);
    for (const m of means) expect(m).toBeGreaterThan(0.05);
    expect(corners).toEqual([0, 0, 0]);
    expect(num(out, 'max |conv2d - applyFilter|')).toBeLessThan(1e-5);
    expect(out.split('\n').filter((l) => l.split(' | ').length === 4)).toHaveLength(15); // header + 14 rows
  });

  it('03 max pooling: 2×2 maxima of the toy image, shapes halve, moving the image changes pooled features less', async () => {
    const out = await run('03');
    expect(out).toContain('= [4,2,2,7]');
    expect(out).toContain('edge maps [1,2,28,28] -> pooled [1,2,14,14]');
    const change = nums(out, /relative change when moved ([\d.]+)/);
    expect(change).toHaveLength(6);
    expect(change[1]!).toBeLessThan(change[0]!);
    expect(change[5]!).toBeLessThan(change[1]!);
    expect(change[5]!).toBeLessThan(1e-3); // a global max does not see where the pattern is
  });

  it('04 case study: 25 530 vs 101 770 parameters, both well above chance after one short epoch', async () => {
    const out = await run('04');
    expect(out).toMatch(/^Cnn: 25530 parameters/m);
    expect(out).toMatch(/^Fnn: 101770 parameters/m);
    const [cnn, fnn] = nums(out, /test accuracy ([\d.]+)/);
    expect(cnn).toBeGreaterThan(0.75);
    expect(fnn).toBeGreaterThan(0.7);
  });

  it('05 weight decay vs L1: the penalty equals weightDecay; L2 shrinks the norm, L1 zeroes weights', async () => {
    const out = await run('05');
    expect(num(out, 'max |difference|')).toBeLessThan(1e-6);
    const acc = nums(out, /test accuracy ([\d.]+)/);
    const norm = nums(out, /‖W‖²\s+([\d.]+)/);
    const zeros = nums(out, /below 1e-3: ([\d.]+) %/);
    expect(acc).toHaveLength(3);
    for (const a of acc) expect(a).toBeGreaterThan(0.6);
    expect(norm[1]!).toBeLessThan(norm[0]! * 0.8);
    expect(zeros[1]!).toBeLessThan(10);
    expect(zeros[2]!).toBeGreaterThan(zeros[0]! + 20);
  });

  it('06 early stopping: stops before 50 epochs once validation loss rose, restores the best weights', async () => {
    const out = await run('06');
    const stopped = num(out, 'stopped after epoch');
    const best = num(out, 'best epoch');
    expect(stopped).toBeLessThan(50);
    expect(stopped).toBe(best + 3); // patience 3
    const val = nums(out, /validation loss ([\d.]+)/);
    const train = nums(out, /train loss ([\d.]+)/);
    expect(train).toHaveLength(stopped);
    expect(train[stopped - 1]!).toBeLessThan(train[best - 1]!); // training loss still falling
    expect(Math.min(...val.slice(0, stopped))).toBe(val[best - 1]); // the best epoch has the lowest validation loss
    expect(num(out, /best epoch \d+ \(validation loss ([\d.]+)/)).toBe(val[best - 1]);
    expect(num(out, 'restored weights: validation loss')).toBeCloseTo(val[best - 1]!, 3);
    expect(num(out, /restored weights: .*accuracy ([\d.]+)/)).toBeGreaterThan(0.7);
  });

  it('07 dropout: half the units kept, scaled by 2, mean kept; eval is the identity; dropout narrows the gap', async () => {
    const out = await run('07');
    expect(num(out, 'train mode:')).toBeGreaterThan(48);
    expect(num(out, 'train mode:')).toBeLessThan(52);
    expect(out).toContain('each scaled to 2;');
    expect(Math.abs(num(out, /train mode: .*mean ([\d.]+)/) - 1)).toBeLessThan(0.05);
    expect(out).toContain('eval mode: unchanged, mean 1\n');
    const gaps = nums(out, /gap (-?[\d.]+)/);
    const val = nums(out, /validation accuracy ([\d.]+)/);
    expect(gaps[1]!).toBeLessThan(gaps[0]!);
    for (const v of val) expect(v).toBeGreaterThan(0.7);
  });

  it('08 batch norm: per-channel mean 0 and std 1 after it; it trains faster at the same learning rate', async () => {
    const out = await run('08');
    const after = out.split('\n').find((l) => l.startsWith('after BatchNorm2d'))!;
    for (const m of nums(after, /(-?\d+\.\d+)/)) expect([0, 1]).toContain(Math.abs(m));
    const loss = nums(out, /train loss ([\d.]+)/);
    const acc = nums(out, /test accuracy ([\d.]+)/);
    expect(loss[1]!).toBeLessThan(loss[0]!);
    expect(acc[1]!).toBeGreaterThan(0.75);
  });

  it('09 residual block: the gradient reaches the first layer of a deep stack only with skips; it trains', async () => {
    const out = await run('09');
    const [plain, residual] = nums(out, /first conv's weight ([\d.e+-]+)/);
    expect(residual!).toBeGreaterThan(plain! * 1e3);
    const acc = nums(out, /test accuracy ([\d.]+)/);
    expect(acc[1]!).toBeGreaterThan(0.6);
    expect(acc[1]!).toBeGreaterThan(acc[0]! + 0.1);
  });

  it('10 augmentation: every transform changes the image; rotation augmentation holds accuracy on rotated images', async () => {
    const out = await run('10');
    const changed = nums(out, /changes\s+(\d+) of 784/);
    expect(changed).toHaveLength(8);
    for (const c of changed) expect(c).toBeGreaterThan(20);
    const upright = nums(out, /upright ([\d.]+)/);
    const rotated = nums(out, /rotated 90° ([\d.]+)/);
    expect(upright[0]!).toBeGreaterThan(0.7);
    expect(rotated[0]!).toBeLessThan(0.3); // the lecture: CNNs can fail when the input is rotated
    expect(rotated[1]!).toBeGreaterThan(rotated[0]! + 0.25);
  });

  it('11 learned filters: 16 filters, each resembling the patches that activate it most', async () => {
    const out = await run('11');
    const match = nums(out, /top patches match (-?[\d.]+)/);
    expect(match).toHaveLength(16);
    for (const m of match) expect(m).toBeGreaterThan(0.3);
    expect(num(out, 'mean similarity of a filter and its top-20 patches:')).toBeGreaterThan(0.6);
  });

  it('12 FGSM: accuracy falls as ε grows, to below half of the clean accuracy at ε = 0.1', async () => {
    const out = await run('12');
    expect(out).toContain('weight gradients computed: 0\n'); // grad(loss, [x]) leaves the parameters alone
    const acc = nums(out, /test accuracy ([\d.]+)/);
    expect(acc).toHaveLength(5);
    expect(acc[0]!).toBeGreaterThan(0.7);
    for (let i = 1; i < acc.length; i++) expect(acc[i]!).toBeLessThanOrEqual(acc[i - 1]!);
    expect(acc[4]!).toBeLessThan(acc[0]! / 2);
  });
});
