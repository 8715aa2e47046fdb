import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gitStatus, runBash, script, shBlocks } from '../helpers/docs.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/temp.js';

describe('docs/quickstart.md', () => {
  it('runs as written (every sh block, in order, in one bash session at the repository root) and leaves the repository clean', { timeout: 180_000 }, async () => {
    const { before } = shBlocks('quickstart.md');
    expect(before.length).toBeGreaterThanOrEqual(6);
    const tmp = tempDir('atlog-quickstart-');
    const clean = gitStatus();
    try {
      const r = runBash(script(before, await freePort()), tmp, 170_000);
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.status, out).toBe(0);
      expect(r.stdout).toMatch(/"status":"ok"/);
      expect(r.stdout.match(/^[0-9a-f]{64}$/gm)?.length).toBe(7); // one entry id per record: 4 online, 3 queued
      expect(r.stderr).toMatch(/atlog session start: the service refused record \S+: Rejected/);
      expect(r.stdout).toContain('refused, as it should be');
      expect(r.stderr.match(/not registered yet \(no --url\): queued in/g)?.length).toBe(3);
      expect(r.stdout).toMatch(/: sent 3 of 3$/m);
      expect(r.stdout).toMatch(/^VALID \(session complete\)$/m);
      expect(r.stdout.match(/^VALID/gm)?.length).toBe(2);
      expect(r.stdout).toMatch(/atlog_registrations_total\{outcome="created"\} 7/);
      expect(gitStatus()).toBe(clean);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
