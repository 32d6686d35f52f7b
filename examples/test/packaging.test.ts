import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tsBlock } from './readme-blocks.js';

// The packages as a user gets them: `pnpm pack` each one (workspace:* becomes its version), install
// the tarballs with plain npm into a fresh folder outside the repository, then run the README's
// "Using the library" block there, in Node and bundled by Vite for a page in Debian's Chromium.
// Nothing of the workspace is visible from that folder: a file missing from `files`, a wrong
// `exports` entry or a .wasm the bundler does not find fails here.
const PACKAGES = ['autograd', 'kernels-wasm', 'nn']; // nn and kernels-wasm depend on autograd only
const VITE = 'vite@8.3.8'; // pinned: later 8.x do not install on these machines
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const sh = promisify(execFile);
const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapegrad-user-'));
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  const pnpm = join(REPO, 'node_modules', '.bin', 'pnpm');
  for (const p of PACKAGES) await sh(pnpm, ['pack', '--pack-destination', tarballs], { cwd: join(REPO, 'packages', p), env });
  const files = readdirSync(tarballs);
  expect(files).toHaveLength(PACKAGES.length);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tapegrad-user', private: true, type: 'module' }, null, 2));
  try {
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files.map((f) => join(tarballs, f)), VITE], { cwd: app, env, timeout: 240_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    // Fails, never skips: under CI=true as everywhere else, a test that did not run must say so.
    throw new Error(
      `packaging: \`npm install\` of the packed tarballs and ${VITE} failed in ${app}` +
        `${process.env.CI === 'true' ? ' (CI=true)' : ''}; it needs the npm registry for vite and the packages' dependencies.\n${err.stderr ?? err.message}`,
    );
  }
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The README block with the data it expects (`images`, `labels`, `n`) before it and a report after it. */
function program(data: string, report: string): string {
  return `${data}\n// ---- README.md, "## Using the library", as written ----\n${tsBlock('## Using the library')}\n// ----\nimport { getBackend } from '@tapegrad/autograd';\n${report}\n`;
}
const REPORT = 'JSON.stringify({ backend: getBackend().name, loss, printed: String(model), params: model.namedParameters().map(([k]) => k) })';
interface Report { backend: string; loss: number; printed: string; params: string[] }
function checkReport(r: Report, opts: { minified?: boolean } = {}) {
  expect(r.backend).toBe('wasm');
  // NOTE: the repr prints constructor names, which a minifying bundler renames (Vite's default
  // build prints "(\n  (conv1): Tr(1, 16, …"): only the structure is checked there.
  const name = (n: string) => (opts.minified ? '[\\w$]*' : n);
  expect(r.printed).toMatch(new RegExp(`^${name('Net')}\\(\\n  \\(conv1\\): ${name('Conv2d')}\\(1, 16, kernel_size=\\(3, 3\\), stride=\\(1, 1\\)\\)\\n`));
  expect(r.params).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc.weight', 'fc.bias']);
  // One Adam step from the start: cross-entropy near ln 10 = 2.30.
  expect(r.loss).toBeGreaterThan(1.8);
  expect(r.loss).toBeLessThan(3);
}

describe('the packed packages, installed with npm outside the workspace', () => {
  it('hold what they export (dist, the .wasm builds, no sources or tests)', () => {
    const root = join(dir, 'app', 'node_modules', '@tapegrad');
    expect(readdirSync(root).sort()).toEqual(['autograd', 'kernels-wasm', 'nn']);
    const wasm = readdirSync(join(root, 'kernels-wasm', 'build')).filter((f) => f.endsWith('.wasm')).sort();
    expect(wasm).toEqual(['kernels-relaxed.wasm', 'kernels-single-relaxed.wasm', 'kernels-single.wasm', 'kernels.wasm']);
    for (const p of PACKAGES) {
      const entries = readdirSync(join(root, p));
      expect(entries, p).not.toContain('src');
      expect(entries, p).not.toContain('test');
      const pkg = JSON.parse(readFileSync(join(root, p, 'package.json'), 'utf8'));
      expect(JSON.stringify(pkg.dependencies ?? {}), p).not.toContain('workspace:');
    }
  });

  it("run the README's example in Node (type-checked against the installed .d.ts, then run on the WASM backend)", async () => {
    const app = join(dir, 'app');
    const source = program(
      "import { loadFashionMnist } from '@tapegrad/nn/node';\nconst { images, labels } = loadFashionMnist({ split: 'train', limit: 32 });\nconst n = 32;",
      `console.log(${REPORT});`,
    );
    writeFileSync(join(app, 'main.ts'), source);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, noEmit: true, lib: ['es2022', 'dom'], types: [] }, files: ['main.ts'] }));
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch((e: { stdout?: string }) => {
      throw new Error(`tsc in the user folder:\n${e.stdout}`);
    });
    writeFileSync(join(app, 'main.mjs'), ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText);
    const { stdout } = await sh(process.execPath, ['main.mjs'], { cwd: app, env: { ...env, NODE_PATH: '' } });
    checkReport(JSON.parse(stdout.trim().split('\n').at(-1)!));
  }, 60_000);

  it("run the README's example bundled by Vite in Chromium, the .wasm found without any setup", async () => {
    const app = join(dir, 'app');
    const page = join(app, 'page');
    mkdirSync(page, { recursive: true });
    writeFileSync(join(page, 'index.html'), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body data-state="loading"><script type="module" src="./main.ts"></script></body></html>\n');
    // No Fashion-MNIST files in a page: 32 fixed images and labels of the same shapes.
    const data = 'const n = 32;\nconst images = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 256) / 255);\nconst labels = Int32Array.from({ length: n }, (_, i) => i % 10);';
    writeFileSync(join(page, 'main.ts'), program(data, `document.body.dataset.result = ${REPORT};\ndocument.body.dataset.state = 'done';`));
    // The default config: no plugin, no assetsInclude, no optimizeDeps entry for the .wasm.
    await sh(join(app, 'node_modules', '.bin', 'vite'), ['build', '--outDir', '../dist', '--emptyOutDir'], { cwd: page, env }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`vite build:\n${e.stdout}\n${e.stderr}`);
    });
    const assets = readdirSync(join(app, 'dist', 'assets'));
    expect(assets.some((f) => f.endsWith('.wasm')), assets.join(', ')).toBe(true);
    const server = await serve(join(app, 'dist'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(String(e)));
      tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      tab.on('response', (r) => r.status() >= 400 && errors.push(`HTTP ${r.status()} ${r.url()}`));
      await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
      await tab.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.error, null, { timeout: 30_000 }).catch(() => {
        throw new Error(`the page did not finish: ${errors.join('\n') || 'no error reported'}`);
      });
      expect(errors).toEqual([]);
      checkReport(JSON.parse((await tab.evaluate(() => document.body.dataset.result))!), { minified: true });
    } finally {
      await browser.close();
      server.close();
    }
  }, 90_000);
});

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
/** A plain static server (no isolation headers: the page falls back to one thread and an unshared memory). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(root)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
