import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCoseKey } from '../../src/keys/index.js';
import { makeAgent } from '../http/helpers.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { sessionInLog, startService, type TestService } from '../sdk/helpers.js';

/**
 * docs/examples/{ai-sdk,openai-agents,otel}.ts run as docs/integrations.md says (`node --import tsx`, importing
 * `atlog`, `atlog/ai`, `atlog/openai-agents` and `atlog/otel` by the package's name, resolved through
 * `exports` to the dist/ the global setup built), against a real service; each session they leave verifies.
 */

const agents = { ai: makeAgent('ESP256'), agents: makeAgent('Ed25519'), otel: makeAgent('ES384') };

describe('docs/examples of docs/integrations.md', () => {
  let svc: TestService;
  let dir: string;

  beforeAll(async () => {
    svc = await startService(Object.values(agents));
    dir = tempDir('atlog-examples-');
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDir(dir);
  });

  /** Runs an example (asynchronously: the service answering it lives in this process). */
  async function run(example: string, agent: (typeof agents)[keyof typeof agents]): Promise<string> {
    const key = join(dir, `${example}.key`);
    writeFileSync(key, exportCoseKey(agent.key));
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join('docs', 'examples', `${example}.ts`)], {
        cwd: REPO_ROOT,
        env: { ...process.env, ATLOG_URL: svc.url, ATLOG_AGENT_ID: agent.agentId, ATLOG_KEY: key },
        encoding: 'utf8',
        timeout: 120_000,
      }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  }

  async function verified(agentId: string, sessionId: string): Promise<string[]> {
    const { report, records } = await sessionInLog(svc, agentId, sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    return records.map((r) => `${String(r['action_type'])} ${String(r['outcome'])}`);
  }

  it('ai-sdk.ts: the weather is told, the denied delete_cache is in the log', async () => {
    const out = await run('ai-sdk', agents.ai);
    expect(out).toContain('It is 21 °C in Paris.');
    const id = /session ([0-9a-f-]{36}): 6 records, 6 registered/.exec(out)?.[1];
    expect(id, out).toBeDefined();
    expect(await verified(agents.ai.agentId, id!)).toEqual(['lifecycle success', 'decision success', 'tool_call success', 'tool_response success', 'decision denied', 'lifecycle success']);
  });

  it('openai-agents.ts: lookup_order recorded, refund denied', async () => {
    const out = await run('openai-agents', agents.agents);
    expect(out).toContain('Order A7 has shipped');
    const id = /session ([0-9a-f-]{36}): 6 records, 6 registered/.exec(out)?.[1];
    expect(id, out).toBeDefined();
    expect(await verified(agents.agents.agentId, id!)).toEqual(['lifecycle success', 'decision success', 'tool_call success', 'tool_response success', 'decision denied', 'lifecycle success']);
  });

  it('otel.ts: the spans become a session of their own', async () => {
    const out = await run('otel', agents.otel);
    const id = /session_start ([0-9a-f-]{36})/.exec(out)?.[1];
    expect(id, out).toBeDefined();
    expect(out).toContain('tool_call search_flights');
    expect(await verified(agents.otel.agentId, id!)).toEqual(['lifecycle success', 'tool_call success', 'tool_response success', 'decision success', 'lifecycle success']);
  });

  it('docs/integrations.md links each example and shows the command that runs it', () => {
    const page = readFileSync(join(REPO_ROOT, 'docs', 'integrations.md'), 'utf8');
    for (const example of ['openai-agents', 'ai-sdk', 'otel']) {
      expect(page).toContain(`(examples/${example}.ts)`);
      expect(page).toContain(`node --import tsx docs/examples/${example}.ts`);
    }
  });
});
