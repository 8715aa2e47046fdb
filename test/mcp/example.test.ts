import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCoseKey } from '../../src/keys/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { makeAgent } from '../http/helpers.js';
import { startService, type TestService } from '../sdk/helpers.js';

/** docs/examples/mcp-proxy.ts runs as docs/integrations.md says, against a real service, and prints what the page shows. */

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('docs/examples/mcp-proxy.ts', () => {
  const agent = makeAgent('ESP256', 'urn:agent:example:bot-1');
  const dir = tempDir('atlog-mcp-example-');
  let svc: TestService;

  beforeAll(async () => {
    svc = await startService([agent]);
    writeFileSync(join(dir, 'agent.cose'), exportCoseKey(agent.key), { mode: 0o600 });
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  it('prints what docs/integrations.md shows', async () => {
    const r = await run(['--import', 'tsx', join('docs', 'examples', 'mcp-proxy.ts')], { ATLOG_URL: svc.url, AGENT_ID: agent.agentId, AGENT_KEY: join(dir, 'agent.cose') });
    expect(r.code, r.stderr).toBe(0);
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'integrations.md'), 'utf8');
    const shown = /It prints:\n\n```text\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(shown).toBeDefined();
    expect(r.stdout).toBe(shown);
  }, 120_000);
});
