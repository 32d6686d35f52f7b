import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
const DATA = '/usr/share/datasets/fashion-mnist';

/**
 * Runs the CLI without blocking the test worker (a spawnSync of a minute kept vitest's worker from
 * answering its RPC: 'Timeout calling "onTaskUpdate"' failed a run whose tests had all passed).
 */
function fashion(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; all: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 64 << 20 }, (_error, stdout, stderr) => {
      resolve({ status: child.exitCode, signal: child.signalCode, stdout, stderr, all: stdout + stderr });
    });
  });
}

/** A small, fast recipe on real images (600 training, 500 test). */
const SMALL = ['--train-limit', '600', '--test-limit', '500', '--batch-size', '50', '--no-progress'];

describe('fashion CLI on a few hundred real Fashion-MNIST images (wasm backend)', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'fashion-cli-'));
  });

  it('train --model both: writes weights, checkpoints, metrics and prints the lecture table', async () => {
    const r = await fashion(['train', ...SMALL, '--epochs', '2', '--out', out]);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/test accuracy/);
    expect(r.stdout).toMatch(/lecture: CNN 0\.91, fully connected 0\.87/);
    // The analyses after training run on the backend the training used (wasm), not the reference one.
    expect(r.stdout).toMatch(/^analyze: cnn, fnn on wasm;/m);
    for (const model of ['cnn', 'fnn']) {
      for (const f of ['model.safetensors', 'checkpoint.safetensors', 'metrics.json']) expect(existsSync(join(out, model, f))).toBe(true);
      const m = JSON.parse(readFileSync(join(out, model, 'metrics.json'), 'utf8'));
      expect(m.epochs).toHaveLength(2);
      expect(Object.keys(m.epochs[0]).sort()).toEqual(['epoch', 'imagesPerSecond', 'seconds', 'testAccuracy', 'trainAccuracy', 'trainLoss']);
      // 600 images, 2 epochs: well above chance (0.1) on the 500 test images.
      expect(m.testAccuracy).toBeGreaterThan(0.4);
      expect(m.epochs[1].trainLoss).toBeLessThan(m.epochs[0].trainLoss);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.rows.map((r: { name: string }) => r.name)).toEqual(['cnn', 'fnn']);
  });

  it('eval reads our weights and reports the same accuracy as train', async () => {
    const r = await fashion(['eval', '--model', 'cnn', '--weights', join(out, 'cnn', 'model.safetensors'), '--test-limit', '500', '--out', join(out, 'eval')]);
    expect(r.status, r.all).toBe(0);
    const evalMetrics = JSON.parse(readFileSync(join(out, 'eval', 'metrics.json'), 'utf8'));
    const trainMetrics = JSON.parse(readFileSync(join(out, 'cnn', 'metrics.json'), 'utf8'));
    expect(evalMetrics.testAccuracy).toBe(trainMetrics.testAccuracy);
    const cm: number[][] = evalMetrics.confusionMatrix;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('a run killed mid-epoch and resumed ends with the same weights as an uninterrupted run', async () => {
    const args = ['train', '--model', 'cnn', ...SMALL, '--epochs', '3', '--dropout', '0.3', '--augment', 'flip,noise:0.05', '--seed', '3'];
    const straight = await fashion([...args, '--out', join(out, 'straight')]);
    expect(straight.status, straight.all).toBe(0);
    // 12 batches per epoch: die in the middle of epoch 2 (after batch 6 of it).
    const killed = await fashion([...args, '--out', join(out, 'resumed')], { TAPEGRAD_CRASH_AFTER_BATCHES: '18' });
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'resumed', 'cnn', 'model.safetensors'))).toBe(false);
    const resumed = await fashion([...args, '--out', join(out, 'resumed'), '--resume']);
    expect(resumed.status, resumed.all).toBe(0);
    expect(resumed.stdout).toMatch(/resuming from .*checkpoint\.safetensors after epoch 1/);
    const a = readFileSync(join(out, 'straight', 'cnn', 'model.safetensors'));
    const b = readFileSync(join(out, 'resumed', 'cnn', 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
    const ma = JSON.parse(readFileSync(join(out, 'straight', 'cnn', 'metrics.json'), 'utf8'));
    const mb = JSON.parse(readFileSync(join(out, 'resumed', 'cnn', 'metrics.json'), 'utf8'));
    expect(mb.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(ma.epochs.map((e: { trainLoss: number }) => e.trainLoss));
  });

  const expectCleanError = (r: Awaited<ReturnType<typeof fashion>>, pattern: RegExp) => {
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for expected errors
    expect(r.stderr).toMatch(/^error: /);
  };

  it('a missing data directory gets one clear message and exit code 1', async () => {
    expectCleanError(await fashion(['train', ...SMALL, '--epochs', '1', '--data-dir', '/nonexistent/fashion', '--out', join(out, 'x')]), /\/nonexistent\/fashion.*apt-get install dataset-fashion-mnist/s);
  });

  it('a corrupt IDX file gets one clear message naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fashion-bad-'));
    for (const f of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(DATA, f), join(dir, f));
    // A truncated image file: the header promises 60000 images, the file holds 10.
    const head = Buffer.alloc(16 + 784 * 10);
    head.writeUInt32BE(0x00000803, 0);
    head.writeUInt32BE(60000, 4);
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(head));
    expectCleanError(await fashion(['train', ...SMALL, '--epochs', '1', '--data-dir', dir, '--out', join(out, 'y')]), /train-images-idx3-ubyte\.gz.*truncated/i);
  });

  it('weights of the wrong model get one clear message naming the file and the keys', async () => {
    const file = join(out, 'cnn', 'model.safetensors');
    expectCleanError(await fashion(['eval', '--model', 'fnn', '--weights', file, '--test-limit', '100']), new RegExp(`${file.replace(/[.]/g, '\\.')}.*missing keys: fc1\\.weight`));
  });

  it('weights with the right names but wrong shapes get one clear message', async () => {
    // An FNN file read as... a CNN file whose fc layer has the FNN's shapes.
    const bad = join(out, 'bad.safetensors');
    const header = JSON.stringify({ 'fc.weight': { dtype: 'F32', shape: [10, 3], data_offsets: [0, 120] } });
    const pad = ' '.repeat((8 - (header.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length + pad.length));
    writeFileSync(bad, Buffer.concat([len, Buffer.from(header + pad), Buffer.alloc(120)]));
    expectCleanError(await fashion(['eval', '--model', 'cnn', '--weights', bad, '--test-limit', '100']), /bad\.safetensors.*fc\.weight has shape \[10,3\]/);
  });

  it('a bad option value gets a clear message', async () => {
    const r = await fashion(['train', '--epochs', 'ten']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--epochs expects an integer, got "ten"/);
  });
});
