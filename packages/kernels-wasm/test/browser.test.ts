// The backend in a real browser (headless Chromium): Web Workers from Blob URLs over a shared
// memory in a cross-origin isolated page, and the one-thread fallback with its message in a page
// that is not. Runs where a Chromium is installed (CI installs Debian's `chromium`; set CHROMIUM to
// another binary); elsewhere the suite says it was not run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
 * Loads the page in headless Chromium and returns what it wrote into its body. A browser that
 * produced no page at all (a launch failure, not a result) is retried once.
 */
async function runPage(url: string): Promise<PageResult> {
  try {
    return await runPageOnce(url);
  } catch (e) {
    console.warn(`browser test: ${(e as Error).message}; retrying once`);
    return runPageOnce(url);
  }
}

function runPageOnce(url: string): Promise<PageResult> {
  return new Promise((resolve, reject) => {
    execFile(
      CHROMIUM!,
      ['--headless=new', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=30000', '--dump-dom', url],
      { timeout: 90_000, maxBuffer: 1 << 20 },
      (error, stdout) => {
        const m = /RESULT (.*) END/.exec(stdout);
        if (m === null) reject(new Error(`no result from the page (${error?.message ?? 'no error'}): ${stdout.slice(0, 500)}`));
        else resolve(JSON.parse(m[1]!) as PageResult);
      },
    );
  });
}

describe.runIf(CHROMIUM !== undefined)(`wasm backend in headless Chromium (${CHROMIUM ?? 'not installed: not run'})`, () => {
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
