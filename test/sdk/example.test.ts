import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { decodeBundle } from '../../src/verify/index.js';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { spawnServer, type ServerProcess } from '../http/spawn.js';

/**
 * docs/examples/agent/main.ts runs with one command against a running service (`atlog serve`, what `npm start`
 * runs), and the offline verify commands it prints succeed: both sessions complete, and the delegation chain.
 */

const run = promisify(execFile);
const TOKEN = 'example-admin-token';

interface Rec {
  action_type: string;
  outcome: string;
  action_detail: Record<string, unknown>;
}

const recordsOf = (file: string): Rec[] =>
  decodeBundle(new Uint8Array(readFileSync(file))).statements.map((s) => JSON.parse(new TextDecoder().decode(decodeSign1(s).payload!)) as Rec);

describe('docs/examples/agent', () => {
  let server: ServerProcess;
  const dir = tempDir('atlog-agent-example-');
  beforeAll(async () => {
    server = await spawnServer(['--data', join(dir, 'data'), '--tsa', 'none'], { ATLOG_ADMIN_TOKEN: TOKEN });
  }, 30_000);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    removeTempDirs();
  });

  it('records two sessions and a delegation, and prints verify commands that succeed offline', { timeout: 120_000 }, async () => {
    const out = join(dir, 'out');
    const env = { ...process.env, ATLOG_URL: server.url, ATLOG_ADMIN_TOKEN: TOKEN, ATLOG_EXAMPLE_DIR: out };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join('docs', 'examples', 'agent', 'main.ts')], { cwd: REPO_ROOT, env });
    expect(stdout).toContain('delete_file: denied by rule no-deletes');
    expect(stdout).toContain('fetch_page: failed (https://example.com/ answered 503)');
    expect(stdout).toContain('researcher asking for L2: refused (it was delegated L1)');
    expect(stdout).toContain('send_email: denied by rule researchers-read-only');
    expect(stdout).toContain('all registered: true');

    const planner = recordsOf(join(out, 'planner.bundle'));
    expect(planner.map((r) => `${r.action_type}:${r.outcome}`)).toEqual([
      'lifecycle:success',
      'decision:success', 'tool_call:success', 'tool_response:success', // search
      'decision:denied', // delete_file never ran
      'decision:success', 'tool_call:success', 'error:failure', // fetch_page threw
      'delegation:success',
      'lifecycle:success',
    ]);
    expect(planner[4]!.action_detail).toMatchObject({ tool_name: 'delete_file', rule: 'no-deletes', result: 'deny' });
    const researcher = recordsOf(join(out, 'researcher.bundle'));
    expect(researcher[0]!.action_detail).toMatchObject({ delegated_by: expect.any(Object) });
    expect(researcher.map((r) => `${r.action_type}:${r.outcome}`)).toEqual(['lifecycle:success', 'decision:success', 'tool_call:success', 'tool_response:success', 'decision:denied', 'lifecycle:success']);

    const commands = stdout.split('\n').filter((l) => l.startsWith('atlog verify '));
    expect(commands).toHaveLength(3);
    const verdicts: string[] = [];
    for (const c of commands) {
      const r = await atlog(c.split(' ').slice(1));
      expect(r.code, `${c}\n${r.stdout}${r.stderr}`).toBe(0);
      verdicts.push(r.stdout.trim().split('\n').at(-1)!);
      if (c.split('--bundle').length === 3) expect(r.stdout).toMatch(/^ok +delegation\.chain: urn:agent:example:planner -> urn:agent:example:researcher/m);
    }
    expect(verdicts).toEqual(['VALID (session complete)', 'VALID (session complete)', 'VALID']);
  });
});
