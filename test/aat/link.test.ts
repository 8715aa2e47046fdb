import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import {
  checkLink,
  genesisRecord,
  linkStateOf,
  nextRecord,
  recordHash,
  sessionEndRecord,
  validateRecord,
  type AatRecord,
  type LinkState,
} from '../../src/aat/index.js';
import { CHECK_GENESIS, CHECK_NEXT_PREV_HASH, H, ts, uuidN } from './fixtures.js';

const g = validateRecord({ ...CHECK_GENESIS, action_detail: { ...CHECK_GENESIS.action_detail } });
const r1 = nextRecord(g, { action_type: 'decision', action_detail: { decision_type: 'route' }, timestamp: ts(1), record_id: uuidN(1) });
const r2 = nextRecord(r1, { action_type: 'decision', action_detail: { decision_type: 'plan' }, timestamp: ts(2), record_id: uuidN(2) });
const end = sessionEndRecord([g, r1, r2], { timestamp: ts(3), record_id: uuidN(3) });

const s0 = linkStateOf(g);
const s1 = linkStateOf(r1, s0);
const s2 = linkStateOf(r2, s1);
const sEnd = linkStateOf(end, s2);

describe('STANDARDS check value', () => {
  it('genesis -> prev_hash of the next record', () => {
    expect(recordHash(CHECK_GENESIS)).toBe(CHECK_NEXT_PREV_HASH);
    expect(r1.prev_hash).toBe(CHECK_NEXT_PREV_HASH);
    expect(r1.parent_record_id).toBe(CHECK_GENESIS.record_id);
  });
});

describe('linkStateOf', () => {
  it('holds the tip, hash, time, ended flag and count', () => {
    expect(s0).toEqual({
      recordId: g.record_id,
      hash: CHECK_NEXT_PREV_HASH,
      timestamp: g.timestamp,
      ended: false,
      agentId: g.agent_id,
      sessionId: g.session_id,
      count: 1,
    });
    expect(s2.count).toBe(3);
    expect(sEnd.ended).toBe(true);
    expect(sEnd.count).toBe(4);
    expect(linkStateOf(r1).count).toBeUndefined();
  });
});

/** A copy of r1 with some fields replaced (not re-validated on purpose: checkLink judges links, not shape). */
function r1With(patch: Partial<AatRecord>): AatRecord {
  return { ...r1, ...patch } as AatRecord;
}

const minimal = (s: LinkState): LinkState => ({ recordId: s.recordId, hash: s.hash, timestamp: s.timestamp, ended: s.ended });

describe('checkLink', () => {
  const other = genesisRecord({ agentId: 'urn:agent:example:bot-1', agentVersion: '1.0.0', trustLevel: 'L1', timestamp: ts(0) });

  it.each<[string, LinkState | undefined, AatRecord]>([
    ['genesis on an empty session', undefined, g],
    ['next record', s0, r1],
    ['next record with only the four required state fields', minimal(s0), r1],
    ['third record', s1, r2],
    ['session_end with the right count', s2, end],
    ['session_end when the count is not tracked', minimal(s2), end],
    ['equal timestamps (non-decreasing)', s0, nextRecord(g, { action_type: 'decision', action_detail: { decision_type: 'x' }, timestamp: g.timestamp })],
  ])('ok: %s', (_n, last, rec) => {
    expect(checkLink(last, rec)).toEqual({ ok: true });
  });

  it.each<[string, LinkState | undefined, AatRecord, string]>([
    ['non-genesis first', undefined, r1, 'genesis_required'],
    ['genesis replay', s0, g, 'genesis_replay'],
    ['another genesis for an existing session', s2, other, 'genesis_replay'],
    ['fork: parent is an older record', s1, r1With({ record_id: uuidN(9) }), 'link_mismatch'],
    ['gap: parent unknown', s0, r1With({ parent_record_id: uuidN(8) }), 'link_mismatch'],
    ['prev_hash of an edited predecessor', s0, r1With({ prev_hash: H('b') }), 'link_mismatch'],
    ['timestamp going back', s0, r1With({ timestamp: '2026-03-29T11:59:59.999Z' }), 'timestamp_regression'],
    ['timestamp going back through an offset', s0, r1With({ timestamp: '2026-03-29T13:59:59+02:00' }), 'timestamp_regression'],
    ['record after session_end', sEnd, nextRecord(end, { action_type: 'decision', action_detail: { decision_type: 'late' } }), 'after_session_end'],
    ['other session', s0, r1With({ session_id: uuidN(5) }), 'session_mismatch'],
    ['other agent', s0, r1With({ agent_id: 'urn:agent:example:evil' }), 'session_mismatch'],
    ['session_end with a wrong record_count', s2, { ...end, action_detail: { ...end.action_detail, record_count: 7 } }, 'bad_record_count'],
  ])('break: %s', (_n, last, rec, kind) => {
    const res = checkLink(last, rec);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.kind).toBe(kind);
      expect(res.detail.length).toBeGreaterThan(0);
    }
  });

  it('throws on a corrupt stored state', () => {
    try {
      checkLink({ ...s0, timestamp: 'yesterday' }, r1);
      throw new Error('expected a throw');
    } catch (e) {
      expect(isAtlogError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('a sequence accepted one at a time ends in the state linkStateOf gives', () => {
    let state: LinkState | undefined;
    for (const rec of [g, r1, r2, end]) {
      expect(checkLink(state, rec)).toEqual({ ok: true });
      state = linkStateOf(rec, state);
    }
    expect(state).toEqual(sEnd);
  });
});

describe('checkLink: a -06 close without record_count', () => {
  it('is accepted when the count is tracked; a wrong count is still refused', () => {
    const g = genesisRecord({ agentId: 'urn:agent:x', agentVersion: '1.0.0', trustLevel: 'L1' });
    const tip = linkStateOf(g);
    const end = nextRecord(g, { action_type: 'lifecycle', action_detail: { event: 'session_end' } });
    expect(checkLink(tip, end)).toEqual({ ok: true });
    const wrong = nextRecord(g, { action_type: 'lifecycle', action_detail: { event: 'session_end', record_count: 5 } });
    expect(checkLink(tip, wrong)).toMatchObject({ ok: false, kind: 'bad_record_count' });
  });
});
