import { checkBytes, checkString, fail } from '../check.js';
import { checkModule, type Module } from '../module.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';

/**
 * A module's state dict as safetensors tensors: float32 entries as F32, int64 ones (batch norm's
 * num_batches_tracked) as I64, as PyTorch's state_dict has them. Keys are prefixed with `prefix`.
 */
export function stateDictTensors(module: Module, prefix = ''): Record<string, SafetensorsTensor> {
  checkStateful('stateDictTensors', module);
  checkString('stateDictTensors', 'prefix', prefix);
  const dtypes = module.stateDictDtypes();
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [k, t] of module.stateDict()) {
    tensors[prefix + k] = { shape: [...t.shape], data: t.toFloat32Array(), dtype: dtypes.get(k) === 'int64' ? 'I64' : 'F32' };
  }
  return tensors;
}

/**
 * A module's state dict as safetensors bytes: the same names, layouts and dtypes as the
 * equivalent torch.nn module, so `safetensors.torch.load_file` + `load_state_dict` reads it.
 */
export function moduleToSafetensors(module: Module, metadata?: Record<string, string>): Uint8Array {
  checkStateful('moduleToSafetensors', module);
  return encodeSafetensors(stateDictTensors(module), metadata);
}

/**
 * Loads safetensors bytes into a module (strict: missing, unexpected or mis-shaped entries are
 * errors naming `source`). Every dtype PyTorch writes loads, converted to float32.
 */
export function loadSafetensorsInto(module: Module, bytes: Uint8Array, source: string): Record<string, string> | undefined {
  checkModule('loadSafetensorsInto', 'module', module);
  checkBytes('loadSafetensorsInto', 'bytes', bytes);
  checkString('loadSafetensorsInto', 'source', source);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  module.loadStateDict(tensors, { source });
  return metadata;
}

/**
 * Writing a state dict needs only stateDict() and stateDictDtypes(), so any object with both
 * passes (a Module, or a stand-in holding a chosen state dict, as tests of partial files use).
 */
function checkStateful(fn: string, module: unknown): void {
  const m = module as Partial<Module> | null;
  if (typeof m !== 'object' || m === null || typeof m.stateDict !== 'function' || typeof m.stateDictDtypes !== 'function') {
    fail(fn, 'module', 'a Module (an object with stateDict() and stateDictDtypes())', module);
  }
}
