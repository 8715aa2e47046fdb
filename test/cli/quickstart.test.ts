import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/vectors.js';
import { tempDir } from '../helpers/temp.js';

/** A free TCP port on 127.0.0.1 (the quickstart's 8080 may be taken on a shared machine). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('docs/quickstart.md', () => {
  it('runs as written (every sh block, in order, in one bash session)', { timeout: 120_000 }, async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'quickstart.md'), 'utf8');
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const port = await freePort();
    // The install line would rebuild node_modules under the other tests' feet; the global setup built dist/.
    const script = blocks
      .join('\n')
      .split('\n')
      .filter((l) => !l.startsWith('npm ci'))
      .join('\n')
      .replaceAll('8080', String(port));
    const dir = tempDir('atlog-quickstart-');
    try {
      const r = spawnSync('bash', ['-e', '-c', `trap 'kill $SERVER 2>/dev/null || true' EXIT\n${script}`], {
        cwd: dir,
        env: { ...process.env, ATLOG_REPO: REPO_ROOT, ATLOG_ADMIN_TOKEN: '' },
        encoding: 'utf8',
        timeout: 110_000,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(r.stdout).toMatch(/"status":"ok"/);
      expect(r.stdout.match(/^[0-9a-f]{64}$/gm)?.length).toBe(2);
      expect(r.stderr).toMatch(/atlog register: Rejected/);
      expect(r.stdout).toContain('refused, as it should be');
      expect(r.stdout.match(/^VALID$/gm)?.length).toBe(2);
      expect(r.stdout).toMatch(/atlog_registrations_total\{outcome="created"\} 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
