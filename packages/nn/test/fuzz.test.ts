// The formats we parse ourselves (safetensors, checkpoints, IDX) fuzzed with fast-check
// (CONVENTIONS: "what we write ourselves is fuzzed"). Every mutant of a valid file either loads
// into a valid state or throws the library's DataError with a message naming the file and the
// problem; no TypeError, SyntaxError or RangeError leaks, not even as a DataError's cause.
// Seeded (fc's `seed`), so a failure replays; a few hundred mutants per format, well under 20 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { manualSeed } from '@tapegrad/autograd';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../src/data/data-loader.js';
import { ArrayDataset } from '../src/data/dataset.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { DataError } from '../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { BatchNorm1d } from '../src/layers/batch-norm.js';
import { Linear } from '../src/layers/linear.js';
import { Sequential } from '../src/layers/sequential.js';
import { Flatten, ReLU } from '../src/layers/simple.js';
import { Adam } from '../src/optim/adam.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint.js';
import { fit } from '../src/train/fit.js';

const RUNS = 250;
const SEED = 12;
const dir = mkdtempSync(join(tmpdir(), 'tapegrad-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One edit of a byte string; positions are fractions of the length so they fit any mutant. */
type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; n: number };

/** Positions skewed to the front half the time: the headers are where the parsing happens. */
const position = (headerBytes: number, total: number) =>
  fc.oneof(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: Math.min(0.999, headerBytes / total), noNaN: true }));

const edits = (headerBytes: number, total: number) =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: position(headerBytes, total), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: position(headerBytes, total), byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x30, 0x2d, 0x39)) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 0.999, noNaN: true }) }),
      fc.record({ kind: fc.constant('insert' as const), at: position(headerBytes, total), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: position(headerBytes, total), n: fc.integer({ min: 1, max: 6 }) }),
    ),
    { minLength: 1, maxLength: 4 },
  );

function mutate(bytes: Uint8Array, list: Edit[]): Uint8Array {
  let b = Array.from(bytes);
  for (const e of list) {
    const i = Math.floor(e.at * b.length);
    if (e.kind === 'flip' && b.length) b[i] = b[i]! ^ (1 << e.bit);
    else if (e.kind === 'set' && b.length) b[i] = e.byte;
    else if (e.kind === 'truncate') b = b.slice(0, i);
    else if (e.kind === 'insert') b.splice(i, 0, ...e.bytes);
    else if (e.kind === 'delete') b.splice(i, e.n);
  }
  return Uint8Array.from(b);
}

