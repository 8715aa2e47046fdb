import { describe, expect, it } from 'vitest';
import {
  genesisRecord,
  isTimestamp,
  nextRecord,
  parseTimestamp,
  recordHash,
  sessionEndRecord,
  verifyChain,
} from '../../src/aat/index.js';
import { H, ts, uuidN } from './fixtures.js';
import { expectCode } from '../helpers/errors.js';

describe('parseTimestamp', () => {
  it.each<[string, bigint]>([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01T00:00:00.000000001Z', 1n],
    ['1970-01-01T01:00:00+01:00', 0n],
    ['1969-12-31T23:00:00-01:00', 0n],
    ['2026-03-29T12:00:00.123456789Z', 1774785600123456789n],
    ['2024-02-29T00:00:00Z', 1709164800000000000n],
    ['0001-01-01T00:00:00Z', -62135596800000000000n],
  ])('%s', (s, ns) => {
    expect(parseTimestamp(s)).toBe(ns);
  });

  it('orders sub-millisecond digits exactly', () => {
    expect(parseTimestamp('2026-03-29T12:00:00.0000001Z')! > parseTimestamp('2026-03-29T12:00:00Z')!).toBe(true);
  });

  it.each([
    '2026-03-29T12:00:00', // no offset
    '2026-03-29t12:00:00z',
    '2026-03-29 12:00:00Z',
    '2026-02-29T00:00:00Z', // not a leap year
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-03-29T12:60:00Z',
    '2026-03-29T23:59:60Z', // leap seconds are not accepted
    '2026-03-29T12:00:00.Z',
    '2026-03-29T12:00:00.1234567890Z',
    '2026-03-29T12:00:00+24:00',
    '2026-03-29T12:00:00+0100',
    '',
  ])('rejects %j', (s) => {
    expect(parseTimestamp(s)).toBeUndefined();
    expect(isTimestamp(s)).toBe(false);
  });
});

describe('builders', () => {
  it('genesisRecord fills ids and time, and names its delegation', () => {
    const g = genesisRecord({
      agentId: 'urn:agent:example:b',
      agentVersion: '2.1.0',
      trustLevel: 'L2',
      delegatedBy: { agent_id: 'urn:agent:example:a', record_id: uuidN(3), entry: H('e') },
      recordPhase: 'concurrent',
    });
    expect(g.record_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.session_id).not.toBe(g.record_id);
    expect(isTimestamp(g.timestamp)).toBe(true);
    expect(g.action_detail).toEqual({ event: 'session_start', delegated_by: { agent_id: 'urn:agent:example:a', record_id: uuidN(3), entry: H('e') } });
    expect(g.record_phase).toBe('concurrent');
    expect([g.parent_record_id, g.prev_hash]).toEqual([null, null]);
  });

  it('nextRecord links, keeps the session and never goes back in time', () => {
    const g = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1', timestamp: '2999-01-01T00:00:00Z' });
    const n = nextRecord(g, { action_type: 'decision', action_detail: { decision_type: 'x' }, risk_score: 0.1 });
    expect(n.parent_record_id).toBe(g.record_id);
    expect(n.prev_hash).toBe(recordHash(g));
    expect(n.session_id).toBe(g.session_id);
    expect(n.timestamp).toBe(g.timestamp); // the clock is behind the previous record
    expect(n['risk_score']).toBe(0.1);
    expect(n.trust_level).toBe('L1');
  });

  it('sessionEndRecord closes a verifiable chain', () => {
    const g = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1', timestamp: ts(0) });
    const a = nextRecord(g, { action_type: 'decision', action_detail: { decision_type: 'x' }, timestamp: ts(1) });
    const end = sessionEndRecord([g, a], { action_detail: { reason: 'done' } });
    expect(end.action_detail).toMatchObject({ event: 'session_end', record_count: 3, reason: 'done' });
    expect(verifyChain([g, a, end]).valid).toBe(true);
  });

  it.each<[string, () => unknown, string]>([
    ['bad agent id', () => genesisRecord({ agentId: 'no scheme', agentVersion: '1.0.0', trustLevel: 'L1' }), 'ERR_AAT_INVALID'],
    ['bad version', () => genesisRecord({ agentId: 'urn:a:b', agentVersion: '1', trustLevel: 'L1' }), 'ERR_AAT_INVALID'],
    ['bad session id', () => genesisRecord({ agentId: 'urn:a:b', agentVersion: '1.0.0', trustLevel: 'L1', sessionId: 'x' }), 'ERR_AAT_INVALID'],
    ['missing detail member', () => nextRecord(genesisRecord({ agentId: 'urn:a:b', agentVersion: '1.0.0', trustLevel: 'L1' }), { action_type: 'tool_call', action_detail: { tool_name: 't' } }), 'ERR_AAT_INVALID'],
    ['empty session', () => sessionEndRecord([]), 'ERR_INVALID_ARGUMENT'],
  ])('throws on %s', (_n, f, code) => {
    expectCode(f, code);
  });
});
