/**
 * @tapegrad/kernels-wasm: the tapegrad Backend over AssemblyScript SIMD kernels.
 *
 * @example
 * const backend = await createWasmBackend();
 * const c = backend.gemm(a, b, { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, strideA: 0, strideB: 0 });
 */
import type { Backend } from '@tapegrad/autograd';
import { WasmBackend, type WasmBackendOptions } from './wasm-backend.js';

/** Loads build/kernels.wasm (Node or browser) and returns a float32 Backend over it. */
export async function createWasmBackend(options?: WasmBackendOptions): Promise<WasmBackend & Backend> {
  return WasmBackend.create(options);
}

export { WasmBackend, WasmStorage, type WasmBackendOptions } from './wasm-backend.js';
export { SizeClassAllocator, sizeClass, type Block } from './allocator.js';
export {
  canShareMemory, compileKernels, compiledFrom, instantiateKernels, kernelsUrl, loadKernels, relaxedSimdSupported,
  type CompileKernelsOptions, type KernelExports,
} from './kernels.js';
export { canUseWorkers } from './worker-pool.js';
