#!/usr/bin/env node
// `npm run playground [-- --build | --port N | --data-dir D | --dev]` (scripts/run.mjs builds the
// workspace first, then runs this):
//   default     serve the built page (dist/) on http://localhost:5173 with the isolation headers
//   --build     only prepare the static folder dist/ (page + data/fashion-mnist.bin) and exit
//   --dev       vite's dev server instead (hot reload), same headers and port
//   --port N    another port; --data-dir D the Fashion-MNIST IDX files (else FASHION_MNIST_DIR,
//               else /usr/share/datasets/fashion-mnist)
// Any static server can serve dist/ if it sends the two headers in scripts/headers.mjs
// (COOP same-origin, COEP require-corp); without them the page runs on one thread and says so.
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildData, DEFAULT_OUT } from './build-data.mjs';
import { ISOLATION_HEADERS } from './headers.mjs';

const APP = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(APP, 'dist');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.bin': 'application/octet-stream', '.ico': 'image/x-icon',
};

/**
 * Makes `dir` a complete static folder: the data file built (if stale) and linked (or copied)
 * to dir/data/fashion-mnist.bin. Throws when the page has not been built or the data is missing.
 */
export function prepareStatic({ dir = DIST, dataDir, log = (s) => console.log(s) } = {}) {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`playground: ${dir}/index.html is missing: build the page first (npm run playground -- --build)`);
  const { out } = buildData({ dataDir, log });
  const target = join(dir, 'data', 'fashion-mnist.bin');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const same = existsSync(target) && statSync(target).ino === statSync(out).ino && statSync(target).size === statSync(out).size;
  if (!same) {
    rmSync(target, { force: true });
    try {
      linkSync(out, target);
    } catch {
      copyFileSync(out, target);
    }
  }
  return { dir, data: target };
}

/** A plain static file server for `dir` that sends the isolation headers on every response. */
export function startStaticServer({ dir = DIST, port = 5173, host = '127.0.0.1' } = {}) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(403, ISOLATION_HEADERS).end('forbidden');
      return;
    }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    let body;
    try {
      body = readFileSync(path);
    } catch {
      res.writeHead(404, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain' }).end(`not found: ${url.pathname}`);
      return;
    }
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', (e) => reject(e.code === 'EADDRINUSE' ? new Error(`playground: port ${port} is in use; pick another with --port N`) : e));
    server.listen(port, host, () => resolveStart({ server, url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${server.address().port}/` }));
  });
}

function parseArgs(argv) {
  const opts = { port: 5173, build: false, dev: false, dataDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`playground: ${a} needs a value`);
      return v;
    };
    if (a === '--build') opts.build = true;
    else if (a === '--dev') opts.dev = true;
    else if (a === '--port') {
      const v = value();
      opts.port = Number(v);
      if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error(`playground: --port must be an integer in 1..65535, got "${v}"`);
    } else if (a === '--data-dir') opts.dataDir = value();
    else throw new Error(`playground: unknown option "${a}" (expected --build, --dev, --port N, --data-dir D)`);
  }
  if (opts.build && opts.dev) throw new Error('playground: --build and --dev do not go together');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.dev) {
    buildData({ dataDir: opts.dataDir });
    const { createServer: createVite } = await import('vite');
    const vite = await createVite({ root: APP, configFile: join(APP, 'vite.config.ts'), server: { port: opts.port, strictPort: true } });
    await vite.listen();
    console.log(`playground (vite dev server, data ${DEFAULT_OUT}): http://localhost:${opts.port}/`);
    return;
  }
  const { dir } = prepareStatic({ dataDir: opts.dataDir });
  if (opts.build) {
    console.log(`playground: static folder ${dir} is ready; serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp`);
    return;
  }
  const { url } = await startStaticServer({ dir, port: opts.port });
  console.log(`playground: ${url}  (serving ${dir}; Ctrl-C to stop)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
