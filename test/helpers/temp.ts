import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary directories for tests: the one helper every test folder uses. */

const made = new Set<string>();

/** A fresh, empty directory under the OS temp directory, removed by `removeTempDir` or `removeTempDirs`. */
export function tempDir(prefix = 'atlog-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes a directory and everything in it (no error when it is already gone). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
}

/** Removes every directory `tempDir` made in this test file and not removed yet (for `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of [...made]) removeTempDir(dir);
}
