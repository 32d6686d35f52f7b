import type { Module } from '../module.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/**
 * A module's state dict as safetensors bytes: the same names and layouts as the equivalent
 * torch.nn module, so `safetensors.torch.load_file` + `load_state_dict` reads it.
 */
export function moduleToSafetensors(module: Module, metadata?: Record<string, string>): Uint8Array {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, t] of module.stateDict()) tensors[k] = { shape: [...t.shape], data: t.toFloat32Array() };
  return encodeSafetensors(tensors, metadata);
}

/** Loads safetensors bytes into a module (strict: missing, unexpected or mis-shaped entries are errors naming `source`). */
export function loadSafetensorsInto(module: Module, bytes: Uint8Array, source: string): Record<string, string> | undefined {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  module.loadStateDict(tensors, { source });
  return metadata;
}
