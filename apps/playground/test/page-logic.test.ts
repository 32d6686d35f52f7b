import { DEFAULT_RECIPE } from '@tapegrad/lecture';
import { DataError, encodeIdx } from '@tapegrad/nn';
import { describe, expect, it } from 'vitest';
import '@tapegrad/autograd/testing'; // expect(...).toAllSatisfy
import { encodeDataFile } from '../scripts/build-data.mjs';
import { latestOnly } from '../src/client.js';
import { CurveData } from '../src/curves.js';
import { decodeDataFile, toImages } from '../src/data.js';
import { etaSeconds, formatDuration, formatRate, throttle } from '../src/format.js';
import { parseHook } from '../src/hook.js';
import { argmax, divergingRgba, downsampleTo28, grayRgba } from '../src/render.js';
import { augmentSpec, defaultForm, NO_AUGMENTATION, settingsFromForm } from '../src/settings.js';

function dataFile(nTrain: number, nTest: number, opts: { badLabel?: boolean } = {}): Uint8Array {
  const split = (n: number, seed: number) => {
    const pixels = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7 + seed) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => (opts.badLabel && i === n - 1 ? 12 : (i + seed) % 10));
    return [encodeIdx([n, 28, 28], pixels), encodeIdx([n], labels)];
  };
  return encodeDataFile([...split(nTrain, 1), ...split(nTest, 2)]);
}

