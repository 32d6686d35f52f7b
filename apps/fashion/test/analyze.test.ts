import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conv2d, crossEntropy, manualSeed, noGrad, relu, tensor, tidy } from '@tapegrad/autograd';
import { Adam, type Module } from '@tapegrad/nn';
import { FASHION_MNIST_SYSTEM_DIR, loadFashionMnist, saveSafetensors } from '@tapegrad/nn/node';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '@tapegrad/autograd/testing'; // and expect(...).toAllSatisfy
import { type AnalysisResult, runAnalyze } from '../src/analyze.js';
import { buildModel, type FashionCnn, fgsmImages, gradientSign, rotateAll } from '@tapegrad/lecture';
import { runReport } from '../src/report.js';

// The reference backend runs this CNN at roughly 100 images/s forward on 2 cores, so the fixture
// is small: both models see 20 Adam steps on 320 real test images, and the analyses use the
// first LIMIT test images and three rotation angles.
const LIMIT = 60;
const hasData = existsSync(join(FASHION_MNIST_SYSTEM_DIR, 't10k-images-idx3-ubyte.gz')) || !!process.env['FASHION_MNIST_DIR'];

function train(model: Module, images: Float32Array, labels: Int32Array, steps: number, batch: number, lr: number): void {
  const opt = new Adam(model.parameters(), { lr });
  model.train();
  for (let s = 0; s < steps; s++) {
    const start = (s * batch) % (labels.length - batch + 1);
    tidy(() => {
      opt.zeroGrad();
      const x = tensor(images.subarray(start * 784, (start + batch) * 784), [batch, 1, 28, 28]);
      crossEntropy(model.forward(x), labels.subarray(start, start + batch)).backward();
      opt.step();
    });
  }
  model.eval();
}

