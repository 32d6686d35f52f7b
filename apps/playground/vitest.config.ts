import { defineConfig } from 'vitest/config';
// Unit tests of the page logic run in Node; test/e2e.test.ts drives the built page in Chromium.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 200_000 } });
