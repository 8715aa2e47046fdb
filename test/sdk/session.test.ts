import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwk, recordHash, sessionHash, type AatRecord } from '../../src/aat/index.js';
import { exportCoseKey } from '../../src/keys/index.js';
import { createSession } from '../../src/sdk/index.js';
import { loadKey, openSession } from '../../src/sdk/node.js';
import { recordKey, verifyAatChain } from '../../src/verify/index.js';
import { atlog } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, startService, type TestService } from './helpers.js';

/** Sessions against the real service: genesis, chain, record(), flush and close, keys of every algorithm. */

const ALGS = ['ESP256', 'ES256', 'ES384', 'Ed25519', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const;

describe('sessions against the real service', () => {
  const agent = makeAgent('ESP256');
  const keyAgents = ALGS.map((alg) => makeAgent(alg));
  let svc: TestService;
  const dir = tempDir('atlog-sdk-keys-');

  beforeAll(async () => {
    svc = await startService([agent, ...keyAgents]);
  });
  afterAll(async () => {
    await svc.destroy();
    removeTempDirs();
  });

  it('writes the genesis, chains every record, closes with session_hash and record_count, and the log verifies', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, agentVersion: '2.1.0', trustLevel: 'L2' });
    expect(session.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const a = session.record({ action_type: 'decision', action_detail: { decision_type: 'plan' } });
    const b = session.record({ action_type: 'escalation', action_detail: { escalation_reason: 'unsure', escalation_target: 'oncall' }, outcome: 'escalated', risk_score: 0.4 });
    expect(b.parent_record_id).toBe(a.record_id);
    expect(b.prev_hash).toBe(recordHash(a));
    expect(b.record_phase).toBe('pre_execution');
    expect(a.record_phase).toBe('post_execution');
    expect(b.timestamp >= a.timestamp).toBe(true);
    await session.flush();
    expect(session.progress).toMatchObject({ records: 3, registered: 3 });
    const summary = await session.close();
    expect(summary).toMatchObject({ sessionId: session.sessionId, agentId: agent.agentId, records: 4, registered: 4, queued: 0 });
    expect(summary.endEntry).toMatch(/^[0-9a-f]{64}$/);

    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'escalation', 'lifecycle']);
    const genesis = records[0] as AatRecord;
    expect(genesis).toMatchObject({ agent_version: '2.1.0', trust_level: 'L2', parent_record_id: null, prev_hash: null, record_phase: 'concurrent' });
    expect(genesis.action_detail).toMatchObject({ event: 'session_start', enforcement_tier: 'detectable' });
    const end = records[3] as AatRecord;
    expect(end.action_detail).toEqual({ event: 'session_end', session_hash: sessionHash(records.slice(0, 3) as AatRecord[]), record_count: 4 });
    // -06: every record has the twelve mandatory fields, record_phase included.
    expect(verifyAatChain(records as AatRecord[], { draft: 6 }).valid).toBe(true);
  });

  it('record() refuses what the session writes itself, invalid records and use after close, with codes', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    expect(() => session.record({ action_type: 'tool_call', action_detail: { tool_name: 'x', parameters_hash: 'a'.repeat(64) }, prev_hash: null })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => session.record({ action_type: 'lifecycle', action_detail: { event: 'session_end' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(() => session.record({ action_type: 'tool_call', action_detail: { tool_name: 'x' } })).toThrow(expect.objectContaining({ code: 'ERR_AAT_INVALID' }));
    expect(() => session.record({ action_type: 'nonsense' as never, action_detail: { a: 1 } })).toThrow(expect.objectContaining({ code: 'ERR_AAT_INVALID' }));
    expect(session.recordCount).toBe(1); // nothing refused joined the chain
    const s1 = await session.close({ outcome: 'failure' });
    expect(await session.close()).toEqual(s1); // once
    expect(() => session.record({ action_type: 'decision', action_detail: { decision_type: 'x' } })).toThrow(expect.objectContaining({ code: 'ERR_SDK_CLOSED' }));
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid).toBe(true);
    expect(records.at(-1)).toMatchObject({ outcome: 'failure', action_detail: { event: 'session_end', record_count: 2 } });
  });

  it('openSession checks its options with codes', async () => {
    const base = { url: svc.url, agentId: agent.agentId, key: agent.key };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ agentId: 'not a uri' }, 'ERR_INVALID_ARGUMENT'],
      [{ key: agent.key.publicKey }, 'ERR_INVALID_ARGUMENT'],
      [{ agentVersion: 'v1' }, 'ERR_INVALID_ARGUMENT'],
      [{ trustLevel: 'L9' }, 'ERR_INVALID_ARGUMENT'],
      [{ sessionId: 'abc' }, 'ERR_INVALID_ARGUMENT'],
      [{ tier: 'paranoid' }, 'ERR_INVALID_ARGUMENT'],
      [{ tier: 'strong' }, 'ERR_INVALID_ARGUMENT'], // no serviceKeys
      [{ url: undefined }, 'ERR_INVALID_ARGUMENT'], // neither url nor queue
      [{ url: 'not a url' }, 'ERR_INVALID_ARGUMENT'],
      [{ signRecords: true, key: keyAgents[3]!.key }, 'ERR_INVALID_ARGUMENT'], // Ed25519 cannot sign in-band
      [{ policy: { rules: [{ name: 'x', rule: 'deny tool_call where' }] } }, 'ERR_POLICY_RULE_SYNTAX'],
      [{ policy: { rules: [{ name: '', rule: 'deny tool_call' }] } }, 'ERR_POLICY_INVALID'],
    ];
    for (const [o, code] of cases) expect((await rejection(openSession({ ...base, ...o } as never))).code, JSON.stringify(o)).toBe(code);
    // A key the service does not know: the genesis is refused and openSession says so.
    const stranger = makeAgent('ESP256');
    const e = await rejection(openSession({ url: svc.url, agentId: stranger.agentId, key: stranger.key }));
    expect(e.code).toBe('ERR_SDK_BROKEN');
    expect(e.details?.problem).toMatchObject({ extensions: { reason: 'unknown_issuer' } });
  });

  it('loadKey reads what atlog keygen writes, for every algorithm, and each signs a session the log accepts', { timeout: 120_000 }, async () => {
    for (const [i, alg] of ALGS.entries()) {
      const a = keyAgents[i]!;
      const file = join(dir, `${alg}.cose`);
      writeFileSync(file, exportCoseKey(a.key)); // the service trusts this key...
      const gen = await atlog(['keygen', '--alg', alg, '--out', join(dir, `gen-${alg}.cose`)]); // ...and keygen's files load the same way
      expect(gen.code, gen.stderr).toBe(0);
      expect(loadKey(join(dir, `gen-${alg}.cose`)).family).toBe(a.key.family);
      expect((await rejection(Promise.resolve().then(() => loadKey(join(dir, `gen-${alg}.cose.pub`))))).code).toBe('ERR_KEY_NOT_PRIVATE');
      const session = await openSession({ url: svc.url, agentId: a.agentId, key: loadKey(file) });
      session.record({ action_type: 'decision', action_detail: { decision_type: alg } });
      await session.close();
      const { report } = await sessionInLog(svc, a.agentId, session.sessionId);
      expect(report.valid, `${alg}: ${JSON.stringify(report.failure)}`).toBe(true);
    }
    writeFileSync(join(dir, 'junk'), 'not a key');
    expect((await rejection(Promise.resolve().then(() => loadKey(join(dir, 'junk'))))).code).toBe('ERR_KEY_FORMAT');
    expect((await rejection(Promise.resolve().then(() => loadKey(join(dir, 'missing'))))).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('signRecords: every record is also signed in-band (-06: sig_alg, RFC 7638 signer_kid) and the chain verifies with the key', async () => {
    const session = await createSession({ url: svc.url, agentId: agent.agentId, key: agent.key, signRecords: true });
    session.record({ action_type: 'decision', action_detail: { decision_type: 'x' } });
    await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    for (const r of records) expect(r).toMatchObject({ sig_alg: 'ES256', signer_kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), signature: expect.any(String) });
    const cose = agent.key.publicKey.toCoseKey();
    const pub = new Uint8Array([4, ...(cose.get(-2) as Uint8Array), ...(cose.get(-3) as Uint8Array)]);
    const v = verifyAatChain(records, { draft: 6, recordKeys: [recordKey(publicJwk(pub))], requireRecordSignatures: true });
    expect(v.valid, JSON.stringify(v)).toBe(true);
  });
});
