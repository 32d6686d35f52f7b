import { availableParallelism } from 'node:os';
import { type Backend, createRefBackend, setBackend } from '@tapegrad/autograd';
import { CliError } from './errors.js';

export type BackendName = 'wasm' | 'ref';

/**
 * Creates and activates the backend a command asked for. `threads` (WASM only) defaults to every
 * available core; 1 is the deterministic single-threaded path (with more threads, results are
 * deterministic for a given thread count, but the weight gradients of a convolution are summed in
 * a different order than with one).
 */
export async function useBackend(name: BackendName, threads?: number): Promise<Backend> {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new CliError(`--threads must be a positive integer, got ${threads}`);
  let b: Backend;
  if (name === 'ref') {
    if (threads !== undefined && threads !== 1) throw new CliError('--threads applies to the wasm backend only (the reference backend is single-threaded)');
    b = createRefBackend();
  } else if (name === 'wasm') {
    const { createWasmBackend } = await import('@tapegrad/kernels-wasm');
    b = await createWasmBackend({ threads: threads ?? availableParallelism() });
  } else throw new CliError(`--backend must be wasm or ref, got "${name}"`);
  setBackend(b);
  return b;
}
