import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flatten, Linear, Sequential, toOnnx } from '@tapegrad/nn';
import { loadFashionMnist } from '@tapegrad/nn/node';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';

// fashion export / eval --weights FILE.onnx / train --init FILE.onnx, spawned as a user runs them,
// on a few hundred real Fashion-MNIST images.
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
const TEST = 500;
const SMALL = ['--train-limit', '600', '--test-limit', String(TEST), '--batch-size', '50', '--no-progress', '--no-report'];

function fashion(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}
const ok = (args: string[]) => {
  const r = fashion(args);
  expect(r.status, r.all).toBe(0);
  return r;
};
const expectCleanError = (r: ReturnType<typeof fashion>, pattern: RegExp) => {
  expect(r.status, r.all).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

/** Accuracy of an ONNX file under onnxruntime-node on the first `n` test images. */
async function ortAccuracy(path: string, n: number): Promise<number> {
  const { images, labels } = loadFashionMnist({ split: 'test', limit: n });
  const session = await ort.InferenceSession.create(path);
  try {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', images, [n, 1, 28, 28]) });
    const logits = out[session.outputNames[0]!]!.data as Float32Array;
    let right = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
      if (best === labels[i]) right++;
    }
    return right / n;
  } finally {
    await session.release();
  }
}

describe('fashion export / eval / train --init with ONNX files', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'fashion-onnx-'));
    ok(['train', '--model', 'both', '--epochs', '1', ...SMALL, '--out', out]);
    ok(['train', '--model', 'cnn', '--recipe', 'improved', '--epochs', '1', ...SMALL, '--out', out]);
  }, 240_000);

  for (const [model, run] of [['cnn', 'cnn'], ['fnn', 'fnn'], ['cnn-bn', 'cnn-improved']] as const) {
    it(`export --model ${model}: the file runs in onnxruntime-node and in fashion eval with the accuracy of the safetensors weights`, async () => {
      const file = join(out, `${model}.onnx`);
      const r = ok(['export', '--model', model, '--weights', join(out, run, 'model.safetensors'), '--out', file]);
      expect(r.stdout).toMatch(new RegExp(`wrote .*${model}\\.onnx: .*opset 13, input \\[N,1,28,28\\] → logits \\[N,10\\]`));
      const trained = json(join(out, run, 'metrics.json')).testAccuracy as number;
      // onnxruntime's float32 sums differ from ours by ≤ 1e-4 per logit: at most a borderline prediction flips.
      expect(Math.abs((await ortAccuracy(file, TEST)) - trained)).toBeLessThanOrEqual(1 / TEST);
      // No --model: the architecture comes from the file; the same ops give the same accuracy.
      ok(['eval', '--weights', file, '--test-limit', String(TEST), '--out', join(out, `eval-${model}`)]);
      const m = json(join(out, `eval-${model}`, 'metrics.json'));
      expect(m.testAccuracy).toBe(trained);
      expect(m.model).toBe(model === 'fnn' ? 'fnn' : 'cnn');
      // A --model that agrees with the file is accepted (cnn covers both CNNs).
      ok(['eval', '--model', model === 'fnn' ? 'fnn' : 'cnn', '--weights', file, '--test-limit', '50']);
    });
  }

  it('train --init FILE.onnx fine-tunes the imported CNN, writes model.safetensors and model.onnx, and both export and evaluate again', () => {
    const file = join(out, 'cnn.onnx');
    if (!existsSync(file)) ok(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', file]);
    const before = json(join(out, 'cnn', 'metrics.json')).testAccuracy as number;
    const r = ok(['train', '--init', file, '--epochs', '2', ...SMALL, '--out', out]);
    expect(r.stdout).toMatch(/cnn-finetune: fine-tuning .*cnn\.onnx \(the case-study cnn, opset 13\)/);
    const dir = join(out, 'cnn-finetune');
    const m = json(join(dir, 'metrics.json'));
    expect(m.init).toBe(file);
    expect(m.model).toBe('cnn');
    // One epoch of 600 images left the CNN far from converged: two more lower the training loss and
    // lift test accuracy (0.1 is chance).
    expect(m.epochs[1].trainLoss).toBeLessThan(m.epochs[0].trainLoss);
    expect(m.testAccuracy).toBeGreaterThan(before);
    // The fine-tuned weights keep the state-dict names: the hand-built CNN loads them and exports again.
    ok(['eval', '--model', 'cnn', '--weights', join(dir, 'model.safetensors'), '--test-limit', String(TEST), '--out', join(out, 'eval-ft')]);
    expect(json(join(out, 'eval-ft', 'metrics.json')).testAccuracy).toBe(m.testAccuracy);
    ok(['export', '--model', 'cnn', '--weights', join(dir, 'model.safetensors'), '--out', join(out, 'ft-again.onnx')]);
    ok(['eval', '--weights', join(dir, 'model.onnx'), '--test-limit', String(TEST), '--out', join(out, 'eval-ft-onnx')]);
    expect(json(join(out, 'eval-ft-onnx', 'metrics.json')).testAccuracy).toBe(m.testAccuracy);
  });

  it('export refuses weights of another network, naming the file, both networks and the right --model', () => {
    const onnxOut = join(out, 'x.onnx');
    expectCleanError(fashion(['export', '--model', 'fnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', onnxOut]),
      /cnn\/model\.safetensors: --model fnn expects weights of the fully connected network .*but the file holds the CNN without batch norm .*\(use --model cnn\)/);
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'cnn-improved', 'model.safetensors'), '--out', onnxOut]),
      /--model cnn expects weights of the CNN without batch norm .*but the file holds the improved recipe's batch-norm CNN .*\(use --model cnn-bn\)/);
    expectCleanError(fashion(['export', '--model', 'cnn-bn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', onnxOut]), /use --model cnn\)/);
    expect(existsSync(onnxOut)).toBe(false);
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'nothing.safetensors'), '--out', onnxOut]), /nothing\.safetensors/);
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', join(out, 'x.bin')]), /--out .*x\.bin: the ONNX file name must end in \.onnx/);
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', onnxOut, '--opset', '9']), /--opset must be one of 13, .*got 9/);
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'cnn.onnx'), '--out', onnxOut]), /--weights .*cnn\.onnx is already an ONNX file; export reads \.safetensors weights/);
  });

  it('export writes atomically and refuses to replace a file without --overwrite', () => {
    const file = join(out, 'atomic.onnx');
    writeFileSync(file, 'old');
    expectCleanError(fashion(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', file]), /atomic\.onnx exists; pass --overwrite/);
    expect(readFileSync(file, 'utf8')).toBe('old');
    ok(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', file, '--overwrite']);
    expect(statSync(file).size).toBeGreaterThan(100_000); // 25 530 float32 parameters
  });

  it('eval: --model is required for safetensors, checked against an .onnx file; a graph that is no Fashion-MNIST classifier is refused', () => {
    const cnnOnnx = join(out, 'cnn-check.onnx');
    ok(['export', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--out', cnnOnnx]);
    expectCleanError(fashion(['eval', '--weights', join(out, 'cnn', 'model.safetensors')]), /--model \(cnn or fnn\) is required for .*model\.safetensors; only an \.onnx file carries its architecture/);
    expectCleanError(fashion(['eval', '--model', 'fnn', '--weights', cnnOnnx]), /--model fnn disagrees with .*cnn-check\.onnx, which holds the CNN without batch norm .*drop it/);
    // A 5-class linear model: runs on the images but is not a 10-class classifier.
    const five = join(out, 'five.onnx');
    writeFileSync(five, toOnnx(new Sequential([new Flatten(), new Linear(784, 5)]), { inputShape: [1, 1, 28, 28] }));
    expectCleanError(fashion(['eval', '--weights', five, '--test-limit', '10']), /five\.onnx: --weights expects a classifier with 10 outputs per image, but the graph gives \[1,5\]/);
    const wide = join(out, 'wide.onnx');
    writeFileSync(wide, toOnnx(new Sequential([new Flatten(), new Linear(3 * 32 * 32, 10)]), { inputShape: [1, 3, 32, 32] }));
    expectCleanError(fashion(['eval', '--weights', wide]), /wide\.onnx: --weights expects a Fashion-MNIST classifier taking \[N,1,28,28\] images, but the graph input 'input' is \[\?,3,32,32\]/);
    expectCleanError(fashion(['eval', '--weights', five, '--model', 'cnn']), /five\.onnx/);
    writeFileSync(join(out, 'junk.onnx'), 'not protobuf at all');
    expectCleanError(fashion(['eval', '--weights', join(out, 'junk.onnx')]), /junk\.onnx: not a valid ONNX file/);
  });

  it('train --init: errors for a non-ONNX file, architecture options and a --model that disagrees with the file', () => {
    const fnnOnnx = join(out, 'fnn-init.onnx');
    ok(['export', '--model', 'fnn', '--weights', join(out, 'fnn', 'model.safetensors'), '--out', fnnOnnx]);
    expectCleanError(fashion(['train', '--init', join(out, 'cnn', 'model.safetensors'), ...SMALL, '--out', out]), /--init .*model\.safetensors: expected an \.onnx file/);
    expectCleanError(fashion(['train', '--init', fnnOnnx, '--batch-norm', ...SMALL, '--out', out]), /--init .*: --batch-norm changes the architecture, which comes from the ONNX file/);
    expectCleanError(fashion(['train', '--init', fnnOnnx, '--model', 'cnn', ...SMALL, '--out', out, '--name', 'mismatch']), /--model cnn disagrees with .*fnn-init\.onnx, which holds the fully connected network/);
    expect(existsSync(join(out, 'mismatch'))).toBe(false);
    const r = ok(['train', '--init', fnnOnnx, '--recipe', 'improved', '--epochs', '1', ...SMALL, '--out', out]);
    expect(r.stdout).toMatch(/--init: the improved recipe's batch norm does not apply; the architecture comes from/);
    expect(json(join(out, 'fnn-init-finetune', 'metrics.json')).model).toBe('fnn');
  });
});
