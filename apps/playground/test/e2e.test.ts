// The real built page (dist/, as `npm run playground -- --build` leaves it) in Debian's Chromium
// through playwright-core: the test hook trains the CNN and the FNN for one epoch on 3000 images,
// then the test checks the state, the accuracies (against the same training run in Node on the same
// kernels and thread count), the threads, the main thread's frame gaps, one FGSM and one rotation
// interaction, the ONNX download (run by onnxruntime-node and read back by fromOnnx), and a
// safetensors round trip with a bad file in between. Screenshots go to
// test-results/ (gitignored). Runs where Chromium, the built page and the data are present.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRefBackend, noGrad, setBackend, tensor, tidy, type Backend } from '@tapegrad/autograd';
import { createWasmBackend } from '@tapegrad/kernels-wasm';
import { DEFAULT_RECIPE, IMAGE_SHAPE, modelFromSafetensors, setupTraining } from '@tapegrad/lecture';
import { decodeSafetensors, evaluate, fit, fromOnnx } from '@tapegrad/nn';
import { FASHION_MNIST_SYSTEM_DIR, loadFashionMnist } from '@tapegrad/nn/node';
import * as ort from 'onnxruntime-node';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requires } from '@tapegrad/autograd/testing';
import { DIST, prepareStatic, startStaticServer } from '../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DATA_DIR = process.env.FASHION_MNIST_DIR ?? FASHION_MNIST_SYSTEM_DIR;
const hasData = existsSync(join(DATA_DIR, 't10k-images-idx3-ubyte.gz')) || existsSync(join(DATA_DIR, 't10k-images-idx3-ubyte'));
const hasPage = existsSync(join(DIST, 'index.html'));
const ARTIFACTS = fileURLToPath(new URL('../test-results/', import.meta.url));
const TRAIN = 3000;
const TEST = 1000;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// Without Chromium (which .ci/run installs), the built page or the data, the suite is skipped,
// except under CI=true, where it fails saying what is missing (requires).
const missing = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !hasPage ? 'the page is not built (vite build)' : !hasData ? `no Fashion-MNIST in ${DATA_DIR}` : null;
const suite = requires(missing).describe;

