import { defineConfig } from 'vitest/config';
// Each example runs in its own node process; two at a time on the 2-core machine.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, maxConcurrency: 2 } });
