import { defineConfig } from 'vitest/config';
// The test files run one at a time: most spawn the CLI (whose training uses both cores, and whose
// worker pool spins briefly between kernel calls) or PyTorch, and two of them side by side on a
// 2-core machine slowed a 4 s `train --model both` to over 60 s (a clean-clone CI run timed out).
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, fileParallelism: false } });
