// The backend in a real browser (headless Chromium): Web Workers from Blob URLs over a shared
// memory in a cross-origin isolated page, and the one-thread fallback with its message in a page
// that is not. Runs where a Chromium is installed (CI installs Debian's `chromium`; set CHROMIUM to
// another binary); elsewhere the suite is skipped, and fails under CI=true (requires).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requires } from '@tapegrad/autograd/testing';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => p !== undefined && p !== '' && existsSync(p));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves the package root; `?isolated=1` pages (and what they load) get COOP/COEP headers. */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isolated = url.searchParams.get('isolated') === '1' || (req.headers.referer ?? '').includes('isolated=1');
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    if (url.pathname === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end('<!doctype html><body>running</body><script type="module" src="/test/browser/page.js"></script>');
      return;
    }
    const path = normalize(join(ROOT, url.pathname));
    if (!path.startsWith(ROOT)) { res.writeHead(403); res.end(); return; }
    readFile(path).then(
      (body) => { res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }); res.end(body); },
      () => { res.writeHead(404); res.end(); },
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResult {
  isolated: boolean; sharedMemory: boolean; warnings: string[]; threads?: number; build?: string;
  parallelCalls?: number; maxDiff?: number; finite?: boolean; error?: string;
}

/**
 * Loads the page in headless Chromium (driven by playwright-core, never a browser download) and
 * returns what it wrote into its body, waiting in real time: `--dump-dom` with a virtual time
 * budget dumped the page before its workers had finished on a loaded machine.
 */
async function runPage(url: string): Promise<PageResult> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM!,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    try {
      await page.waitForFunction(() => document.body.textContent?.includes(' END'), undefined, { timeout: 90_000 });
    } catch {
      throw new Error(`no result from the page in 90 s (page errors: ${errors.join('; ') || 'none'}): ${(await page.content()).slice(0, 500)}`);
    }
    const m = /RESULT (.*) END/.exec((await page.textContent('body')) ?? '');
    if (m === null) throw new Error(`the page wrote no RESULT: ${(await page.content()).slice(0, 500)}`);
    return JSON.parse(m[1]!) as PageResult;
  } finally {
    await browser.close();
  }
}

requires(CHROMIUM ? null : 'no Chromium (CHROMIUM, /usr/bin/chromium, chromium-browser or google-chrome)').describe(`wasm backend in headless Chromium (${CHROMIUM ?? 'not installed'})`, () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await serve();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a cross-origin isolated page runs 2 threads (Web Workers), with the same results as 1 thread', async () => {
    const r = await runPage(`${base}?isolated=1`);
    console.log(`isolated page: ${JSON.stringify(r)}`);
    expect(r.error).toBeUndefined();
    expect([r.isolated, r.sharedMemory, r.threads]).toEqual([true, true, 2]);
    expect(r.build).toMatch(/^kernels(-relaxed)?\.wasm$/);
    // conv2d forward and backward-input (Winograd) and a 256k-element relu were split, and equal.
    expect(r.parallelCalls).toBe(3);
    expect(r.maxDiff).toBe(0);
    expect(r.finite).toBe(true);
    expect(r.warnings).toEqual([]);
  }, 120_000);

  it('a page that is not isolated falls back to 1 thread over an unshared memory, with a message', async () => {
    const r = await runPage(base);
    console.log(`plain page: ${JSON.stringify(r)}`);
    expect(r.error).toBeUndefined();
    expect([r.isolated, r.sharedMemory, r.threads, r.parallelCalls]).toEqual([false, false, 1, 0]);
    expect(r.build).toMatch(/^kernels-single(-relaxed)?\.wasm$/);
    expect(r.maxDiff).toBe(0);
    expect(r.warnings.some((w) => /threads: 2 needs a shared WebAssembly.Memory .*running on 1 thread/.test(w))).toBe(true);
  }, 120_000);
});
