import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Most test files wait on child processes, sockets and fsync rather than compute, so they run more files at once
// than there are cores (vitest's default is cores - 1: one file at a time on a 2-core machine). ATLOG_TEST_WORKERS
// overrides it.
const workers = Number(process.env.ATLOG_TEST_WORKERS) || availableParallelism() + 1;

/**
 * The slowest files (a minute or so each here), started first so that none of them is left running alone at the
 * end: vitest orders by the durations it cached in the last run, and a fresh clone (CI) has none. Longest first.
 */
const SLOW_FIRST = [
  'test/audit/e2e.test.ts',
  'test/cli/auditor.test.ts',
  'test/audit/monitor.test.ts',
  'test/sdk/cli-session.test.ts',
  'test/sdk/kill.test.ts',
  'test/cli-verify/cli-aat.test.ts',
  'test/mcp/bad-input.test.ts',
  'test/http/durability.test.ts',
  'test/storage/leveldb/crash.test.ts',
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

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
    sequence: { sequencer: SlowFirstSequencer },
  },
});
