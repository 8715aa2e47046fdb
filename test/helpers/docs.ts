import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './vectors.js';

/**
 * Running the docs' shell examples as written: the ```sh blocks of a page, in order, in one bash session
 * started at the repository root, as a reader would paste them.
 */

/** The ```sh blocks of docs/<page>, split at the first line that starts with `splitAt` (a heading), if given. */
export function shBlocks(page: string, splitAt?: string): { before: string[]; after: string[] } {
  const doc = readFileSync(join(REPO_ROOT, 'docs', page), 'utf8');
  const at = splitAt === undefined ? -1 : doc.indexOf(`\n${splitAt}`);
  const blocks = (text: string): string[] => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return at < 0 ? { before: blocks(doc), after: [] } : { before: blocks(doc.slice(0, at)), after: blocks(doc.slice(at)) };
}

/**
 * The blocks as one script: the install line goes (it would rebuild node_modules under the other tests' feet;
 * the global setup built dist/), and port 8080 becomes `port`.
 */
export function script(blocks: readonly string[], port: number): string {
  return blocks
    .join('\n')
    .split('\n')
    .filter((l) => !l.startsWith('npm ci'))
    .join('\n')
    .replaceAll('8080', String(port));
}

/** `git status --porcelain` of the repository (untracked files included). */
export function gitStatus(): string {
  return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: REPO_ROOT, encoding: 'utf8' });
}

/**
 * Runs `body` with `bash -e` at the repository root; TMPDIR is `tmp`, so `mktemp -d` lands where the test
 * cleans up, and a server the script started in $SERVER is killed on exit whatever happens.
 */
export function runBash(body: string, tmp: string, timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-e', '-c', `trap 'kill $SERVER 2>/dev/null || true' EXIT\n${body}`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ATLOG_ADMIN_TOKEN: '', ATLOG_REPO: '', TMPDIR: tmp },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
