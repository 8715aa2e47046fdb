import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './vectors.js';

/** The built CLI (dist/, built by test/global-setup.ts). */
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

export interface VerifyRun<J> {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when `--json` was among the arguments. */
  json?: J;
}

/** Run `atlog verify ARGS` (async, so the cases of a concurrent suite overlap their process start-up). */
export function atlogVerify<J = unknown>(args: string[]): Promise<VerifyRun<J>> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'verify', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const json = args.includes('--json') ? (JSON.parse(stdout) as J) : undefined;
      resolve({ status, stdout, stderr, ...(json ? { json } : {}) });
    });
  });
}
