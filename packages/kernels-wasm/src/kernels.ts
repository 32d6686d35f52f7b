/**
 * Loading build/kernels.wasm (or one of its twins, see kernelsUrl) and the typed view of its exports.
 * Pointers are byte addresses into the shared memory; counts and strides are elements.
 */
import type { instantiate as declaredExports } from '../build/kernels-single.js';

/**
 * The exports as assembly/*.ts declares them: build/kernels-single.d.ts, which asc writes from the
 * sources with the single build (`"bindings": ["raw"]` in asconfig.json), so the TypeScript view
 * cannot drift from the kernels; test/exports.test.ts checks it against every compiled build.
 * Only the declarations are used: the backend calls the raw exports, not asc's JavaScript glue.
 */
type Declared = Omit<Awaited<ReturnType<typeof declaredExports>>, 'memory'>;

/** A raw export: a wasm `bool` parameter (boolean in the declarations) is an i32, 0 or 1. */
type RawExport<F> = F extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: A[I] extends boolean ? 0 | 1 : A[I] }) => R : never;

/**
 * Exports of build/kernels.wasm (see assembly/index.ts), derived from the generated declarations.
 * @example kernels.gemm(aPtr, bPtr, cPtr, 0, 1, m, n, k, 0, 0, 0, 0, m * n, 0, packA, packB, 0, m)
 */
export type KernelExports = { readonly [K in keyof Declared]: RawExport<Declared[K]> };
/** The name of an exported kernel. */
export type KernelName = keyof KernelExports;
/** A kernel's parameter list as a labelled tuple: what the dispatch and worker-pool helpers take. */
export type KernelArgs<K extends KernelName> = Parameters<KernelExports[K]>;

// Flags and op codes, mirrored from assembly/gemm.ts, elementwise.ts and reduce.ts (test/exports.test.ts
// compares them with the sources).
export const GEMM_ACCUMULATE = 1;
export const GEMM_RELU = 2;
export const GEMM_BIAS_ROW = 4;
export const GEMM_BIAS_COL = 8;
export const GEMM_SKIP_ZEROS = 16;

export const UNARY = { neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sign: 5, relu: 6, sigmoid: 7, tanh: 8 } as const;
export type UnaryOp = keyof typeof UNARY;
// maximum (5) and minimum (6) are codes of the kernel that no Backend method uses (yet).
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, greater: 7, equal: 8 } as const;
export type BinaryOp = keyof typeof BINARY;
export const RED_SUM = 0;
export const RED_MAX = 1;

/** 64 KiB WebAssembly pages; 16384 pages = 1 GiB, the maximum declared by asconfig.json. */
export const PAGE_BYTES = 65536;
export const MAX_PAGES = 16384;

async function wasmBytesOrResponse(url: URL): Promise<ArrayBuffer | Response> {
  const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (nodeVersion !== undefined && url.protocol === 'file:') {
    // Node's fetch cannot read file: URLs; everywhere else (browsers, bundlers) fetch does.
    const fs = await import('node:fs/promises');
    const buf = await fs.readFile(url);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`kernels-wasm: cannot fetch ${url.href} (HTTP ${response.status})`);
  return response;
}

/**
 * Whether this host can use a shared WebAssembly.Memory: Node can; a browser only when the page is
 * cross-origin isolated (COOP/COEP), otherwise SharedArrayBuffer and shared memories are disabled.
 */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/**
 * f32x4.relaxed_madd in the smallest module that uses it:
 * (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd).
 * The opcode is 0xfd then 0x105 as unsigned LEB128 (0x85 0x02).
 */
const RELAXED_MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code
]);

let relaxedProbe: Promise<boolean> | undefined;

function validatesRelaxedMadd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_MADD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Whether this engine runs relaxed SIMD (validates a module using f32x4.relaxed_madd). Node 20
 * (V8 11.3) has it behind `--experimental-wasm-relaxed-simd`: when the probe fails in Node, the
 * flag is set at run time (`v8.setFlagsFromString`, process-wide: worker threads see it too) and
 * the probe validated again. V8 11.4+ (Chrome 114+, Node 22+) has it without a flag; an engine
 * without it gets the plain build.
 * Answered once per process.
 */
export function relaxedSimdSupported(): Promise<boolean> {
  relaxedProbe ??= (async () => {
    if (validatesRelaxedMadd()) return true;
    if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === undefined) return false;
    try {
      (await import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return false;
    }
    return validatesRelaxedMadd();
  })();
  return relaxedProbe;
}