/** The failure half of the property: our error, naming the file, saying what is wrong. */
function expectCleanFailure(e: unknown, source: string): void {
  expect(e, String((e as Error)?.stack)).toBeInstanceOf(DataError);
  const { message, cause } = e as DataError;
  expect(message).toContain(source);
  expect(message.length).toBeGreaterThan(source.length + 10);
  expect(message).not.toMatch(/Cannot read propert|is not a function|is not iterable|undefined is not|of undefined|of null/);
  for (const bad of [TypeError, SyntaxError, RangeError]) expect(cause, `cause of "${message}"`).not.toBeInstanceOf(bad);
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('fuzz (fast-check, seeded): mutated files load a valid state or throw a DataError naming the file', () => {
  it(`safetensors: ${RUNS} mutants of a 3-tensor file with metadata`, () => {
    const good = encodeSafetensors(
      { 'a.weight': { shape: [3, 4], data: new Float32Array(12).map((_, i) => i / 7) }, 'a.bias': { shape: [3], data: new Float32Array([1, 2, 3]) }, s: { shape: [], data: new Float32Array([5]) } },
      { format: 'pt', note: 'fuzz' },
    );
    const header = 8 + new DataView(good.buffer).getUint32(0, true);
    const source = 'fuzz/model.safetensors';
    fc.assert(
      fc.property(edits(header, good.length), (list) => {
        const bytes = mutate(good, list);
        let out;
        try {
          out = decodeSafetensors(bytes, source);
        } catch (e) {
          expectCleanFailure(e, source);
          return;
        }
        for (const [name, t] of Object.entries(out.tensors)) {
          expect(t.data, name).toBeInstanceOf(Float32Array);
          expect(t.data.length, name).toBe(numel(t.shape));
          expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 0), name).toBe(true);
        }
        for (const v of Object.values(out.metadata)) expect(typeof v).toBe('string');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  describe('checkpoints', () => {
    const EPOCHS = 4;
    const makeRun = () => {
      manualSeed(3);
      const model = new Sequential([new Flatten(), new Linear(4, 5), new BatchNorm1d(5), new ReLU(), new Linear(5, 2)]);
      const opt = new Adam(model.parameters(), { lr: 0.01 });
      const images = new Float32Array(24 * 4).map((_, i) => Math.cos(i));
      const loader = new DataLoader(new ArrayDataset(images, new Int32Array(24).map((_, i) => i % 2), [1, 2, 2]), { batchSize: 6, shuffle: true, seed: 1 });
      return { model, opt, loader };
    };
    const r = makeRun();
    const history = fit(r.model, r.opt, { trainLoader: r.loader, epochs: 2, now: () => 0 });
    const good = encodeCheckpoint(r.model, r.opt, { epoch: 2, loader: r.loader.state(), history, extra: { identity: { model: 'x' } } });
    const source = 'fuzz/checkpoint.safetensors';

    /** Loads `bytes` into a fresh run: a clean failure, or a state that makes sense. */
    const check = (bytes: Uint8Array) => {
      const run = makeRun();
      let info;
      try {
        info = decodeCheckpoint(bytes, source, run.model, run.opt, { epochs: EPOCHS, loader: run.loader });
      } catch (e) {
        expectCleanFailure(e, source);
        return;
      }
      expect(Number.isInteger(info.epoch) && info.epoch >= 0 && info.epoch <= EPOCHS).toBe(true);
      expect(() => run.opt.checkState(run.opt.state())).not.toThrow();
      for (const [k, t] of run.model.stateDict()) expect(t.toFloat32Array().every(Number.isFinite), k).toBe(true);
      const st = run.loader.state();
      expect(st.batch).toBeLessThanOrEqual(run.loader.length);
      for (const h of info.history ?? []) expect(h.epoch >= 1 && h.epoch <= info.epoch).toBe(true);
    };

    it('control: the unmutated checkpoint loads', () => {
      const run = makeRun();
      expect(decodeCheckpoint(good, source, run.model, run.opt, { epochs: EPOCHS, loader: run.loader }).epoch).toBe(2);
    });

    it(`${RUNS} byte-level mutants`, () => {
      const header = 8 + new DataView(good.buffer).getUint32(0, true);
      fc.assert(fc.property(edits(header, good.length), (list) => check(mutate(good, list))), { seed: SEED, numRuns: RUNS });
    });

    it(`${RUNS} metadata mutants: a field of the JSON replaced by any JSON value, or deleted`, () => {
      const { tensors, metadata } = decodeSafetensors(good, source);
      const meta = JSON.parse(metadata['tapegrad_checkpoint']!);
      // Every path into the metadata, so that each field is hit.
      const paths: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        paths.push(path);
        if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
      };
      walk(meta, []);
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom(-1, 0, 1, 1.5, 99, 1e308, -1e-9, 2 ** 32, '', 'x', null, true, [], {}, [0.9, 1], [0, 0, 0, 0]),
        fc.constant(undefined), // delete the field
      );
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...paths.slice(1)), value), { minLength: 1, maxLength: 3 }), (changes) => {
          const m = structuredClone(meta);
          for (const [path, v] of changes) {
            let parent = m;
            for (const k of path.slice(0, -1)) parent = parent?.[k];
            if (parent === null || typeof parent !== 'object') continue;
            const last = path[path.length - 1]!;
            if (v === undefined) delete parent[last];
            else parent[last] = v;
          }
          check(encodeSafetensors(tensors, { tapegrad_checkpoint: JSON.stringify(m) }));
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  });

  it(`IDX: ${RUNS} mutants each of an image file and a label file, raw and gzipped, through parseIdx and loadFashionMnist`, () => {
    const N = 12;
    const images = encodeIdx([N, 28, 28], new Uint8Array(N * 784).map((_, i) => (i * 31) % 256));
    const labels = encodeIdx([N], new Uint8Array(N).map((_, i) => i % 10));
    const files = (kind: 'images' | 'labels', gz: boolean) => join(dir, kind === 'images' ? `t10k-images-idx3-ubyte${gz ? '.gz' : ''}` : `t10k-labels-idx1-ubyte${gz ? '.gz' : ''}`);
    let n = 0;
    fc.assert(
      fc.property(fc.constantFrom('images' as const, 'labels' as const), fc.boolean(), edits(16, 800), (kind, gz, list) => {
        // A fresh directory per mutant: the loader must see exactly this pair of files.
        const d = join(dir, `m${n++}`);
        const pair = { images, labels };
        const encoded = (k: 'images' | 'labels') => (gz ? new Uint8Array(gzipSync(pair[k])) : pair[k]);
        const mutant = mutate(encoded(kind), list);
        const path = files(kind, gz).replace(dir, d);
        const other = kind === 'images' ? 'labels' : 'images';
        mkdirSync(d);
        writeFileSync(path, mutant);
        writeFileSync(files(other, gz).replace(dir, d), encoded(other));
        if (!gz) {
          try {
            const x = parseIdx(mutant, path, kind === 'images' ? 3 : 1);
            expect(x.data.length).toBe(numel(x.dims));
          } catch (e) {
            expectCleanFailure(e, path);
          }
        }
        try {
          const ds = loadFashionMnist({ dir: d, split: 'test' });
          expect(ds.images.length).toBe(ds.count * 784);
          expect(ds.labels.length).toBe(ds.count);
          expect(ds.labels.every((l) => l >= 0 && l <= 9)).toBe(true);
          expect(ds.images.every((v) => v >= 0 && v <= 1)).toBe(true);
        } catch (e) {
          // A count mismatch may name either file of the pair; both are in this directory.
          expectCleanFailure(e, d);
        }
        rmSync(d, { recursive: true, force: true });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
