import { defineConfig } from 'vitest/config';
// Each example runs in its own node process, two at a time on the 2-core machine; the files one
// after the other, so that the packaging test's npm install and Vite build do not compete with them.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, maxConcurrency: 2, fileParallelism: false } });
