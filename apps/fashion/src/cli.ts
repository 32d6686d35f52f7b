#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalyze } from './analyze.js';
import { useBackend } from './backend.js';
import { runEval } from './eval.js';
import { runReport } from './report.js';
import { MODEL_KINDS, type ModelKind } from '@tapegrad/lecture';
import { planTrain, type RawTrainOptions } from './options.js';
import { runTrainInWorker, trainingActive } from './train-process.js';
import { describeFailure } from './failure.js';
import { ensureFashionMnist } from './data-install.js';
import { EXPORT_MODELS, runExport } from './onnx.js';

const int = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} expects an integer, got "${v}"`);
  return n;
};
const num = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a number, got "${v}"`);
  return n;
};

const program = new Command('fashion')
  .description("tapegrad's Fashion-MNIST case study (the MIT lecture on CNNs): train, evaluate, analyse, report")
  .showHelpAfterError();

program
  .command('train')
  .description('train the CNN and/or the fully connected network and print the lecture\'s comparison')
  .addOption(new Option('--model <kind>', 'which network').choices(['cnn', 'fnn', 'both']).default('both'))
  .addOption(new Option('--recipe <name>', 'default: the lecture (Adam 1e-3, 10 epochs, batch 128); improved: + batch norm, augmentation, dropout, weight decay').choices(['default', 'improved']).default('default'))
  .option('--epochs <n>', 'epochs', int('--epochs'))
  .option('--batch-size <n>', 'mini-batch size', int('--batch-size'))
  .option('--lr <x>', 'Adam learning rate', num('--lr'))
  .option('--seed <n>', 'seed for initialisation, shuffling, augmentation and dropout', int('--seed'))
  .option('--train-limit <n>', 'use only the first N training images', int('--train-limit'))
  .option('--test-limit <n>', 'use only the first N test images', int('--test-limit'))
  .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'ref']).default('wasm'))
  .option('--threads <n>', 'WASM kernel threads (default: all cores; 1 = deterministic single-threaded path)', int('--threads'))
  .option('--augment <list>', 'augmentations, e.g. rotate:15,flip,crop:0.8,noise:0.05,jitter:0.2,blur:1,cutout:8,rot90,sobel')
  .option('--weight-decay <w>', 'decoupled weight decay (AdamW)', num('--weight-decay'))
  .option('--dropout <p>', 'dropout before the classifier', num('--dropout'))
  .option('--batch-norm', 'batch normalisation after each convolution (CNN)')
  .option('--label-smoothing <e>', 'label smoothing of the cross-entropy', num('--label-smoothing'))
  .option('--cosine', 'cosine learning-rate decay')
  .option('--early-stopping <patience>', 'stop after PATIENCE epochs without validation improvement (holds out 10% of the training set)', int('--early-stopping'))
  .option('--resume', 'continue from DIR/<run>/checkpoint.safetensors')
  .option('--out <dir>', 'output directory', 'runs')
  .option('--name <run>', 'run name (directory under --out)')
  .option('--data-dir <dir>', 'directory with the Fashion-MNIST IDX files (default: $FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)')
  .option('--no-progress', 'no progress bars')
  .option('--no-report', 'skip the analyses and the HTML report after training')
  .option('--overwrite', 'replace a finished or interrupted run of the same name (default: refuse)')
  .option('--install-data', `when Fashion-MNIST is missing, install the Debian package dataset-fashion-mnist with apt-get without asking`)
  .option('--init <file.onnx>', 'fine-tune an ONNX model (ours or exported by PyTorch): its graph is the architecture; the run writes model.safetensors and model.onnx')
  .action(async (o: RawTrainOptions) => {
    const plan = planTrain(o);
    injectFault();
    // A fresh machine: offer to install the Debian package with the data (data-install.ts).
    await ensureFashionMnist({ dataDir: o.dataDir, installFlag: plan.installData });
    // Training runs in a worker thread so that this one can handle SIGINT/SIGTERM and EPIPE
    // (Note [interrupting training] in interrupt.ts).
    const runs = await runTrainInWorker(plan);
    if (!o.report) return;
    // The main job ends with the pictures: when this run trained a CNN and an FNN, analyse them, then
    // gather everything in out/ into the HTML report.
    const cnn = runs.find((r) => r.model === 'cnn');
    const fnn = runs.find((r) => r.model === 'fnn');
    if (cnn && fnn) {
      // Training ran on the worker's backend; the analyses run here, on the same kind (this thread
      // had none yet and would have fallen back to the reference backend: 50 s instead of 2.5 s).
      await useBackend(plan.backend, plan.threads);
      await analyze({ weights: join(o.out, cnn.name, 'model.safetensors'), fnnWeights: join(o.out, fnn.name, 'model.safetensors'), out: o.out, dataDir: o.dataDir, limit: o.testLimit });
    }
    const html = await runReport({ runs: o.out });
    console.log(`report: ${html}`);
  });

