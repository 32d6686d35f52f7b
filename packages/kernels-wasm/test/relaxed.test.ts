import { describeBackend } from '@tapegrad/autograd/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { compileKernels, compiledFrom, createWasmBackend, kernelsUrl, relaxedSimdSupported } from '../src/index.js';
import { randomArray } from './helpers.js';

// The plain and relaxed-SIMD builds (Note [relaxed madd], assembly/gemm/madd.ts) and the choice between
// them. conformance.test.ts runs the default choice (relaxed where supported, unless
// TAPEGRAD_RELAXED_SIMD=0); here
// every build runs the same conformance suite explicitly, whatever the default.

const relaxed = await relaxedSimdSupported();
const build = (file: string) => new URL(`../build/${file}`, import.meta.url);
const fileOf = (url: URL | undefined) => url?.pathname.split('/').pop();

describe('relaxed SIMD detection and choice of build', () => {
  const saved = process.env.TAPEGRAD_RELAXED_SIMD;
  afterEach(() => {
    if (saved === undefined) delete process.env.TAPEGRAD_RELAXED_SIMD;
    else process.env.TAPEGRAD_RELAXED_SIMD = saved;
  });

  it('relaxedSimdSupported() answers a boolean, the same each time', async () => {
    expect(typeof relaxed).toBe('boolean');
    expect(await relaxedSimdSupported()).toBe(relaxed);
  });

  it('on Node (20: behind --experimental-wasm-relaxed-simd, set at run time) relaxed SIMD is found', () => {
    expect(relaxed).toBe(true);
  });

  it('{ relaxedSimd: true } compiles the relaxed builds where supported, { relaxedSimd: false } the plain ones', async () => {
    const on = await compileKernels(true, undefined, { relaxedSimd: true });
    expect(fileOf(compiledFrom(on))).toBe(relaxed ? 'kernels-relaxed.wasm' : 'kernels.wasm');
    const onSingle = await compileKernels(false, undefined, { relaxedSimd: true });
    expect(fileOf(compiledFrom(onSingle))).toBe(relaxed ? 'kernels-single-relaxed.wasm' : 'kernels-single.wasm');
    expect(fileOf(compiledFrom(await compileKernels(true, undefined, { relaxedSimd: false })))).toBe('kernels.wasm');
    expect(fileOf(compiledFrom(await compileKernels(false, undefined, { relaxedSimd: false })))).toBe('kernels-single.wasm');
  });

  it('by default the relaxed builds where supported', async () => {
    delete process.env.TAPEGRAD_RELAXED_SIMD;
    expect(fileOf(await kernelsUrl(true))).toBe(relaxed ? 'kernels-relaxed.wasm' : 'kernels.wasm');
    expect(fileOf(await kernelsUrl(false))).toBe(relaxed ? 'kernels-single-relaxed.wasm' : 'kernels-single.wasm');
  });

  it('TAPEGRAD_RELAXED_SIMD=1 keeps relaxed the default where supported, =0 plain; an explicit option wins', async () => {
    process.env.TAPEGRAD_RELAXED_SIMD = '1';
    expect(fileOf(await kernelsUrl(true))).toBe(relaxed ? 'kernels-relaxed.wasm' : 'kernels.wasm');
    expect(fileOf(await kernelsUrl(true, undefined, { relaxedSimd: false }))).toBe('kernels.wasm');
    process.env.TAPEGRAD_RELAXED_SIMD = '0';
    expect(fileOf(await kernelsUrl(true))).toBe('kernels.wasm');
    expect(fileOf(await kernelsUrl(true, undefined, { relaxedSimd: true }))).toBe(relaxed ? 'kernels-relaxed.wasm' : 'kernels.wasm');
  });

  it('backend.build and backend.relaxedSimd say which build a backend runs', async () => {
    delete process.env.TAPEGRAD_RELAXED_SIMD;
    const plain = await createWasmBackend({ relaxedSimd: false, sharedMemory: true });
    expect([plain.build, plain.relaxedSimd]).toEqual(['kernels.wasm', false]);
    const byDefault = await createWasmBackend({ sharedMemory: false });
    expect([byDefault.build, byDefault.relaxedSimd]).toEqual(relaxed ? ['kernels-single-relaxed.wasm', true] : ['kernels-single.wasm', false]);
  });

  it('a wasmUrl is taken as given', async () => {
    expect(fileOf(await kernelsUrl(true, build('kernels-single.wasm'), { relaxedSimd: true }))).toBe('kernels-single.wasm');
  });
});

const BUILDS: ReadonlyArray<[file: string, shared: boolean, needsRelaxed: boolean]> = [
  ['kernels.wasm', true, false],
  ['kernels-single.wasm', false, false],
  ['kernels-relaxed.wasm', true, true],
  ['kernels-single-relaxed.wasm', false, true],
];
for (const [file, shared, needsRelaxed] of BUILDS) {
  if (needsRelaxed && !relaxed) continue;
  describeBackend(`wasm ${file}`, () => createWasmBackend({ wasmUrl: build(file), sharedMemory: shared }));
}

describe.runIf(relaxed)('kernels-relaxed.wasm on the worker pool', () => {
  // The workers get the compiled module by postMessage and instantiate it without recompiling; the
  // GEMM split by rows computes each row as one thread does, so the results are bit-identical.
  it('gemm 256x256x256 on threads: 2 equals threads: 1', async () => {
    const [one, two] = await Promise.all([1, 2].map((threads) =>
      createWasmBackend({ wasmUrl: build('kernels-relaxed.wasm'), sharedMemory: true, threads })));
    const m = 256, n = 256, k = 256;
    const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
    const p = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
    const [c1, c2] = [one, two].map((be) => be.read(be.gemm(be.fromArray(a), be.fromArray(b), p)));
    expect(two.parallelCalls).toBeGreaterThan(0);
    expect(c2).toAllSatisfy((x, i) => Object.is(x, c1![i]));
    await two.dispose();
  });
});