export interface CompileKernelsOptions {
  /**
   * Load the relaxed-SIMD build (GEMM multiply-adds as f32x4.relaxed_madd, fused on FMA machines;
   * see Note [relaxed madd] in assembly/gemm/madd.ts) when the engine supports it, else the plain one.
   * Default: true (where supported), unless the environment variable TAPEGRAD_RELAXED_SIMD is `0`
   * or `false`. Measured on the 2-core development machine: a case-study CNN training step 23.0–23.9
   * → 21.5–21.6 ms on one thread (apps/bench profile.js, alternating runs); GEMM 256³ 47 → 51
   * GFLOP/s with the relaxed build's 5x8 tile. Its results depend on the machine (fused or not,
   * always at least as accurate as mul + add per step); a seeded 10-step Adam run of the case-study
   * CNN drifted 1.6e-5 from the reference backend with it, 4.8e-7 with the plain build.
   * With a `wasmUrl` that URL is compiled as given; `false` then only skips enabling the engine's
   * relaxed SIMD (the Node 20 flag), so a relaxed build at that URL may fail to compile.
   */
  relaxedSimd?: boolean;
}

/** The default of `relaxedSimd`: on, unless TAPEGRAD_RELAXED_SIMD=0 (or false) in the environment. */
function relaxedSimdByDefault(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.TAPEGRAD_RELAXED_SIMD?.trim().toLowerCase();
  return !(value === '0' || value === 'false');
}

/**
 * The build compileKernels loads: `wasmUrl` if given, else build/kernels.wasm (shared memory,
 * threads enabled) or build/kernels-single.wasm (unshared, for pages that are not cross-origin
 * isolated), or their -relaxed twins where relaxed SIMD is asked for and supported. The URLs are
 * literal `new URL(..., import.meta.url)` expressions so that bundlers pick the files up.
 */
export async function kernelsUrl(shared: boolean, wasmUrl?: URL | string, options: CompileKernelsOptions = {}): Promise<URL> {
  if (wasmUrl !== undefined) return new URL(wasmUrl);
  if ((options.relaxedSimd ?? relaxedSimdByDefault()) && await relaxedSimdSupported()) {
    return shared
      ? new URL('../build/kernels-relaxed.wasm', import.meta.url)
      : new URL('../build/kernels-single-relaxed.wasm', import.meta.url);
  }
  return shared ? new URL('../build/kernels.wasm', import.meta.url) : new URL('../build/kernels-single.wasm', import.meta.url);
}

const compiledUrls = new WeakMap<WebAssembly.Module, URL>();

/** The URL a module returned by compileKernels was compiled from (which build runs). */
export function compiledFrom(module: WebAssembly.Module): URL | undefined {
  return compiledUrls.get(module);
}

/**
 * Compiles the kernels build chosen by kernelsUrl. The module can be instantiated more than once
 * over one shared memory (the worker pool posts it to its workers, which do not recompile).
 * @example const module = await compileKernels(true, undefined, { relaxedSimd: true }); // relaxed where supported
 */
export async function compileKernels(
  shared: boolean, wasmUrl?: URL | string, options: CompileKernelsOptions = {},
): Promise<WebAssembly.Module> {
  const url = await kernelsUrl(shared, wasmUrl, options);
  // A wasmUrl may name a relaxed build: let Node 20 validate it (sets the flag, see relaxedSimdSupported).
  if (wasmUrl !== undefined && options.relaxedSimd !== false) await relaxedSimdSupported();
  const module = await compileFrom(url);
  compiledUrls.set(module, url);
  return module;
}

async function compileFrom(url: URL): Promise<WebAssembly.Module> {
  const source = await wasmBytesOrResponse(url);
  if (source instanceof ArrayBuffer) return WebAssembly.compile(source);
  if (typeof WebAssembly.compileStreaming === 'function') {
    // Streaming needs the server to send Content-Type: application/wasm; fall back to bytes.
    const fallback = source.clone();
    try {
      return await WebAssembly.compileStreaming(source);
    } catch {
      return WebAssembly.compile(await fallback.arrayBuffer());
    }
  }
  return WebAssembly.compile(await source.arrayBuffer());
}

/** Instantiates a compiled kernels module over `memory`. */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/** Compiles (see compileKernels) and instantiates the kernels over `memory`. */
export async function loadKernels(
  memory: WebAssembly.Memory, shared: boolean, wasmUrl?: URL | string, options?: CompileKernelsOptions,
): Promise<KernelExports> {
  return instantiateKernels(await compileKernels(shared, wasmUrl, options), memory);
}