function readPng(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

requires(hasData ? null : `no Fashion-MNIST test split in ${FASHION_MNIST_SYSTEM_DIR} and FASHION_MNIST_DIR unset`).describe('runAnalyze and runReport on small trained models (reference backend)', () => {
  let dir: string;
  let runs: string;
  let cnnPath: string;
  let fnnPath: string;
  let result: AnalysisResult;
  let cnn: FashionCnn;
  const test = hasData ? loadFashionMnist({ split: 'test', limit: 320 }) : null!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fashion-analyze-'));
    runs = join(dir, 'runs');
    manualSeed(0);
    cnn = buildModel('cnn') as FashionCnn;
    train(cnn, test.images, test.labels, 20, 16, 2e-3);
    const fnn = buildModel('fnn');
    train(fnn, test.images, test.labels, 20, 32, 2e-3);
    cnnPath = join(runs, 'cnn', 'model.safetensors');
    fnnPath = join(runs, 'fnn', 'model.safetensors');
    for (const d of ['cnn', 'fnn']) mkdirSync(join(runs, d), { recursive: true });
    saveSafetensors(cnn, cnnPath, { model: 'cnn' });
    saveSafetensors(fnn, fnnPath, { model: 'fnn' });
    result = await runAnalyze({ weights: cnnPath, fnnWeights: fnnPath, out: join(runs, 'analysis'), limit: LIMIT, angles: [0, 90, 180] });
    // What `train` writes next to the weights (shape from the train command's contract).
    for (const [name, acc] of [['cnn', result.confusion.cnn.accuracy], ['fnn', result.confusion.fnn!.accuracy]] as const) {
      const row = { name, model: name, recipe: 'lecture', testAccuracy: acc, parameters: name === 'cnn' ? 25_530 : 101_770, trainSeconds: 3.5 };
      const epochs = [1, 2].map((epoch) => ({ epoch, trainLoss: 2 / epoch, trainAccuracy: 0.3 * epoch, testAccuracy: 0.28 * epoch, seconds: 1, imagesPerSecond: 100 }));
      writeFileSync(join(runs, name, 'metrics.json'), JSON.stringify({ ...row, epochs, options: {} }));
    }
    writeFileSync(join(runs, 'summary.json'), JSON.stringify({ rows: [] }));
  }, 60_000);

  afterAll(() => {
    cnn?.dispose();
    if (dir && !process.env['KEEP_ANALYZE_OUTPUT']) rmSync(dir, { recursive: true, force: true });
  });

  it('writes every PNG and analysis.json; the PNGs decode with the sizes their contents need', () => {
    const out = join(runs, 'analysis');
    expect(JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')).version).toBe(1);
    const files = Object.values(result.files);
    expect(files).toHaveLength(7);
    for (const f of files) expect(existsSync(join(out, f!))).toBe(true);
    // Confusion heatmap: 10x10 cells of 36 px plus labels.
    for (const f of [result.files.confusionCnn!, result.files.confusionFnn!]) {
      const png = readPng(join(out, f));
      expect(png.width).toBeGreaterThan(10 * 36);
      expect(png.height).toBeGreaterThan(10 * 36);
    }
    // 16 conv1 filters of 3x3 upscaled x16, 8 per row.
    const filters = readPng(join(out, result.files.firstLayerFilters!));
    expect(filters.width).toBeGreaterThanOrEqual(8 * 48);
    expect(filters.height).toBeGreaterThanOrEqual(2 * 48);
    // 16 units x top 8 patches of 5x5 upscaled x8.
    const patches = readPng(join(out, result.files.topPatches!));
    expect(patches.width).toBeGreaterThanOrEqual(8 * 40);
    expect(patches.height).toBeGreaterThanOrEqual(16 * 40);
    // Original + four filters of 28x28 upscaled x4; 4 FGSM rows of three 112 px tiles.
    const classic = readPng(join(out, result.files.classicFilters!));
    expect(classic.width).toBeGreaterThanOrEqual(5 * 112);
    expect(classic.height).toBeGreaterThanOrEqual(112);
    const fgsm = readPng(join(out, result.files.fgsmExamples!));
    expect(fgsm.width).toBeGreaterThanOrEqual(3 * 112);
    expect(fgsm.height).toBeGreaterThanOrEqual(4 * 112);
  });

  it(`confusion matrix [10,10] over the first ${LIMIT} test images: row c sums to the count of class c`, () => {
    const counts = new Array(10).fill(0);
    for (const l of test.labels.subarray(0, LIMIT)) counts[l]++;
    for (const r of [result.confusion.cnn, result.confusion.fnn!]) {
      expect(r.count).toBe(LIMIT);
      expect(r.matrix.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
      const diagonal = r.matrix.reduce((a, row, i) => a + row[i]!, 0);
      expect(r.accuracy).toBeCloseTo(diagonal / LIMIT, 12);
      expect(r.gap.gap).toBeCloseTo(r.gap.bestAccuracy - r.gap.worstAccuracy, 12);
    }
    // The fixture is trained: better than chance.
    expect(result.confusion.cnn.accuracy).toBeGreaterThan(0.3);
  });

  it('FGSM: ε=0 gives the clean accuracy; the largest ε does not raise it', () => {
    expect(result.fgsm.epsilons).toEqual([0, 0.01, 0.02, 0.05, 0.1, 0.2]);
    const [cnnSeries, fnnSeries] = result.fgsm.series;
    expect(cnnSeries!.accuracy[0]).toBe(result.confusion.cnn.accuracy);
    expect(fnnSeries!.accuracy[0]).toBe(result.confusion.fnn!.accuracy);
    for (const s of result.fgsm.series) expect(s.accuracy.at(-1)!).toBeLessThanOrEqual(s.accuracy[0]!);
    expect(cnnSeries!.accuracy.at(-1)!).toBeLessThan(cnnSeries!.accuracy[0]!);
    expect(result.fgsm.examples).toHaveLength(4);
  });

  it('FGSM perturbation x_adv - x is ±ε per pixel (to float32 rounding), less only where clamped to [0, 1]', () => {
    const n = 8;
    const images = test.images.subarray(0, n * 784);
    const signs = gradientSign(cnn, images, test.labels.subarray(0, n));
    expect([...new Set(signs)]).toAllSatisfy((s) => s === -1 || s === 0 || s === 1);
    expect(signs.filter((s) => s !== 0).length).toBeGreaterThan(0.5 * signs.length);
    // x + ε·s rounds to float32 once: |error| ≤ half an ulp of a value ≤ 1, i.e. 2^-24.
    const tol = 2 ** -24;
    for (const eps of [0.01, 0.1]) {
      const adv = fgsmImages(images, signs, eps);
      let clamped = 0;
      for (let i = 0; i < images.length; i++) {
        const x = images[i]!;
        const d = adv[i]! - x;
        const free = x + eps * signs[i]!;
        if (free >= 0 && free <= 1) expect(Math.abs(d - eps * signs[i]!)).toBeLessThanOrEqual(tol);
        else {
          clamped++;
          expect(adv[i]).toBe(free < 0 ? 0 : 1);
          expect(Math.abs(d)).toBeLessThan(eps + tol);
        }
      }
      // Fashion-MNIST backgrounds are 0, so pushing them down is clamped somewhere.
      expect(clamped).toBeGreaterThan(0);
    }
  });

  it('rotation by 0° leaves the images unchanged and gives the clean accuracy', () => {
    const images = test.images.subarray(0, LIMIT * 784);
    expect(rotateAll(images, 0)).toEqual(images);
    expect(result.rotation.angles).toEqual([0, 90, 180]);
    expect(result.rotation.series.map((s) => s.name)).toEqual(['cnn', 'fnn']);
    expect(result.rotation.series[0]!.accuracy[0]).toBe(result.confusion.cnn.accuracy);
    expect(result.rotation.series[1]!.accuracy[0]).toBe(result.confusion.fnn!.accuracy);
  });

  it('top patches: 16 conv2 units x 8 patches of 5x5, sorted, and each activation equals conv2(relu(conv1(x))) at that position', () => {
    const t = result.topPatches;
    expect(t.size).toBe(5);
    expect(t.units).toHaveLength(16);
    for (const u of t.units) {
      expect(u.hits).toHaveLength(8);
      expect(new Set(u.hits.map((h) => h.image)).size).toBe(8);
      for (let k = 1; k < 8; k++) expect(u.hits[k]!.activation).toBeLessThanOrEqual(u.hits[k - 1]!.activation);
    }
    const hit = t.units[3]!.hits[0]!;
    const pixels: number[] = [];
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) pixels.push(test.images[hit.image * 784 + (hit.row + r) * 28 + hit.col + c]!);
    expect(hit.pixels).toEqual(pixels);
    // The 5x5 patch alone determines the unit's value: recompute it from the patch.
    const direct = noGrad(() => tidy(() => {
      const x = tensor(pixels, [1, 1, 5, 5]);
      return conv2d(relu(conv2d(x, cnn.conv1.weight, cnn.conv1.bias)), cnn.conv2.weight, cnn.conv2.bias).toFloat32Array();
    }));
    expect(direct).toHaveLength(16);
    expect(direct[3]).toBeCloseTo(hit.activation, 4);
  });

  it('parameter arithmetic from real modules: Conv2d(1,20,5) = 520, Linear(784,30) = 23 550; CNN 25 530, FNN 101 770', () => {
    expect(result.parameters.lecture.map((l) => l.parameters)).toEqual([520, 23_550]);
    expect(result.parameters.lecture.map((l) => l.expected)).toEqual([520, 23_550]);
    expect(result.parameters.models.map((m) => [m.name, m.parameters])).toEqual([['cnn', 25_530], ['fnn', 101_770]]);
  });

  it('1D example x=[0,0,1,0,0,1,1] w=[-1,1,-1]: by hand, with and without zero padding, before and after ReLU', () => {
    const d = result.conv1d;
    expect(d.signal).toEqual([0, 0, 1, 0, 0, 1, 1]);
    expect(d.filter).toEqual([-1, 1, -1]);
    // z0 = -0 + 0 - 1 = -1 (the lecture's first sum), z1 = -0 + 1 - 0 = 1 (low-high-low at position 2), ...
    expect(d.valid.conv).toEqual([-1, 1, -1, -1, 0]);
    expect(d.valid.relu).toEqual([0, 1, 0, 0, 0]);
    expect(d.padded.conv).toEqual([0, -1, 1, -1, -1, 0, 0]);
    expect(d.padded.relu).toEqual([0, 0, 1, 0, 0, 0, 0]);
  });

  it('classic filters on test image 0 (an ankle boot): the edge kernels give signed outputs', () => {
    expect(result.classicFilters.filters.map((f) => f.name)).toEqual(['sharpen', 'edge detect', 'sobel x', 'sobel y']);
    for (const f of result.classicFilters.filters.slice(1)) {
      expect(f.min).toBeLessThan(0);
      expect(f.max).toBeGreaterThan(0);
    }
    expect(result.classicFilters.label).toBe('Ankle boot');
  });

  it('report: one self-contained HTML page with the table, inline SVG charts and embedded PNGs', async () => {
    const out = await runReport({ runs });
    expect(out).toBe(join(runs, 'report.html'));
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<th>test accuracy</th>');
    expect(html).toContain('<th>parameters</th>');
    expect(html).toContain('<th>training time</th>');
    expect(html).toContain('25,530');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(7);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/src="(?!data:)/);
    expect(html).not.toContain('Not run');
  });

  it('report on a runs directory without analysis, with a broken summary.json and a half-written metrics.json, says so instead of failing', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'half-written'), { recursive: true });
    writeFileSync(join(empty, 'summary.json'), '{"rows": [');
    writeFileSync(join(empty, 'half-written', 'metrics.json'), JSON.stringify({ name: 'half-written', epochs: [{ epoch: 1 }] }));
    const html = readFileSync(await runReport({ runs: empty }), 'utf8');
    expect(html).toContain('Not run');
    expect(html).toContain('analysis.json');
    expect(html).toContain(`Could not read: ${join(empty, 'summary.json')}`);
    expect(html).toContain('<td>half-written</td>');
  });

  it('a weights file for the wrong model is one error naming the file', async () => {
    const out = join(dir, 'wrong');
    await expect(runAnalyze({ weights: fnnPath, out, limit: 10 })).rejects.toThrow(fnnPath);
    await expect(runAnalyze({ weights: fnnPath, out, limit: 10 })).rejects.toThrow(/expects weights of the CNN/);
    await expect(runAnalyze({ weights: cnnPath, fnnWeights: cnnPath, out, limit: 10 })).rejects.toThrow(/fully connected/);
    await expect(runAnalyze({ weights: join(dir, 'missing.safetensors'), out, limit: 10 })).rejects.toThrow('missing.safetensors');
    expect(existsSync(out)).toBe(false);
  });
});