program
  .command('eval')
  .description('accuracy, per-class accuracy and confusion matrix of a weights file (ours or PyTorch\'s) or of an ONNX model')
  .addOption(new Option('--model <kind>', 'network a .safetensors file belongs to (required for it); with an .onnx file the architecture comes from the file and --model, if given, must agree with it').choices([...MODEL_KINDS]))
  .requiredOption('--weights <file>', '.safetensors weights, or an .onnx model')
  .option('--out <dir>', 'write metrics.json here')
  .option('--test-limit <n>', 'use only the first N test images', int('--test-limit'))
  .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'ref']).default('wasm'))
  .option('--data-dir <dir>', 'directory with the Fashion-MNIST IDX files')
  .option('--overwrite', 'replace an existing DIR/metrics.json')
  .action(async (o) => {
    await runEval({ model: o.model, weights: o.weights, out: o.out, testLimit: o.testLimit, backend: o.backend, dataDir: o.dataDir, overwrite: o.overwrite });
  });

program
  .command('export')
  .description('write a trained case-study network as an ONNX file (runs under ONNX Runtime; fashion eval and train --init read it back)')
  .addOption(new Option('--model <kind>', "network the weights belong to (cnn-bn: the improved recipe's batch-norm CNN)").choices([...EXPORT_MODELS]).makeOptionMandatory())
  .requiredOption('--weights <file>', '.safetensors weights (fashion train writes DIR/<run>/model.safetensors)')
  .requiredOption('--out <file.onnx>', 'ONNX file to write (atomically)')
  .option('--opset <n>', 'ONNX opset (default 13)', int('--opset'))
  .option('--overwrite', 'replace an existing --out file')
  .action(async (o) => {
    await useBackend('wasm');
    runExport({ model: o.model, weights: o.weights, out: o.out, opset: o.opset, overwrite: o.overwrite });
  });

async function analyze(a: { weights: string; fnnWeights?: string; rotationWeights?: string; out: string; dataDir?: string; limit?: number }): Promise<void> {
  const dir = join(a.out, 'analysis');
  // A rotation-augmented CNN (train --model cnn --augment rotate:180 --name cnn-rot) joins the rotation analysis when present.
  const rot = a.rotationWeights ?? join(a.out, 'cnn-rot', 'model.safetensors');
  const r = await runAnalyze({
    weights: a.weights, fnnWeights: a.fnnWeights, rotationWeights: existsSync(rot) ? rot : undefined, out: dir, dataDir: a.dataDir, limit: a.limit,
    log: (s) => console.log(s),
  });
  console.log(`analysis: ${dir} (${r.seconds.toFixed(1)} s)`);
}

program
  .command('analyze')
  .description('confusion matrices, learned filters, top-activating patches, rotation, FGSM, parameter arithmetic, classic filters, the 1D example')
  .option('--weights <file>', 'CNN weights', join('runs', 'cnn', 'model.safetensors'))
  .option('--fnn-weights <file>', 'FNN weights (default: runs/fnn/model.safetensors when present)')
  .option('--rotation-weights <file>', 'weights of a CNN trained with rotation augmentation (default: runs/cnn-rot/model.safetensors when present)')
  .option('--out <dir>', 'runs directory; the analysis goes to DIR/analysis', 'runs')
  .option('--limit <n>', 'test images for rotation, FGSM and patches (default 2000)', int('--limit'))
  .addOption(new Option('--backend <name>', 'compute backend').choices(['wasm', 'ref']).default('wasm'))
  .option('--data-dir <dir>', 'directory with the Fashion-MNIST IDX files')
  .action(async (o) => {
    await useBackend(o.backend);
    const fnn = o.fnnWeights ?? (existsSync(join('runs', 'fnn', 'model.safetensors')) ? join('runs', 'fnn', 'model.safetensors') : undefined);
    await analyze({ weights: o.weights, fnnWeights: fnn, rotationWeights: o.rotationWeights, out: o.out, dataDir: o.dataDir, limit: o.limit });
  });

program
  .command('report')
  .description('gather the runs, their metrics and the analysis into one HTML page')
  .option('--runs <dir>', 'runs directory', 'runs')
  .option('--out <file>', 'HTML file (default RUNS/report.html)')
  .action(async (o) => {
    console.log(`report: ${await runReport({ runs: o.runs, out: o.out })}`);
  });

/**
 * Fault injection for the tests of Note [expected failures]: TAPEGRAD_INJECT_FAULT=bug throws a
 * TypeError as a bug would; =ENOSPC (or any errno code) throws an fs-style error with that code.
 */
function injectFault(): void {
  const f = process.env.TAPEGRAD_INJECT_FAULT;
  if (!f) return;
  if (f === 'bug') throw new TypeError("Cannot read properties of undefined (reading 'shape') [injected by TAPEGRAD_INJECT_FAULT]");
  throw Object.assign(new Error(`${f}: injected by TAPEGRAD_INJECT_FAULT, write 'runs/cnn/metrics.json'`), { code: f });
}

async function main(): Promise<void> {
  // Closed or failing output after training (report lines piped into head -1) is one line too.
  process.stdout.on('error', (e) => {
    if (trainingActive()) return; // runTrainInWorker stops the worker first
    const { text, status } = describeFailure(e);
    process.stderr.write(text);
    process.exit(status === 1 && (e as { code?: string }).code === 'EPIPE' ? 141 : status);
  });
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    // Note [expected failures]: one clear line and exit code 1; a bug keeps its stack, asks to be
    // reported and exits with 70.
    const { text, status } = describeFailure(e);
    process.stderr.write(text);
    process.exit(status);
  }
}

void main();
