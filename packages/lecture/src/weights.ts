import { DataError, decodeSafetensors, type Module, moduleToSafetensors } from '@tapegrad/nn';
import { buildModel, type ModelKind } from './models.js';

/** How an error message names each case-study model. */
export const MODEL_DESCRIPTIONS: Readonly<Record<ModelKind, string>> = {
  cnn: 'the CNN (conv1.weight, conv2.weight, fc.weight, ...)',
  fnn: 'the fully connected network (fc1.weight, fc2.weight, ...)',
};

/** Which of the case-study models a set of tensor names belongs to, or null for neither. */
export function modelKindOf(keys: readonly string[]): ModelKind | null {
  if (keys.includes('conv1.weight')) return 'cnn';
  if (keys.includes('fc1.weight')) return 'fnn';
  return null;
}

/**
 * Reads safetensors bytes (ours or saved by PyTorch from the equivalent torch.nn model) into the
 * case-study model they hold, in eval mode. The variant (batch norm or not) is read off the tensor
 * names. `expected` (optional) is the model the caller wants.
 * @throws DataError naming `source`: not a safetensors file (and what is wrong with it), tensors of
 *   neither model, the other model than `expected`, or missing / unexpected / mis-shaped tensors.
 * @example const { kind, model } = modelFromSafetensors(bytes, 'model.safetensors');
 */
export function modelFromSafetensors(bytes: Uint8Array, source: string, expected?: ModelKind): { kind: ModelKind; model: Module; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const keys = Object.keys(tensors);
  const kind = modelKindOf(keys);
  if (kind === null || (expected !== undefined && kind !== expected)) {
    const holds = kind ? `weights of ${MODEL_DESCRIPTIONS[kind]}` : keys.length === 0 ? 'no tensors' : `tensors ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
    const wants = expected ? MODEL_DESCRIPTIONS[expected] : 'one of the case-study models (the CNN or the fully connected network)';
    throw new DataError(`${source}: expected weights of ${wants}, but the file holds ${holds}`);
  }
  const model = buildModel(kind, { batchNorm: kind === 'cnn' && 'bn1.weight' in tensors });
  try {
    model.loadStateDict(tensors, { source });
  } catch (e) {
    model.dispose();
    const message = (e as Error).message;
    throw new DataError(message.includes(source) ? message : `${source}: ${message}`, { cause: e });
  }
  return { kind, model: model.eval(), metadata: metadata ?? {} };
}

/** A trained case-study model as safetensors bytes, with `model` (cnn/fnn) in the metadata as `fashion train` writes it. */
export function modelToSafetensors(model: Module, kind: ModelKind, metadata: Record<string, string> = {}): Uint8Array {
  return moduleToSafetensors(model, { model: kind, ...metadata });
}
