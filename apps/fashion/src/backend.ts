import { type Backend, createRefBackend, setBackend } from '@tapegrad/autograd';
import { CliError } from './errors.js';

export type BackendName = 'wasm' | 'ref';

/** Creates and activates the backend a command asked for. */
export async function useBackend(name: BackendName, threads?: number): Promise<Backend> {
  let b: Backend;
  if (name === 'ref') b = createRefBackend();
  else if (name === 'wasm') {
    const { createWasmBackend } = await import('@tapegrad/kernels-wasm');
    b = await createWasmBackend();
  } else throw new CliError(`--backend must be wasm or ref, got "${name}"`);
  if (threads !== undefined && threads !== 1) {
    // NOTE: multi-threaded kernels are issue 6; until then every backend runs on one thread.
    process.stderr.write(`note: --threads ${threads} requested; this build runs kernels on 1 thread\n`);
  }
  setBackend(b);
  return b;
}
