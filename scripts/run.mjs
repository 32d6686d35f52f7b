#!/usr/bin/env node
// Entry point for the README's quick start. A fresh clone has no pnpm and no node_modules, so
// each command first makes sure the workspace is installed (pnpm through npx, pinned by the root
// package.json's `packageManager`), then hands over to turbo or the app.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = rootPkg.packageManager; // e.g. "pnpm@10.34.9"

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function pnpm(args) {
  run('npx', ['-y', pnpmSpec, ...args], { env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (!fresh) pnpm(['install', existsSync(lock) ? '--frozen-lockfile' : '--no-frozen-lockfile']);
}

const turbo = join(root, 'node_modules', '.bin', 'turbo');
const [command, ...rest] = process.argv.slice(2);
ensureInstalled();
// turbo looks for the package manager on PATH; the workspace installs pnpm itself (root devDependency).
const binDir = join(root, 'node_modules', '.bin');
const turboEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
switch (command) {
  case 'test':
    // No import cycles in packages/*/src and apps/*/src (.dependency-cruiser.cjs), then every package's tests.
    run(process.execPath, [join(root, 'scripts', 'check-cycles.mjs')]);
    run(turbo, ['run', 'test', '--concurrency=1', ...rest], { env: turboEnv });
    break;
  case 'train':
  case 'fashion': {
    run(turbo, ['run', 'build', '--filter=@tapegrad/fashion...', '--output-logs=errors-only'], { env: turboEnv });
    const args = command === 'train' ? ['train', ...rest] : rest;
    run(process.execPath, [join(root, 'apps', 'fashion', 'dist', 'cli.js'), ...args]);
    break;
  }
  case 'bench':
    run(turbo, ['run', 'build', '--filter=@tapegrad/bench...', '--output-logs=errors-only'], { env: turboEnv });
    run(process.execPath, [join(root, 'apps', 'bench', 'dist', 'cli.js'), ...rest]);
    break;
  case 'playground':
    // Builds the page and what it imports, then serves it (or, with --build, leaves the static folder).
    run(turbo, ['run', 'build', '--filter=@tapegrad/playground...', '--output-logs=errors-only'], { env: turboEnv });
    run(process.execPath, [join(root, 'apps', 'playground', 'scripts', 'serve.mjs'), ...rest]);
    break;
  case 'example': {
    // `npm run example -- 04` (or the full name): builds examples/ and what it needs, runs examples/dist/<name>.js.
    const dir = join(root, 'examples');
    const names = readdirSync(dir).filter((f) => /^\d\d-.*\.ts$/.test(f)).map((f) => f.slice(0, -3));
    const wanted = rest[0] ?? '';
    const name = names.find((n) => n === wanted || n.startsWith(`${wanted}-`));
    if (!wanted || !name) {
      console.error(`scripts/run.mjs example: expected one of ${names.join(', ')} (or its number), got "${wanted}"`);
      process.exit(2);
    }
    run(turbo, ['run', 'build', '--filter=@tapegrad/examples...', '--output-logs=errors-only'], { env: turboEnv });
    run(process.execPath, [join(dir, 'dist', `${name}.js`), ...rest.slice(1)]);
    break;
  }
  case 'docs':
    // The API reference from the JSDoc (typedoc.json, one entry per package) into api-docs/ (gitignored).
    // kernels-wasm's types import the declarations asc writes into build/, so the packages are built first.
    run(turbo, ['run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], { env: turboEnv });
    run(join(root, 'node_modules', '.bin', 'typedoc'), rest);
    break;
  default:
    console.error(`scripts/run.mjs: unknown command "${command ?? ''}" (expected test, train, fashion, bench, playground, example or docs)`);
    process.exit(2);
}
