// The page's full default run in Debian's Chromium, for comparing with `fashion train`: serves the
// built page (apps/playground/dist), opens `?autostart=1&epochs=E&seed=S` (full data) and prints
// the CNN's test accuracy, training images/s and time from the page, with the load average while
// it ran. Usage: node apps/playground/scripts/full-run.mjs [--epochs 10] [--seed 0]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { prepareStatic, startStaticServer } from './serve.mjs';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '10' }, seed: { type: 'string', default: '0' } } });
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
prepareStatic({ log: () => {} });
const { server, url } = await startStaticServer({ port: 0 });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
const loads = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  const t0 = Date.now();
  await page.goto(`${url}?autostart=1&epochs=${values.epochs}&seed=${values.seed}`);
  const cnnText = () => page.locator('[data-testid="test-accuracy-cnn"]').textContent();
  for (;;) {
    const error = await page.evaluate(() => document.body.dataset.error ?? null);
    if (error) throw new Error(`the page reports: ${error}`);
    if (await cnnText()) break;
    loads.push(loadavg()[0]);
    const progress = await page.locator('[data-testid="progress"]').textContent().catch(() => '');
    console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}: ${progress?.replace(/\s+/g, ' ').trim().slice(0, 160)}`);
    await new Promise((r) => setTimeout(r, 30_000));
  }
  const row = await page.locator('#result-cnn').textContent();
  const mean = loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length);
  console.log(JSON.stringify({
    testAccuracyCnn: Number(await cnnText()),
    imagesPerSecond: Number(await page.locator('[data-testid="images-per-second"]').textContent()),
    threads: Number(await page.locator('[data-testid="threads"]').textContent()),
    resultRow: row,
    wallSeconds: (Date.now() - t0) / 1000,
    loadAverage: { mean: Number(mean.toFixed(2)), min: Math.min(...loads), max: Math.max(...loads) },
  }));
} finally {
  await browser.close();
  server.close();
}
