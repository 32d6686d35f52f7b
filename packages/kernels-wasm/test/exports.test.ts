import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Dispatch } from '../src/dispatch.js';
import {
  BINARY, GEMM_ACCUMULATE, GEMM_BIAS_COL, GEMM_BIAS_ROW, GEMM_RELU, GEMM_SKIP_ZEROS, RED_MAX, RED_SUM, UNARY,
  compileKernels, instantiateKernels, relaxedSimdSupported, type KernelExports,
} from '../src/kernels.js';
import { POOL_KERNELS } from '../src/worker-pool.js';

// The typed kernel boundary. KernelExports is derived from build/kernels-single.d.ts, which asc
// writes from assembly/*.ts; these tests tie that declaration file to every compiled build (names
// and arities of the exports), check that the worker pool only runs kernels whose parameters fit
// its i32 control block, and that the op codes mirrored in src/kernels.ts match the sources.

const file = (path: string) => new URL(`../${path}`, import.meta.url);

interface Declared { params: { name: string; type: string }[] }

/** The functions build/kernels-single.d.ts declares, with each parameter's AssemblyScript type (JSDoc). */
async function declaredFunctions(): Promise<Map<string, Declared>> {
  const dts = await readFile(file('build/kernels-single.d.ts'), 'utf8');
  const out = new Map<string, Declared>();
  // Each export is a JSDoc block (`@param name \`type\``) followed by `export function name(...)`.
  for (const m of dts.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export function (\w+)\(([^)]*)\)/g)) {
    const params = [...m[1]!.matchAll(/@param (\w+) `(\w+)`/g)].map((p) => ({ name: p[1]!, type: p[2]! }));
    const listed = m[3]!.trim() === '' ? [] : m[3]!.split(',').map((p) => p.trim().split(':')[0]!.trim());
    expect(params.map((p) => p.name), `JSDoc of ${m[2]}`).toEqual(listed);
    out.set(m[2]!, { params });
  }
  return out;
}

const BUILDS = [
  { file: 'kernels.wasm', shared: true },
  { file: 'kernels-single.wasm', shared: false },
  { file: 'kernels-relaxed.wasm', shared: true },
  { file: 'kernels-single-relaxed.wasm', shared: false },
] as const;

describe('the TypeScript view of the kernels matches the compiled modules', () => {
  it.each(BUILDS)('build/$file: every export is declared with its arity, and nothing else is declared', async ({ file: name, shared }) => {
    expect(await relaxedSimdSupported()).toBe(true); // Node: see relaxed.test.ts
    const module = await compileKernels(shared, file(`build/${name}`));
    const functions = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 16384, shared });
    const kernels = await instantiateKernels(module, memory) as unknown as Record<string, (...a: unknown[]) => unknown>;
    const arities = Object.fromEntries(functions.map((f) => [f, kernels[f]!.length]));
    const declared = await declaredFunctions();
    const declaredArities = Object.fromEntries([...declared].map(([f, d]) => [f, d.params.length]));
    expect(arities).toEqual(declaredArities);
  });

  it('the assembly exports no batchNorm beside batchNormChannels (dead kernel removed)', async () => {
    const declared = await declaredFunctions();
    expect(declared.has('batchNormChannels')).toBe(true);
    expect(declared.has('batchNorm')).toBe(false);
  });

  it('every kernel the worker pool runs takes only i32 parameters (its control block is an Int32Array)', async () => {
    const declared = await declaredFunctions();
    const i32Like = new Set(['i32', 'u32', 'usize', 'bool']);
    const offending = POOL_KERNELS.flatMap((k) => {
      const d = declared.get(k);
      if (d === undefined) return [`${k}: not exported`];
      return d.params.filter((p) => !i32Like.has(p.type)).map((p) => `${k}(${p.name}: ${p.type})`);
    });
    expect(offending).toEqual([]);
  });
});

/** `export const NAME: i32 = value;` of an assembly source, for names starting with prefix. */
async function assemblyConstants(path: string, prefix: string): Promise<Record<string, number>> {
  const src = await readFile(file(path), 'utf8');
  const out: Record<string, number> = {};
  for (const m of src.matchAll(new RegExp(`^export const (${prefix}\\w+): i32 = (\\d+);`, 'gm'))) out[m[1]!] = Number(m[2]);
  return out;
}

describe('op codes and flags in src/kernels.ts match assembly/', () => {
  it('GEMM flags (assembly/gemm.ts)', async () => {
    expect(await assemblyConstants('assembly/gemm.ts', 'GEMM_')).toEqual({ GEMM_ACCUMULATE, GEMM_RELU, GEMM_BIAS_ROW, GEMM_BIAS_COL, GEMM_SKIP_ZEROS });
  });

  it('unary and binary op codes (assembly/elementwise.ts)', async () => {
    const upper = (table: Record<string, number>, prefix: string, rename: Record<string, string> = {}) =>
      Object.fromEntries(Object.entries(table).map(([k, v]) => [`${prefix}${rename[k] ?? k.toUpperCase()}`, v]));
    expect(await assemblyConstants('assembly/elementwise.ts', 'UN_')).toEqual(upper(UNARY, 'UN_'));
    expect(await assemblyConstants('assembly/elementwise.ts', 'BIN_')).toEqual(upper(BINARY, 'BIN_', { maximum: 'MAX', minimum: 'MIN' }));
  });

  it('reduction op codes (assembly/reduce.ts)', async () => {
    expect(await assemblyConstants('assembly/reduce.ts', 'RED_')).toEqual({ RED_SUM, RED_MAX });
  });
});

// Compile-time checks: `tsc -p tsconfig.json` (run by this package's `test` script before vitest)
// fails with "Unused '@ts-expect-error' directive" if any line below compiles. Never called.
export function kernelCallsThatMustNotCompile(k: KernelExports, d: Dispatch): void {
  // @ts-expect-error: im2col takes 5 arguments, not 4
  k.im2col(0, 0, 0, 0);
  // @ts-expect-error: transA is a wasm bool, 0 or 1
  k.gemm(0, 0, 0, 0, 1, 1, 1, 1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 1);
  // @ts-expect-error: no such kernel
  k.batchNorm(0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1e-5, 0.1, 1);
  // @ts-expect-error: runImages' argsFor must return conv2d's 11 arguments (here 9)
  d.runImages('conv2d', 1, (_t, nBegin, nEnd) => [0, 0, 0, 0, 1, 0, 0, nBegin, nEnd]);
  // @ts-expect-error: a wrong type in the tuple (training is 0 | 1)
  d.runSplit('batchNormBackward', 1, 1, 1, (b, e) => [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, true, b, e]);
  // @ts-expect-error: logSoftmax is not a kernel the worker pool runs
  d.runSplit('logSoftmax', 1, 1, 1, (b, e) => [0, 0, b, e]);
}
