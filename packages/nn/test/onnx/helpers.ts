import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad, tensor, tidy } from '@tapegrad/autograd';
import { requires } from '@tapegrad/autograd/testing';
import * as ort from 'onnxruntime-node';
import { FASHION_MNIST_SYSTEM_DIR, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import type { Module } from '../../src/module.js';

export const hasData = existsSync(join(FASHION_MNIST_SYSTEM_DIR, 't10k-images-idx3-ubyte.gz'));
/** Tests on real images: skipped without the data, failing under CI=true (see requires). */
export const withData = requires(hasData ? null : `no Fashion-MNIST test split in ${FASHION_MNIST_SYSTEM_DIR}`);

/** The first `n` Fashion-MNIST test images, [n, 1, 28, 28]. */
export function testImages(n = 100): Float32Array {
  return loadFashionMnist({ split: 'test', limit: n }).images;
}

/** Logits of an ONNX model under onnxruntime-node (CPU; graph optimisations as given). */
export async function ortRun(bytes: Uint8Array, input: Float32Array, shape: readonly number[], opts: ort.InferenceSession.SessionOptions = {}): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, opts);
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [...shape]) };
    const result = await session.run(feeds);
    return result[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Logits of a tapegrad model in eval mode. */
export function ourRun(model: Module, input: Float32Array, shape: readonly number[]): Float32Array {
  model.eval();
  return noGrad(() => tidy(() => model.forward(tensor(input, shape)).toFloat32Array()));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3-onnx is importable by /usr/bin/python3. */
export const hasPythonOnnx = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

/** Runs onnx.checker.check_model (full check) on the bytes; returns '' when it accepts them, else its message. */
export function onnxCheck(bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-onnx-'));
  try {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, bytes);
    const r = spawnSync(PYTHON, ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', path], { encoding: 'utf8' });
    return r.status === 0 ? '' : (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
