import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { confusionMatrix, evaluate, FASHION_MNIST_CLASSES, largestClassGap, perClassAccuracy } from '@tapegrad/nn';
import { loadFashionMnist, writeFileAtomic } from '@tapegrad/nn/node';
import { type BackendName, useBackend } from './backend.js';
import { loadWeights } from './analyze/load-model.js';
import type { ModelKind } from '@tapegrad/lecture';
import { CliError } from './errors.js';
import { checkInt, TEST_IMAGES } from './options.js';
import { checkOutDir, createOutDir } from './out-dir.js';
import { checkModelAgainstOnnx, isOnnxPath, loadOnnxClassifier } from './onnx.js';

export interface EvalOptions {
  /** Required for a .safetensors file; with an .onnx file only a check (see checkModelAgainstOnnx). */
  model?: ModelKind;
  weights: string;
  out?: string;
  dataDir?: string;
  testLimit?: number;
  backend: BackendName;
  /** Replace an existing `<out>/metrics.json`. */
  overwrite?: boolean;
  log?: (line: string) => void;
}

export interface EvalResult {
  /** 'onnx' for an ONNX graph that is none of the case-study networks. */
  model: ModelKind | 'onnx';
  weights: string;
  testAccuracy: number;
  testLoss: number;
  perClassAccuracy: number[];
  largestGap: { best: string; worst: string; gap: number };
  confusionMatrix: number[][];
}

/**
 * Accuracy, per-class accuracy and the confusion matrix of a weights file (ours or one saved by
 * PyTorch from the equivalent torch.nn model), or of an ONNX file (ours or exported by PyTorch),
 * whose graph is the architecture. Batch norm is detected from the file's keys.
 */
export async function runEval(opts: EvalOptions): Promise<EvalResult> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  checkInt('--test-limit', opts.testLimit, 1, TEST_IMAGES);
  // Where the result goes is checked before minutes of evaluation, created after.
  const outCheck = opts.out !== undefined ? checkOutDir(opts.out) : undefined;
  const metricsPath = opts.out !== undefined ? join(opts.out, 'metrics.json') : undefined;
  if (metricsPath && existsSync(metricsPath) && !opts.overwrite) {
    throw new CliError(`${metricsPath} exists; pass --overwrite to replace it, or choose another --out`);
  }
  const onnx = isOnnxPath(opts.weights);
  if (!onnx && opts.model === undefined) throw new CliError(`--model (cnn or fnn) is required for ${opts.weights}; only an .onnx file carries its architecture`);
  await useBackend(opts.backend);
  let model;
  let kind: EvalResult['model'];
  if (onnx) {
    const r = loadOnnxClassifier(opts.weights, '--weights');
    try {
      checkModelAgainstOnnx(opts.model, r.kind, opts.weights);
    } catch (e) {
      r.model.dispose();
      throw e;
    }
    model = r.model;
    kind = r.kind === null ? 'onnx' : r.kind === 'fnn' ? 'fnn' : 'cnn';
  } else {
    model = loadWeights(opts.weights, opts.model!);
    kind = opts.model!;
  }
  const test = loadFashionMnist({ dir: opts.dataDir, split: 'test', limit: opts.testLimit });
  const r = evaluate(model, test.images, test.labels, [1, 28, 28]);
  const cm = confusionMatrix(r.predictions, test.labels, 10);
  const perClass = perClassAccuracy(cm);
  const gap = largestClassGap(perClass);
  const result: EvalResult = {
    model: kind, weights: opts.weights, testAccuracy: r.accuracy, testLoss: r.loss, perClassAccuracy: perClass,
    largestGap: { best: FASHION_MNIST_CLASSES[gap.best]!, worst: FASHION_MNIST_CLASSES[gap.worst]!, gap: gap.gap },
    confusionMatrix: cm,
  };
  log(`${opts.weights}: test accuracy ${r.accuracy.toFixed(4)} (loss ${r.loss.toFixed(4)}) on ${test.count} images`);
  log('per-class accuracy:');
  FASHION_MNIST_CLASSES.forEach((c, i) => log(`  ${c.padEnd(12)} ${perClass[i]!.toFixed(4)}`));
  log(`largest gap: ${result.largestGap.best} ${perClass[gap.best]!.toFixed(4)} vs ${result.largestGap.worst} ${perClass[gap.worst]!.toFixed(4)} (${gap.gap.toFixed(4)})`);
  log('confusion matrix (rows: true class, columns: predicted):');
  cm.forEach((row, i) => log(`  ${String(i).padStart(2)} ${row.map((v) => String(v).padStart(5)).join('')}`));
  if (outCheck && metricsPath) {
    createOutDir(outCheck);
    const path = metricsPath;
    writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(result, null, 2)}\n`));
    log(`wrote ${path}`);
  }
  model.dispose();
  return result;
}
