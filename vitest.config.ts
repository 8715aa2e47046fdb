import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Most test files wait on child processes, sockets and fsync rather than compute, so they run more files at once
// than there are cores (vitest's default is cores - 1: one file at a time on a 2-core machine). ATLOG_TEST_WORKERS
// overrides it.
const workers = Number(process.env.ATLOG_TEST_WORKERS) || availableParallelism() + 1;

// One config for `npm test` and CI. The JSON report feeds the `tests: N passed, N failed` line in .ci/run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
    pool: 'forks',
    maxWorkers: workers,
  },
});
