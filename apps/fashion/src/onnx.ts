import { existsSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { noGrad, tidy, zeros } from '@tapegrad/autograd';
import { DataError, EXPORT_OPSETS, type Module, type OnnxModel } from '@tapegrad/nn';
import { loadOnnx, readSafetensorsFile, saveOnnx } from '@tapegrad/nn/node';
import { MODEL_DESCRIPTIONS, type ModelKind, modelKindOf } from '@tapegrad/lecture';
import { loadWeights } from './analyze/load-model.js';
import { CliError } from './errors.js';
import { checkOutDir, createOutDir } from './out-dir.js';

/**
 * The networks `fashion export` writes: the lecture's CNN and FNN, and the improved recipe's CNN
 * with batch normalisation after each convolution (`cnn-bn`, what `train --recipe improved` trains).
 */
export const EXPORT_MODELS = ['cnn', 'fnn', 'cnn-bn'] as const;
export type ExportModel = (typeof EXPORT_MODELS)[number];

const DESCRIPTIONS: Readonly<Record<ExportModel, string>> = {
  cnn: 'the CNN without batch norm (conv1.weight, conv2.weight, fc.weight, ...)',
  'cnn-bn': "the improved recipe's batch-norm CNN (conv1.weight, bn1.weight, ..., fc.weight)",
  fnn: MODEL_DESCRIPTIONS.fnn,
};

/** Which exportable network a set of parameter names belongs to (batch norm told by `bn1.weight`), or null. */
export function exportModelOf(keys: readonly string[]): ExportModel | null {
  const kind = modelKindOf(keys);
  if (kind === 'cnn') return keys.includes('bn1.weight') ? 'cnn-bn' : 'cnn';
  return kind;
}

export const isOnnxPath = (p: string): boolean => extname(p).toLowerCase() === '.onnx';

/** One image batch of the case study, [N, 1, 28, 28]; every ONNX model the CLI reads must take it and give [N, 10]. */
const IMAGE = [1, 28, 28] as const;
const CLASSES = 10;

/**
 * Reads an ONNX file as a Fashion-MNIST classifier: the graph input must accept [N, 1, 28, 28] and
 * the output must be [N, 10] logits (checked with one forward of a zero image).
 * `option` names the flag in messages. The model is returned in eval mode.
 * @throws DataError naming the file for a malformed file, an unsupported op, or the wrong shapes.
 */
export function loadOnnxClassifier(path: string, option: string): { model: OnnxModel; kind: ExportModel | null } {
  const model = loadOnnx(path);
  try {
    const dims = model.inputDims;
    if (dims && (dims.length !== 4 || !IMAGE.every((d, i) => dims[i + 1] === null || dims[i + 1] === d))) {
      throw new DataError(`${path}: ${option} expects a Fashion-MNIST classifier taking [N,1,28,28] images, but the graph input '${model.inputName}' is [${dims.map((d) => d ?? '?').join(',')}]`);
    }
    model.eval();
    const shape = noGrad(() => tidy(() => {
      try {
        return [...model.forward(zeros([1, ...IMAGE])).shape];
      } catch (e) {
        throw new DataError(`${path}: ${option}: the graph does not run on a [1,1,28,28] image: ${(e as Error).message}`, { cause: e });
      }
    }));
    if (shape.length !== 2 || shape[0] !== 1 || shape[1] !== CLASSES) {
      throw new DataError(`${path}: ${option} expects a classifier with ${CLASSES} outputs per image, but the graph gives [${shape.join(',')}] for one image`);
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, kind: exportModelOf([...model.stateDict().keys()]) };
}

/**
 * `--model` given with an ONNX file is a check, not a choice: the architecture comes from the file.
 * It must name the case-study network whose parameter names the file has (ours keep the state-dict
 * names, so `fashion export --model cnn` output passes `--model cnn`).
 * @throws CliError when they disagree or the file's graph is not a case-study network.
 */
export function checkModelAgainstOnnx(model: string | undefined, kind: ExportModel | null, path: string): void {
  if (model === undefined) return;
  const matches = kind === model || (model === 'cnn' && kind === 'cnn-bn');
  if (matches) return;
  const holds = kind ? DESCRIPTIONS[kind] : 'a graph whose parameter names are none of the case-study networks';
  throw new CliError(`--model ${model} disagrees with ${path}, which holds ${holds}; the architecture of an .onnx file comes from the file, so --model is not needed (drop it)`);
}

export interface ExportOptions {
  model: ExportModel;
  weights: string;
  out: string;
  opset?: number;
  overwrite?: boolean;
  log?: (line: string) => void;
}

/**
 * Builds the case-study network, loads a safetensors file into it and writes it as ONNX (atomic:
 * a reader sees the old file or the new one). Checks everything before writing.
 * @throws CliError / DataError naming the option, the file and what is wrong (weights of another
 *   network, missing or mis-shaped tensors, an existing --out without --overwrite).
 */
export function runExport(opts: ExportOptions): { path: string; bytes: number } {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  if (!(EXPORT_MODELS as readonly string[]).includes(opts.model)) throw new CliError(`--model must be one of ${EXPORT_MODELS.join(', ')}, got ${JSON.stringify(opts.model)}`);
  if (opts.opset !== undefined && !(EXPORT_OPSETS as readonly number[]).includes(opts.opset)) {
    throw new CliError(`--opset must be one of ${EXPORT_OPSETS.join(', ')}, got ${opts.opset}`);
  }
  if (!isOnnxPath(opts.out)) throw new CliError(`--out ${opts.out}: the ONNX file name must end in .onnx`);
  if (isOnnxPath(opts.weights)) throw new CliError(`--weights ${opts.weights} is already an ONNX file; export reads .safetensors weights`);
  const dir = checkOutDir(dirname(opts.out), '--out');
  if (existsSync(opts.out) && !opts.overwrite) throw new CliError(`--out ${opts.out} exists; pass --overwrite to replace it`);
  const { tensors } = readSafetensorsFile(opts.weights);
  const keys = Object.keys(tensors);
  const holds = exportModelOf(keys);
  if (holds !== opts.model) {
    const what = holds ? DESCRIPTIONS[holds] : keys.length ? `tensors ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}` : 'no tensors';
    const hint = holds ? ` (use --model ${holds})` : '';
    throw new DataError(`${opts.weights}: --model ${opts.model} expects weights of ${DESCRIPTIONS[opts.model]}, but the file holds ${what}${hint}`);
  }
  const kind: ModelKind = opts.model === 'fnn' ? 'fnn' : 'cnn';
  const model: Module = loadWeights(opts.weights, kind, tensors).eval();
  try {
    createOutDir(dir, '--out');
    const opset = opts.opset ?? 13;
    saveOnnx(model, opts.out, { inputShape: [1, ...IMAGE], opset, graphName: `fashion-${opts.model}` });
    const bytes = statSync(opts.out).size;
    log(`wrote ${opts.out}: ${DESCRIPTIONS[opts.model].split(' (')[0]}, opset ${opset}, input [N,1,28,28] → logits [N,10], ${model.parameterCount().toLocaleString('en-US')} parameters (${bytes.toLocaleString('en-US')} bytes)`);
    return { path: opts.out, bytes };
  } finally {
    model.dispose();
  }
}

