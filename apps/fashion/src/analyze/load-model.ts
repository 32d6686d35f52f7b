import { DataError, type Module, namingFile } from '@tapegrad/nn';
import { readSafetensorsFile } from '@tapegrad/nn/node';
import { buildModel, type FashionCnn, type FashionFnn, MODEL_DESCRIPTIONS, type ModelKind, modelKindOf } from '@tapegrad/lecture';

/**
 * Builds the case-study model a weights file holds and loads it, in eval mode. The variant
 * (batch norm or not) is read off the tensor names, so `cnn` and `cnn-improved` both load.
 * @throws DataError naming the file when it holds the other model's weights (or neither), or
 *   when loading fails (loadStateDict then lists the missing/unexpected keys and shapes).
 * @example const cnn = loadModel('runs/cnn/model.safetensors', 'cnn', '--weights');
 */
export function loadModel(path: string, expected: 'cnn', option: string): FashionCnn;
export function loadModel(path: string, expected: 'fnn', option: string): FashionFnn;
export function loadModel(path: string, expected: ModelKind, option: string): Module {
  const { tensors } = readSafetensorsFile(path);
  const keys = Object.keys(tensors);
  const kind = modelKindOf(keys);
  if (kind !== expected) {
    const holds = kind ? `weights of ${MODEL_DESCRIPTIONS[kind]}` : `tensors ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
    throw new DataError(`${path}: ${option} expects weights of ${MODEL_DESCRIPTIONS[expected]}, but the file holds ${holds}`);
  }
  return loadWeights(path, kind, tensors).eval();
}

/**
 * Builds the `kind` model (batch norm read off the tensor names: `bn1.weight` means the improved
 * CNN) and loads the file's tensors into it. Errors name the file and list missing, unexpected or
 * mis-shaped keys.
 */
export function loadWeights(path: string, kind: ModelKind, tensors = readSafetensorsFile(path).tensors): Module {
  const model = buildModel(kind, { batchNorm: kind === 'cnn' && 'bn1.weight' in tensors });
  namingFile(path, () => model.loadStateDict(tensors, { source: path }));
  return model;
}
