import { defineConfig } from 'vite';
import { ISOLATION_HEADERS } from './scripts/headers.mjs';

// The page trains in a Web Worker whose kernels fan out to more workers over a shared
// WebAssembly.Memory: that needs a cross-origin isolated page, so the dev server sends the same
// two headers as scripts/serve.mjs. The data file (public/data/fashion-mnist.bin, 55 MB, made by
// scripts/build-data.mjs) is served from public/ in dev and linked next to the build by
// scripts/serve.mjs, never copied into dist/ by vite (build.copyPublicDir: false) so that turbo's
// cache does not hold it.
export default defineConfig({
  base: './',
  server: { headers: ISOLATION_HEADERS, port: 5173, strictPort: true },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: { target: 'es2022', copyPublicDir: false, chunkSizeWarningLimit: 2000 },
});
