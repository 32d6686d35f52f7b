import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad, tensor, tidy } from '@tapegrad/autograd';
import { loadFashionMnist, loadOnnx } from '@tapegrad/nn/node';
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

/**
 * Runs a command without blocking the test worker: a spawnSync of tens of seconds per test, test
 * after test, kept vitest's worker from answering its RPC and failed the run with 'Timeout calling
 * "onTaskUpdate"' although every test passed.
 */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ status: code, stdout, stderr: stderr + (error !== null && code === null ? `\n${error.message}` : '') });
    });
  });
}

// .ci/run installs python3-torch: in CI a missing torch is a failure, not a reason to skip.
it.runIf(process.env.CI === 'true' && !hasTorch)('CI=true: /usr/bin/python3 has torch (.ci/run installs python3-torch)', () => {
  expect.fail(`${python} cannot import torch, so the PyTorch interop tests would not run in CI`);
});

describe.runIf(hasTorch)(`PyTorch interop (${python} with torch)`, () => {
  const out = mkdtempSync(join(tmpdir(), 'fashion-torch-'));
  const py = async (args: string[]) => {
    const r = await run(python, [script, ...args]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { testAccuracy: number };
  };
  const node = async (args: string[]) => {
    const r = await run(process.execPath, [cli, ...args]);
    expect(r.status, r.stderr).toBe(0);
  };

  it('a PyTorch-saved CNN evaluates to the same accuracy here as in PyTorch', async () => {
    const file = join(out, 'torch-cnn.safetensors');
    const torchAcc = (await py(['train', '--model', 'cnn', '--out', file, '--train-limit', '5000'])).testAccuracy;
    await node(['eval', '--model', 'cnn', '--weights', file, '--out', join(out, 'eval-torch')]);
    const ours = JSON.parse(readFileSync(join(out, 'eval-torch', 'metrics.json'), 'utf8')).testAccuracy;
    // Float32 summation order may flip a borderline prediction or two out of 10 000.
    expect(Math.abs(ours - torchAcc)).toBeLessThanOrEqual(2e-4);
  });

  it("a PyTorch-saved batch-norm CNN (the improved recipe's network; num_batches_tracked stored as I64) evaluates to PyTorch's accuracy here", async () => {
    const file = join(out, 'torch-cnn-bn.safetensors');
    const torchAcc = (await py(['train', '--model', 'cnn-bn', '--out', file, '--train-limit', '2000'])).testAccuracy;
    await node(['eval', '--model', 'cnn', '--weights', file, '--out', join(out, 'eval-torch-bn')]);
    const ours = JSON.parse(readFileSync(join(out, 'eval-torch-bn', 'metrics.json'), 'utf8')).testAccuracy;
    expect(Math.abs(ours - torchAcc)).toBeLessThanOrEqual(2e-4);
  });

  it('our saved CNN loads in PyTorch with load_state_dict and gives our accuracy', async () => {
    await node(['train', '--model', 'cnn', '--epochs', '1', '--train-limit', '5000', '--out', join(out, 'ours'), '--no-progress']);
    const ours = JSON.parse(readFileSync(join(out, 'ours', 'cnn', 'metrics.json'), 'utf8')).testAccuracy;
    const torchAcc = (await py(['eval', '--model', 'cnn', '--weights', join(out, 'ours', 'cnn', 'model.safetensors')])).testAccuracy;
    expect(Math.abs(ours - torchAcc)).toBeLessThanOrEqual(2e-4);
  });
});

describe.runIf(hasTorch)(`PyTorch → tapegrad: models exported by torch.onnx.export (${python})`, () => {
  const out = mkdtempSync(join(tmpdir(), 'fashion-torch-onnx-'));
  const TEST = 1000;
  const N = 100;
  const py = async (args: string[]) => {
    const r = await run(python, [script, ...args]);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { testAccuracy: number; logits: number[]; ops: string[]; initializers: string[] };
  };
  const node = async (args: string[]) => {
    const r = await run(process.execPath, [cli, ...args]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    return r.stdout;
  };
  // Float32 logits of ≤ 2304-term sums in two summation orders: ≤ 1e-4 (see packages/nn/test/onnx).
  const TOL = 1e-4;
  const cases: Array<{ model: string; flags: string[]; what: string; ops?: string[] }> = [
    { model: 'cnn', flags: ['--fold'], what: 'CNN, do_constant_folding=True (Flatten, Gemm transB)', ops: ['Conv', 'Relu', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm'] },
    { model: 'cnn', flags: ['--no-fold'], what: 'CNN, do_constant_folding=False' },
    { model: 'fnn', flags: ['--fold'], what: 'FNN, do_constant_folding=True', ops: ['Flatten', 'Gemm', 'Relu', 'Gemm'] },
    { model: 'fnn', flags: ['--no-fold'], what: 'FNN, do_constant_folding=False' },
    // In eval mode torch folds batch norm into the convolutions (initializers onnx::Conv_NN), and
    // x.view(x.size(0), -1) becomes Shape/Gather/Unsqueeze/Concat/Reshape.
    { model: 'cnn-bn', flags: ['--fold'], what: 'batch-norm CNN, folded into the convolutions, view(N, -1)', ops: ['Conv', 'Relu', 'Conv', 'Relu', 'MaxPool', 'Shape', 'Constant', 'Gather', 'Constant', 'Unsqueeze', 'Constant', 'Concat', 'Reshape', 'Gemm'] },
    { model: 'cnn-bn', flags: ['--no-fold'], what: 'batch-norm CNN, do_constant_folding=False' },
    { model: 'cnn-bn', flags: ['--no-fold', '--keep-bn'], what: 'batch-norm CNN kept as BatchNormalization nodes (TrainingMode.PRESERVE)' },
  ];
  for (const c of cases) {
    it(`${c.what}: same logits on ${N} test images (≤ ${TOL}), same accuracy in fashion eval, dynamic batch`, async () => {
      const file = join(out, `${c.model}${c.flags.join('')}.onnx`);
      const t = await py(['onnx', '--model', c.model, ...c.flags, '--out', file, '--test-limit', String(TEST)]);
      if (c.ops && t.ops.length) expect(t.ops).toEqual(c.ops); // listed when python3-onnx is installed
      if (c.flags.includes('--keep-bn') && t.ops.length) expect(t.ops).toContain('BatchNormalization');
      const model = loadOnnx(file);
      const { images } = loadFashionMnist({ split: 'test', limit: N });
      const ours = noGrad(() => tidy(() => model.eval().forward(tensor(images, [N, 1, 28, 28])).toFloat32Array()));
      expect(ours.length).toBe(t.logits.length);
      let worst = 0;
      ours.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - t.logits[i]!))));
      expect(worst).toBeLessThanOrEqual(TOL);
      if (c.flags.includes('--keep-bn')) expect([...model.stateDict().keys()]).toContain('bn1.running_mean');
      model.dispose();
      const evalDir = join(out, `eval-${c.model}${c.flags.join('')}`);
      await node(['eval', '--weights', file, '--test-limit', String(TEST), '--out', evalDir]);
      const acc = JSON.parse(readFileSync(join(evalDir, 'metrics.json'), 'utf8')).testAccuracy as number;
      // At most one borderline prediction of 1000 flips between the two summation orders.
      expect(Math.abs(acc - t.testAccuracy)).toBeLessThanOrEqual(1 / TEST + 1e-7);
    });
  }

  it('a PyTorch-exported batch-norm CNN fine-tunes here (train --init) and exports again', async () => {
    const file = join(out, 'cnn-bn--no-fold--keep-bn.onnx');
    if (!existsSync(file)) await py(['onnx', '--model', 'cnn-bn', '--no-fold', '--keep-bn', '--out', file]);
    await node(['train', '--init', file, '--epochs', '2', '--train-limit', '1000', '--test-limit', '500', '--batch-size', '50', '--no-progress', '--no-report', '--out', out, '--name', 'torch-bn']);
    const m = JSON.parse(readFileSync(join(out, 'torch-bn', 'metrics.json'), 'utf8'));
    expect(m.model).toBe('cnn');
    expect(m.epochs[1].trainLoss).toBeLessThan(m.epochs[0].trainLoss);
    // Its parameters keep PyTorch's names, so the hand-built batch-norm CNN takes them and exports again.
    await node(['export', '--model', 'cnn-bn', '--weights', join(out, 'torch-bn', 'model.safetensors'), '--out', join(out, 'torch-bn-again.onnx')]);
    const again = JSON.parse(readFileSync(join(out, 'torch-bn', 'metrics.json'), 'utf8')).testAccuracy as number;
    await node(['eval', '--weights', join(out, 'torch-bn-again.onnx'), '--test-limit', '500', '--out', join(out, 'eval-again')]);
    expect(JSON.parse(readFileSync(join(out, 'eval-again', 'metrics.json'), 'utf8')).testAccuracy).toBe(again);
  });
});