describe('data file (scripts/build-data.mjs writes, src/data.ts reads)', () => {
  it('round trip of 3 train and 2 test images; toImages gives pixel / 255 like loadFashionMnist', () => {
    const { train, test } = decodeDataFile(dataFile(3, 2), 'fashion-mnist.bin');
    expect([train.count, test.count]).toEqual([3, 2]);
    expect(Array.from(train.labels)).toEqual([1, 2, 3]);
    expect(test.pixels[5]).toBe((5 * 7 + 2) % 256);
    const t = toImages(train, 2);
    expect(t.count).toBe(2);
    expect(t.images.length).toBe(2 * 784);
    expect(t.images[10]).toBe(Math.fround(((10 * 7 + 1) % 256) / 255));
    expect(toImages(test, 99).count).toBe(2);
  });

  it('a wrong magic, a truncated file and a bad label are DataErrors naming the file', () => {
    const good = dataFile(2, 2);
    const wrong = good.slice();
    wrong[0] = 0x58;
    expect(() => decodeDataFile(wrong, 'x.bin')).toThrow(DataError);
    expect(() => decodeDataFile(wrong, 'x.bin')).toThrow(/x\.bin: not a playground data file \(starts with "XGFMNIST"/);
    expect(() => decodeDataFile(good.subarray(0, good.length - 5), 'x.bin')).toThrow(/x\.bin: sections add up to \d+ bytes but the file has \d+ \(truncated download\?\)/);
    expect(() => decodeDataFile(new Uint8Array(4), 'x.bin')).toThrow(/too short for the 32-byte header/);
    expect(() => decodeDataFile(dataFile(2, 3, { badLabel: true }), 'x.bin')).toThrow(/train label 12 \(example 1\) is outside 0\.\.9/);
  });
});

describe('test hook ?autostart=1&epochs=E&trainLimit=N&testLimit=M&seed=S', () => {
  it('parses every parameter; none means no autostart', () => {
    expect(parseHook('?autostart=1&epochs=2&trainLimit=3000&testLimit=1000&seed=0')).toEqual({ autostart: true, epochs: 2, trainLimit: 3000, testLimit: 1000, seed: 0 });
    expect(parseHook('')).toEqual({ autostart: false, epochs: undefined, trainLimit: undefined, testLimit: undefined, seed: undefined });
  });
  it('bad values and unknown parameters are errors naming them', () => {
    expect(() => parseHook('?epochs=0')).toThrow(/epochs=0 must be an integer ≥ 1/);
    expect(() => parseHook('?trainLimit=1.5')).toThrow(/trainLimit=1\.5/);
    expect(() => parseHook('?autostart=yes')).toThrow(/autostart=yes must be 0 or 1/);
    expect(() => parseHook('?epoch=3')).toThrow(/unknown URL parameter "epoch"/);
  });
});

describe('form → TrainSettings', () => {
  it('the default form is exactly the default recipe (what fashion train uses)', () => {
    expect(settingsFromForm(defaultForm())).toEqual(DEFAULT_RECIPE);
  });
  it('optimizer, L1 and augmentation come through; the spec is the CLI\'s --augment syntax', () => {
    const f = { ...defaultForm(), optimizer: 'momentum', l1: '1e-5', augment: { ...NO_AUGMENTATION, rotate: 15, flip: true, noise: 0.05 } };
    expect(settingsFromForm(f)).toMatchObject({ optimizer: 'momentum', l1: 1e-5, augment: 'rotate:15,flip,noise:0.05' });
    expect(augmentSpec({ rotate: null, flip: false, crop: 0.8, noise: null, blur: 1, cutout: 8, jitter: 0.2 })).toBe('crop:0.8,blur:1,cutout:8,jitter:0.2');
  });
  it('out-of-range values name the control and the value', () => {
    expect(() => settingsFromForm({ ...defaultForm(), batchSize: '0' })).toThrow(/batch size must be an integer from 1 to 4096, got "0"/);
    expect(() => settingsFromForm({ ...defaultForm(), lr: 'fast' })).toThrow(/learning rate must be a number in \(0, 10\), got "fast"/);
    expect(() => settingsFromForm({ ...defaultForm(), dropout: '1' })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => settingsFromForm({ ...defaultForm(), optimizer: 'lion' })).toThrow(/optimizer must be one of default, adam, adamw, sgd, momentum, got "lion"/);
    expect(() => settingsFromForm({ ...defaultForm(), augment: { ...NO_AUGMENTATION, flip: true, crop: 0 } })).toThrow(/augmentation: bad argument in augmentation 2 'crop:0'/);
  });
});

describe('progress figures', () => {
  it('ETA from the batches left at the mean time per batch', () => {
    // 2 epochs of 10 batches; 5 done in 1 s → 15 left → 3 s.
    expect(etaSeconds({ epoch: 0, epochs: 2, batch: 4, batches: 10, elapsed: 1 })).toBeCloseTo(3, 12);
    expect(etaSeconds({ epoch: 1, epochs: 2, batch: 9, batches: 10, elapsed: 4 })).toBe(0);
  });
  it('durations and rates as the page prints them', () => {
    expect([formatDuration(42.4), formatDuration(185), formatDuration(3720), formatDuration(NaN)]).toEqual(['42 s', '3 min 05 s', '1 h 02 min', '–']);
    // Short runs (an FNN's training time) in tenths below 10 s, never "0 s" for a run that took time.
    expect([0.4, 0.44, 0.46, 2.25, 9.94, 9.96, 10.4, 0.03, 0, -1].map(formatDuration)).toEqual(
      ['0.4 s', '0.4 s', '0.5 s', '2.3 s', '9.9 s', '10 s', '10 s', '< 0.1 s', '0 s', '–'],
    );
    expect([formatRate(1234), formatRate(12_345), formatRate(0)]).toEqual(['1,230', '12,300', '–']);
  });
  it('throttle passes the first call, then at most one per interval; force always passes', () => {
    let t = 0;
    const gate = throttle(100, () => t);
    const passed: number[] = [];
    for (t = 0; t < 350; t += 30) if (gate()) passed.push(t);
    expect(passed).toEqual([0, 120, 240]);
    expect(gate(true)).toBe(true);
  });
  it('latestOnly runs one call at a time and then only the latest queued arguments', async () => {
    const seen: number[] = [];
    let release: () => void = () => {};
    const run = latestOnly(async (n: number) => {
      seen.push(n);
      if (n === 1) await new Promise<void>((r) => (release = r));
    });
    run(1);
    run(2);
    run(3);
    run(4);
    expect(seen).toEqual([1]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([1, 4]);
  });
});

describe('curves and pixels', () => {
  it('CurveData aligns series on sorted x with nulls where a series has no point', () => {
    const c = new CurveData(2);
    c.add(0, 0.5, 2);
    c.add(1, 1, 1.5);
    c.add(0, 0.25, 3);
    c.add(0, NaN, 1);
    expect(c.aligned()).toEqual([[0.25, 0.5, 1], [3, 2, null], [null, null, 1.5]]);
    expect(() => c.add(2, 0, 0)).toThrow(/series 2 of 2/);
  });
  it('grey and diverging colour maps; a 280x280 drawing averages down to 28x28', () => {
    expect(Array.from(grayRgba([0, 0.5, 1]))).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    expect(Array.from(divergingRgba([1, -1, 0], 1))).toEqual([255, 0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    const rgba = new Uint8ClampedArray(280 * 280 * 4);
    // A white 10x10 block at the top left is pixel (0, 0) of the small image.
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) rgba.set([255, 255, 255, 255], 4 * (y * 280 + x));
    const small = downsampleTo28(rgba, 280, 280);
    expect(small[0]).toBe(1);
    expect(small.slice(1)).toAllSatisfy((v) => v === 0);
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(() => downsampleTo28(new Uint8ClampedArray(3), 1, 1)).toThrow(/is not 1x1 RGBA/);
  });
});
