import { defineConfig } from 'vitest/config';

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
  },
});
