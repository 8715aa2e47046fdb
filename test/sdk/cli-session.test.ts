import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCoseKey, generateKey } from '../../src/keys/index.js';
import { valueHash } from '../../src/sdk/index.js';
import { parseStatement } from '../../src/statements/parse.js';
import { atlog } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, startService, type TestService } from './helpers.js';

/**
 * `atlog session start|add|end` and `atlog sync` against a real service: records chained and registered, the
 * state file as the queue while the service is away, a refused record undone, and bad input refused with the
 * usage exit code.
 */

interface State {
  session_id: string;
  records: Array<{ record_id: string; action_type: string; action_detail: Record<string, unknown> }>;
  pending: string[];
  closed: boolean;
}

const HEX64 = /^[0-9a-f]{64}\n$/;

// Each CLI run starts a Node process: seconds apiece on a loaded machine.
describe('atlog session', { timeout: 180_000 }, () => {
  const agent = makeAgent('ESP256');
  const dir = tempDir('atlog-cli-session-');
  const key = join(dir, 'agent.cose');
  const state = (name: string): State => JSON.parse(readFileSync(join(dir, name), 'utf8')) as State;
  let svc: TestService;
  beforeAll(async () => {
    svc = await startService([agent], { rules: ['{ name: no-secrets, rule: "deny decision where detail.secret == true" }'] });
    writeFileSync(key, exportCoseKey(agent.key));
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  it('start, add and end build, chain, sign and register each record; the session verifies complete', async () => {
    const st = join(dir, 'a.json');
    const start = await atlog(['session', 'start', '--state', st, '--url', svc.url, '--key', key, '--agent', agent.agentId, '--agent-version', '2.1.0']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(HEX64);
    const call = await atlog(['session', 'add', '--state', st, '--tool', 'search', '--args', '{"q":"x","n":2}', '--statement', join(dir, 'call.cose'), '--transparent', join(dir, 'call.tcose')]);
    expect(call.code, call.stderr).toBe(0);
    const result = await atlog(['session', 'add', '--state', st, '--result', '[1,2]']);
    expect(result.code, result.stderr).toBe(0);
    const decision = await atlog(['session', 'add', '--state', st, '--type', 'decision', '--detail', '{"decision_type":"route","choice":"b"}', '--outcome', 'success']);
    expect(decision.code, decision.stderr).toBe(0);
    const end = await atlog(['session', 'end', '--state', st]);
    expect(end.code, end.stderr).toBe(0);

    const s = state('a.json');
    expect(s.closed).toBe(true);
    expect(s.pending).toEqual([]);
    expect(s.records.map((r) => r.action_type)).toEqual(['lifecycle', 'tool_call', 'tool_response', 'decision', 'lifecycle']);
    expect(s.records[1]!.action_detail).toEqual({ tool_name: 'search', parameters_hash: valueHash({ n: 2, q: 'x' }).hash });
    expect(s.records[2]!.action_detail).toMatchObject({ tool_name: 'search', response_hash: valueHash([1, 2]).hash, parent_call_id: s.records[1]!.record_id });
    const statement = parseStatement(new Uint8Array(readFileSync(join(dir, 'call.cose'))));
    expect(JSON.parse(new TextDecoder().decode(statement.sign1.payload!))).toMatchObject({ record_id: s.records[1]!.record_id });
    expect(existsSync(join(dir, 'call.tcose'))).toBe(true);

    const { report, records } = await sessionInLog(svc, agent.agentId, s.session_id);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(report.completeness?.state).toBe('complete');
    expect(records.map((r) => r['record_id'])).toEqual(s.records.map((r) => r.record_id));

    const after = await atlog(['session', 'add', '--state', st, '--type', 'decision']);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/the session is closed/);
  });

  it('while the service is away the state file keeps the records; the next command sends them first', async () => {
    const st = join(dir, 'b.json');
    await svc.stop();
    try {
      const start = await atlog(['session', 'start', '--state', st, '--url', svc.url, '--key', key, '--agent', agent.agentId, '--timeout', '3']);
      expect(start.code, start.stderr).toBe(0);
      expect(start.stderr).toMatch(/not registered yet/);
      const add = await atlog(['session', 'add', '--state', st, '--tool', 't', '--args', '[]', '--timeout', '3']);
      expect(add.code, add.stderr).toBe(0);
      expect(state('b.json').pending).toHaveLength(2);
    } finally {
      await svc.start();
    }
    const end = await atlog(['session', 'end', '--state', st]);
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toBe('');
    const s = state('b.json');
    expect(s.pending).toEqual([]);
    const { report, records } = await sessionInLog(svc, agent.agentId, s.session_id);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records).toHaveLength(3);
  });

  it('a record the service refuses is undone, and the session goes on; an unknown key leaves no state', async () => {
    const st = join(dir, 'c.json');
    expect((await atlog(['session', 'start', '--state', st, '--url', svc.url, '--key', key, '--agent', agent.agentId])).code).toBe(0);
    const refused = await atlog(['session', 'add', '--state', st, '--type', 'decision', '--detail', '{"decision_type":"share","secret":true}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Rejected/);
    expect(state('c.json').records).toHaveLength(1);
    expect(state('c.json').pending).toEqual([]);
    expect((await atlog(['session', 'add', '--state', st, '--type', 'decision', '--detail', '{"decision_type":"share","secret":false}'])).code).toBe(0);
    expect((await atlog(['session', 'end', '--state', st])).code).toBe(0);
    expect((await sessionInLog(svc, agent.agentId, state('c.json').session_id)).report.completeness?.state).toBe('complete');

    const stranger = join(dir, 'stranger.cose');
    writeFileSync(stranger, exportCoseKey(generateKey('ESP256')));
    const st2 = join(dir, 'd.json');
    const r = await atlog(['session', 'start', '--state', st2, '--url', svc.url, '--key', stranger, '--agent', agent.agentId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Rejected/);
    expect(existsSync(st2)).toBe(false);
  });

  it('--queue DIR without a service, then atlog sync', async () => {
    const st = join(dir, 'e.json');
    const queue = join(dir, 'queue');
    expect((await atlog(['session', 'start', '--state', st, '--queue', queue, '--key', key, '--agent', agent.agentId])).code).toBe(0);
    expect((await atlog(['session', 'end', '--state', st])).code).toBe(0);
    const sync = await atlog(['sync', '--queue', queue, '--url', svc.url]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toMatch(/: sent 2 of 2\n1 session\(s\), 2 statement\(s\) sent\n$/);
    expect((await sessionInLog(svc, agent.agentId, state('e.json').session_id)).report.completeness?.state).toBe('complete');
  });

  it('refuses bad input with exit 2 (usage) or 1, before anything is recorded', async () => {
    const st = join(dir, 'f.json');
    const base = ['--state', st, '--url', svc.url];
    expect((await atlog(['session', 'start', ...base, '--key', key])).code).toBe(2); // no --agent
    expect((await atlog(['session', 'start', '--state', st, '--key', key, '--agent', agent.agentId])).code).toBe(2); // neither --url nor --queue
    expect((await atlog(['session', 'add', ...base, '--type', 'decision'])).code).toBe(1); // no state file
    expect((await atlog(['session', 'start', ...base, '--key', key, '--agent', agent.agentId])).code).toBe(0);
    const again = await atlog(['session', 'start', ...base, '--key', key, '--agent', agent.agentId]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/exists/);
    expect((await atlog(['session', 'add', ...base, '--args', '{not json'])).code).toBe(2);
    expect((await atlog(['session', 'add', ...base, '--result', '1'])).code).toBe(2); // no tool_call to answer
    expect((await atlog(['session', 'add', ...base])).code).toBe(2); // nothing said
    expect((await atlog(['session', 'add', ...base, '--type', 'nope'])).code).toBe(2);
    expect(state('f.json').records).toHaveLength(1);
  });
});
