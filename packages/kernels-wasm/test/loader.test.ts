import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';

// The browser path of the loader (fetch + instantiateStreaming, and its fallback when the server
// sends the wrong Content-Type), exercised over a local HTTP server since Node's fetch speaks http.
describe('loader over http (the browser path)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const wasm = await readFile(new URL('../build/kernels.wasm', import.meta.url));
    server = createServer((req, res) => {
      const type = req.url === '/wrong-type.wasm' ? 'application/octet-stream' : 'application/wasm';
      if (req.url === '/missing.wasm') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': type }).end(wasm);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const path of ['/kernels.wasm', '/wrong-type.wasm']) {
    it(`instantiates from ${path} and computes 2x2 gemm`, async () => {
      const backend = await createWasmBackend({ wasmUrl: base + path, sharedMemory: true });
      const a = backend.fromArray([1, 2, 3, 4]);
      const c = backend.gemm(a, a, { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, strideA: 0, strideB: 0 });
      expect(Array.from(backend.read(c))).toEqual([7, 10, 15, 22]);
    });
  }

  it('names the URL when the module cannot be fetched', async () => {
    await expect(createWasmBackend({ wasmUrl: `${base}/missing.wasm` })).rejects.toThrow(/missing\.wasm.*404/);
  });
});
