import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO } from './readme-blocks.js';

// `npm run docs` is scripts/run.mjs docs: build the packages (done: turbo builds them before this
// test), then typedoc with typedoc.json. Here typedoc runs the same way into a temp folder.
it('typedoc generates the API reference from the JSDoc with no errors, every package and subpath in it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tapegrad-api-'));
  try {
    const r = await promisify(execFile)(join(REPO, 'node_modules', '.bin', 'typedoc'), ['--out', out], { cwd: REPO, timeout: 120_000 });
    const log = `${r.stdout}${r.stderr}`;
    // typedoc exits non-zero on an error (execFile then rejects); it prints a count only when there were warnings.
    expect(log).toContain('html generated at');
    expect(log).not.toMatch(/\[error\]|Found [1-9]\d* errors?/);
    // A warning names a type that a public signature uses but no entry point exports: export it,
    // or list it under intentionallyNotExported in the package's typedoc.json. Not fatal here
    // (reported), so that a new internal type does not fail everyone's suite.
    const warnings = log.split('\n').filter((l) => l.includes('[warning]'));
    if (warnings.length) console.warn(`typedoc: ${warnings.length} warnings\n${warnings.join('\n')}`);
    for (const m of ['_tapegrad_autograd.index', '_tapegrad_autograd.testing', '_tapegrad_kernels-wasm', '_tapegrad_nn.index', '_tapegrad_nn.node', '_tapegrad_lecture', '_tapegrad_term']) {
      expect(existsSync(join(out, 'modules', `${m}.html`)), m).toBe(true);
    }
    // The JSDoc text and its @example end up on the page.
    const page = readFileSync(join(out, 'functions', '_tapegrad_nn.node.loadFashionMnist.html'), 'utf8');
    expect(page).toContain('Loads a Fashion-MNIST split');
    expect(page).toContain('loadFashionMnist');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 150_000);
