import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { tempDir } from '../helpers/temp.js';

/**
 * `npm start` runs the service through npm and a shell. Signalling the npm process (what a process manager or
 * a container runtime does) must stop the service with it: no orphan left holding the port and the data.
 */

/** True when the port can be bound again, i.e. nothing listens on it any more. */
function released(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Processes whose command line mentions `needle` (ps is in every Debian image; /proc would tie us to Linux). */
function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'));
}

async function until(cond: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops with its child when the npm process gets %s', { timeout: 120_000 }, async (signal) => {
    const port = await freePort();
    const dir = tempDir('atlog-npm-start-');
    const data = join(dir, 'data');
    const npm = spawn('npm', ['start', '--', '--data', data, '--port', String(port), '--tsa', 'none'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    try {
      await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, `the service on port ${port}\n${out}`);
      expect(processesWith(data).length).toBeGreaterThan(0);
      npm.kill(signal);
      let code: number | null | 'running' = 'running';
      void exited.then((c) => (code = c));
      await until(async () => code !== 'running', `npm to exit after ${signal}\n${out}`, 30_000);
      expect(out).toMatch(/"msg":"stopped"/); // the service shut down gracefully, not killed
      expect(await released(port)).toBe(true);
      expect(processesWith(data)).toEqual([]);
    } finally {
      for (const line of processesWith(data)) process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