suite('the playground page in Chromium', () => {
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: Page;
  let maxGap = NaN;
  let frames = 0;
  const logs: string[] = [];

  const text = (testid: string) => page.locator(`[data-testid="${testid}"]`).first().textContent();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    prepareStatic({ log: () => {} });
    ({ server, url } = await startStaticServer({ port: 0 }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    // Frame timestamps while the page says it is training (an epoch is running).
    await page.addInitScript(() => {
      const w = window as unknown as { __frames: number[] };
      w.__frames = [];
      const loop = (t: number) => {
        if (document.body?.dataset.state === 'training') w.__frames.push(t);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const t0 = Date.now();
    await page.goto(`${url}?autostart=1&epochs=1&trainLimit=${TRAIN}&testLimit=${TEST}&seed=0`);
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.error, undefined, { timeout: 120_000, polling: 200 });
    console.log(`playground e2e: trained in the page in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ts = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames);
    frames = ts.length;
    maxGap = ts.slice(1).reduce((m, t, i) => Math.max(m, t - ts[i]!), 0);
    // When training ends the page fills every analysis for its default inputs (test image 0): the
    // screenshot shows what a learner sees, not empty boxes still waiting for the worker.
    await page.waitForFunction(() => ['patches', 'fmaps'].every((id) => document.getElementById(id)!.childElementCount > 0)
      && document.getElementById('rot-probs')!.dataset.angle === '0' && document.getElementById('fgsm-probs')!.dataset.epsilon !== undefined,
    undefined, { timeout: 60_000, polling: 200 });
    await page.screenshot({ path: join(ARTIFACTS, 'playground-trained.png'), fullPage: true });
  }, 240_000);

  afterAll(async () => {
    if (logs.length) console.log(`page console:\n${logs.slice(0, 40).join('\n')}`);
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('the hook trains both models: state done, threads > 1 with 2+ cores, accuracies in bounds', async () => {
    expect(await page.evaluate(() => document.body.dataset.error ?? null)).toBeNull();
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
    const threads = Number(await text('threads'));
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(threads).toBe(cores);
    if (cores >= 2) expect(threads).toBeGreaterThan(1);
    const cnn = Number(await text('test-accuracy-cnn'));
    const fnn = Number(await text('test-accuracy-fnn'));
    console.log(`playground e2e: CNN ${cnn}, FNN ${fnn} after 1 epoch on ${TRAIN} images (${TEST} test), ${threads} threads, ${await text('images-per-second')} images/s`);
    // One epoch on 3000 images (24 Adam steps of 128) is far from the lecture's 0.91 / 0.87 but far above chance (0.1).
    expect(cnn).toBeGreaterThan(0.55);
    expect(cnn).toBeLessThan(0.9);
    expect(fnn).toBeGreaterThan(0.55);
    expect(fnn).toBeLessThan(0.9);
  });

  it('the page reaches the accuracy of the same run in Node (same kernels, seed, limits and threads) to 4 decimals', async () => {
    const threads = Number(await text('threads'));
    const backend = (await createWasmBackend({ threads })) as Backend & { dispose(): Promise<void> };
    setBackend(backend);
    try {
      const train = loadFashionMnist({ split: 'train', limit: TRAIN, dir: DATA_DIR });
      const test = loadFashionMnist({ split: 'test', limit: TEST, dir: DATA_DIR });
      for (const kind of ['cnn', 'fnn'] as const) {
        const s = setupTraining(kind, { ...DEFAULT_RECIPE, epochs: 1 }, train);
        fit(s.model, s.optimizer, { trainLoader: s.loader, epochs: 1 });
        const node = evaluate(s.model, test.images, test.labels, IMAGE_SHAPE).accuracy;
        expect(Number(await text(`test-accuracy-${kind}`)).toFixed(4)).toBe(node.toFixed(4));
        s.model.dispose();
        s.optimizer.dispose();
      }
    } finally {
      await backend.dispose();
    }
  });

  it('the main thread keeps drawing frames while an epoch runs (no rAF gap over 100 ms, when the machine is not overloaded)', () => {
    const load = loadavg()[0]!;
    const cores = cpus().length;
    console.log(`playground e2e: ${frames} frames while training, largest gap ${maxGap.toFixed(1)} ms; load average ${load.toFixed(2)} on ${cores} cores`);
    expect(frames).toBeGreaterThan(2);
    if (load <= cores) expect(maxGap).toBeLessThan(100);
    else console.log(`playground e2e: frame-gap bound not asserted: the load average ${load.toFixed(2)} exceeds the ${cores} cores (other processes compete for the CPU)`);
  });

  it('FGSM: moving the ε slider to 0.1 attacks the image; the true class loses probability', async () => {
    await page.locator('[data-testid="fgsm-epsilon"]').evaluate((el: HTMLInputElement) => {
      el.value = '0.1';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const box = page.locator('[data-testid="fgsm-predictions"]');
    await page.waitForSelector('[data-testid="fgsm-predictions"][data-epsilon="0.1"]', { timeout: 30_000 });
    const clean = Number(await box.getAttribute('data-true-clean'));
    const attacked = Number(await box.getAttribute('data-true-adversarial'));
    expect(attacked).toBeLessThan(clean);
    expect(await text('fgsm-top-adversarial')).toMatch(/^[A-Z][a-z/ -]+$/);
    await page.locator('#fool').screenshot({ path: join(ARTIFACTS, 'playground-fgsm.png') });
  });

  it('rotation: turning test image 0 by 90° changes both networks\' probabilities', async () => {
    const probs = () => page.locator('[data-testid="rotation-predictions"]').textContent();
    await page.waitForSelector('[data-testid="rotation-predictions"][data-angle="0"]', { timeout: 30_000 });
    const upright = await probs();
    await page.locator('[data-testid="rotation-angle"]').evaluate((el: HTMLInputElement) => {
      el.value = '90';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForSelector('[data-testid="rotation-predictions"][data-angle="90"]', { timeout: 30_000 });
    expect(await text('rotation-top-cnn')).toBeTruthy();
    expect(await text('rotation-top-fnn')).toBeTruthy();
    expect(await probs()).not.toBe(upright);
  });

  it('without the two headers the page is not isolated: it says so and runs on 1 thread, without Pause', async () => {
    const plain = await startStaticServer({ port: 0, isolate: false });
    const p = await browser.newPage();
    try {
      await p.goto(plain.url);
      await p.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.error, undefined, { timeout: 60_000, polling: 200 });
      expect(await p.evaluate(() => [self.crossOriginIsolated, document.body.dataset.error ?? null])).toEqual([false, null]);
      expect(await p.locator('[data-testid="threads"]').textContent()).toBe('1');
      expect(await p.locator('#isolation-note').textContent()).toMatch(/not cross-origin isolated .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.*one thread/);
      expect(await p.locator('[data-testid="pause"]').isDisabled()).toBe(true);
    } finally {
      await p.close();
      await new Promise<void>((resolve) => plain.server.close(() => resolve()));
    }
  });

  it('ONNX: the CNN downloaded as ONNX runs in onnxruntime-node with the logits of the page\'s weights and the page\'s test accuracy; fromOnnx reads it back', async () => {
    const download = async (testid: string, file: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
      expect(d.suggestedFilename()).toBe(file);
      const path = join(ARTIFACTS, file);
      await d.saveAs(path);
      return path;
    };
    const onnxPath = await download('download-onnx-cnn', 'cnn.onnx');
    expect(await text('weights-message')).toMatch(/^Downloaded cnn\.onnx \([\d,]+ bytes\)\.$/);
    const weights = readFileSync(await download('download-cnn', 'cnn.safetensors'));
    const onnxBytes = readFileSync(onnxPath);
    const test = loadFashionMnist({ split: 'test', limit: TEST, dir: DATA_DIR });

    // onnxruntime-node on all TEST images: its accuracy is the page's, up to a borderline image
    // (its float32 sums are ordered differently from our kernels'; the logits agree to ~1e-5).
    const session = await ort.InferenceSession.create(onnxBytes);
    let ortLogits: Float32Array;
    try {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', test.images, [TEST, ...IMAGE_SHAPE]) });
      ortLogits = out[session.outputNames[0]!]!.data as Float32Array;
    } finally {
      await session.release();
    }
    expect(ortLogits.length).toBe(TEST * 10);
    let right = 0;
    for (let i = 0; i < TEST; i++) {
      const row = Array.from(ortLogits.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === test.labels[i]) right++;
    }
    const pageAccuracy = Number(await text('test-accuracy-cnn'));
    console.log(`playground e2e: ONNX (${onnxBytes.length} bytes) under onnxruntime-node: accuracy ${right / TEST}, the page ${pageAccuracy}`);
    expect(Math.abs(right / TEST - pageAccuracy)).toBeLessThanOrEqual(1 / TEST + 1e-12);

    // The page's weights (its safetensors download) on the float32 reference backend, and the ONNX
    // file read back by fromOnnx, give ORT's logits on the first 100 images. Logits are O(10) and
    // come from sums of 2304 and 144 products: float32 reorderings differ by a few 1e-6; 1e-4 leaves room.
    setBackend(createRefBackend());
    const N = 100;
    const { model } = modelFromSafetensors(weights, 'cnn.safetensors');
    const imported = fromOnnx(onnxBytes, 'cnn.onnx');
    model.eval();
    imported.eval();
    const [fromWeights, fromImport] = noGrad(() => tidy(() => {
      const x = tensor(test.images.subarray(0, N * 784), [N, ...IMAGE_SHAPE]);
      return [model.forward(x).toFloat32Array(), imported.forward(x).toFloat32Array()];
    }));
    const worst = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - ortLogits[i]!)), 0);
    expect(fromWeights!.length).toBe(N * 10);
    expect(worst(fromWeights!)).toBeLessThan(1e-4);
    expect(worst(fromImport!)).toBeLessThan(1e-4);
    model.dispose();
    imported.dispose();
  });

  it('safetensors: download the CNN, a bad file gets a message and loses nothing, the download loads back with the same accuracy', async () => {
    const before = await text('test-accuracy-cnn');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-cnn"]')]);
    const path = join(ARTIFACTS, 'cnn.safetensors');
    await download.saveAs(path);
    const { tensors, metadata } = decodeSafetensors(readFileSync(path), path);
    expect(tensors['conv1.weight']!.shape).toEqual([16, 1, 3, 3]);
    expect(tensors['fc.weight']!.shape).toEqual([10, 2304]);
    expect(metadata.model).toBe('cnn');

    const message = page.locator('[data-testid="weights-message"]');
    await page.setInputFiles('[data-testid="upload"]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('these are not weights') });
    await expect.poll(() => message.textContent(), { timeout: 20_000 }).toMatch(/Could not load notes\.txt: notes\.txt: invalid safetensors file: header length \d+ .* is larger than/);
    expect(await text('test-accuracy-cnn')).toBe(before);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');

    await page.setInputFiles('[data-testid="upload"]', path);
    await expect.poll(() => message.textContent(), { timeout: 20_000 }).toMatch(/^Loaded cnn\.safetensors: the CNN, test accuracy/);
    expect((await message.textContent())!).toContain(`test accuracy ${Number(before).toFixed(4)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-weights.png'), fullPage: true });
  });
});
