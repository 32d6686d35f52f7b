import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The PyTorch direction of the weights round trip needs Python with torch: Debian's python3-torch
// at /usr/bin/python3 (the python3 first on PATH may be another interpreter), or TAPEGRAD_PYTHON.
// It is never required: without torch this suite does not run, and the README says so; .ci/run
// installs python3-torch so that it runs in CI. The tapegrad side (names, layouts, format) is tested without them in
// packages/nn and in cli.test.ts.
const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '..', 'scripts', 'pytorch_interop.py');
const cli = join(here, '..', 'dist', 'cli.js');
const python = process.env.TAPEGRAD_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe.runIf(hasTorch)(`PyTorch interop (${python} with torch)`, () => {
  const out = mkdtempSync(join(tmpdir(), 'fashion-torch-'));
  const py = (args: string[]) => {
    const r = spawnSync(python, [script, ...args], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { testAccuracy: number };
  };
  const node = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
  };

  it('a PyTorch-saved CNN evaluates to the same accuracy here as in PyTorch', () => {
    const file = join(out, 'torch-cnn.safetensors');
    const torchAcc = py(['train', '--model', 'cnn', '--out', file, '--train-limit', '5000']).testAccuracy;
    node(['eval', '--model', 'cnn', '--weights', file, '--out', join(out, 'eval-torch')]);
    const ours = JSON.parse(readFileSync(join(out, 'eval-torch', 'metrics.json'), 'utf8')).testAccuracy;
    // Float32 summation order may flip a borderline prediction or two out of 10 000.
    expect(Math.abs(ours - torchAcc)).toBeLessThanOrEqual(2e-4);
  });

  it('our saved CNN loads in PyTorch with load_state_dict and gives our accuracy', () => {
    node(['train', '--model', 'cnn', '--epochs', '1', '--train-limit', '5000', '--out', join(out, 'ours'), '--no-progress']);
    const ours = JSON.parse(readFileSync(join(out, 'ours', 'cnn', 'metrics.json'), 'utf8')).testAccuracy;
    const torchAcc = py(['eval', '--model', 'cnn', '--weights', join(out, 'ours', 'cnn', 'model.safetensors')]).testAccuracy;
    expect(Math.abs(ours - torchAcc)).toBeLessThanOrEqual(2e-4);
  });
});
