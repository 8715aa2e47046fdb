import { describe, expect, it } from 'vitest';
import {
  genesisRecord,
  nextRecord,
  sessionEndRecord,
  verifyDelegationChain,
  type AatRecord,
  type DelegatedBy,
  type DelegationBreakKind,
  type DelegationSession,
  type TrustLevel,
} from '../../src/aat/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { toHex } from '../../src/util/bytes.js';
import { H, clone, ts, uuidN } from './fixtures.js';

/** Stand-in for the log entry hash of the statement that carried a record (any 64-hex value works). */
const entryOf = (r: AatRecord): string => toHex(sha256(new TextEncoder().encode(`entry:${r.record_id}`)));

interface AgentSpec {
  agent: string;
  trust: TrustLevel;
  start: number;
  /** Delegations this agent makes, in order. */
  delegates?: { to: string; trust: TrustLevel; outcome?: 'success' | 'denied' }[];
  by?: DelegatedBy;
  salt: number;
}

/** One agent session: genesis (with delegated_by), its delegation records, session_end. */
function session(spec: AgentSpec): DelegationSession & { records: AatRecord[] } {
  const records: AatRecord[] = [
    genesisRecord({
      agentId: spec.agent,
      agentVersion: '1.0.0',
      trustLevel: spec.trust,
      sessionId: uuidN(999, spec.salt),
      recordId: uuidN(0, spec.salt),
      timestamp: ts(spec.start),
      ...(spec.by ? { delegatedBy: spec.by } : {}),
    }),
  ];
  (spec.delegates ?? []).forEach((d, k) => {
    records.push(
      nextRecord(records[records.length - 1]!, {
        action_type: 'delegation',
        action_detail: { delegate_agent_id: d.to, delegate_trust_level: d.trust, task_description_hash: H('7') },
        outcome: d.outcome ?? 'success',
        record_id: uuidN(k + 1, spec.salt),
        timestamp: ts(spec.start + k + 1),
      }),
    );
  });
  records.push(sessionEndRecord(records, { record_id: uuidN(500, spec.salt), timestamp: ts(spec.start + 50) }));
  return { records, entries: records.map(entryOf) };
}

/** delegated_by pointing at the k-th delegation record of `from`. */
function by(from: DelegationSession & { records: AatRecord[] }, k = 0): DelegatedBy {
  const d = from.records[k + 1]!;
  return { agent_id: d.agent_id, record_id: d.record_id, entry: from.entries[k + 1]! };
}

const A = 'urn:agent:example:a';
const B = 'urn:agent:example:b';
const C = 'urn:agent:example:c';
const D = 'urn:agent:example:d';

/** A -> B -> C -> D, each delegating one level of trust less. */
function abcd(): (DelegationSession & { records: AatRecord[] })[] {
  const a = session({ agent: A, trust: 'L4', start: 0, delegates: [{ to: B, trust: 'L3' }], salt: 1 });
  const b = session({ agent: B, trust: 'L3', start: 10, delegates: [{ to: C, trust: 'L2' }], by: by(a), salt: 2 });
  const c = session({ agent: C, trust: 'L2', start: 20, delegates: [{ to: D, trust: 'L1' }], by: by(b), salt: 3 });
  const d = session({ agent: D, trust: 'L1', start: 30, by: by(c), salt: 4 });
  return [a, b, c, d];
}

describe('verifyDelegationChain: valid', () => {
  it('A -> B -> C', () => {
    const [a, b, c] = abcd();
    expect(verifyDelegationChain([a!, b!, c!])).toEqual({ valid: true, chain: [A, B, C] });
  });

  it('A -> B -> C -> D in any input order, with the root pinned', () => {
    const [a, b, c, d] = abcd();
    expect(verifyDelegationChain([d!, b!, a!, c!], { rootAgent: A })).toEqual({ valid: true, chain: [A, B, C, D] });
  });

  it('a single undelegated session is a chain of one', () => {
    expect(verifyDelegationChain([abcd()[0]!])).toEqual({ valid: true, chain: [A] });
  });

  it('a tree: A delegates to B and C', () => {
    const a = session({ agent: A, trust: 'L4', start: 0, delegates: [{ to: B, trust: 'L2' }, { to: C, trust: 'L2' }], salt: 1 });
    const b = session({ agent: B, trust: 'L2', start: 10, by: by(a, 0), salt: 2 });
    const c = session({ agent: C, trust: 'L1', start: 10, by: by(a, 1), salt: 3 });
    expect(verifyDelegationChain([c, a, b])).toEqual({ valid: true, chain: [A, C, B] });
  });
});

describe('verifyDelegationChain: breaks', () => {
  type Sessions = (DelegationSession & { records: AatRecord[] })[];
  const cases: [string, () => { sessions: unknown; opts?: object }, DelegationBreakKind, number][] = [
    ['no sessions', () => ({ sessions: [] }), 'empty', 0],
    ['a session edited', () => { const s = clone(abcd()); s[1]!.records[1]!.outcome = 'timeout'; return { sessions: s }; }, 'invalid_session', 1],
    ['a session truncated to nothing', () => { const s = abcd(); s[2] = { records: [], entries: [] }; return { sessions: s }; }, 'invalid_session', 2],
    ['entries missing', () => { const s = abcd(); s[0] = { ...s[0]!, entries: s[0]!.entries.slice(1) }; return { sessions: s }; }, 'bad_entries', 0],
    ['entries not hex', () => { const s = abcd(); s[1] = { ...s[1]!, entries: s[1]!.entries.map(() => 'zz') }; return { sessions: s }; }, 'bad_entries', 1],
    ['same session twice', () => { const s = abcd(); return { sessions: [...s, s[1]!] }; }, 'duplicate_session', 4],
    ['delegator session missing', () => ({ sessions: abcd().slice(1) }), 'missing_delegation', 0],
    ['middle link missing (A, C, D)', () => { const [a, , c, d] = abcd(); return { sessions: [a, c, d] }; }, 'missing_delegation', 1],
    ['delegated_by names a non-delegation record', () => {
      const [a] = abcd();
      const b = session({ agent: B, trust: 'L1', start: 10, by: { agent_id: A, record_id: a!.records[0]!.record_id, entry: a!.entries[0]! }, salt: 2 });
      return { sessions: [a, b] };
    }, 'not_delegation', 1],
    ['denied delegation', () => {
      const a = session({ agent: A, trust: 'L4', start: 0, delegates: [{ to: B, trust: 'L3', outcome: 'denied' }], salt: 1 });
      return { sessions: [a, session({ agent: B, trust: 'L3', start: 10, by: by(a), salt: 2 })] };
    }, 'delegation_failed', 1],
    ['delegated_by names the wrong delegator', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: B, trust: 'L3', start: 10, by: { ...by(a!), agent_id: C }, salt: 2 })] };
    }, 'delegator_mismatch', 1],
    ['delegation names another delegate', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: C, trust: 'L3', start: 10, by: by(a!), salt: 2 })] };
    }, 'delegate_mismatch', 1],
    ['wrong entry hash', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: B, trust: 'L3', start: 10, by: { ...by(a!), entry: H('f') }, salt: 2 })] };
    }, 'entry_mismatch', 1],
    ['delegate genesis above the delegated trust', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: B, trust: 'L4', start: 10, by: by(a!), salt: 2 })] };
    }, 'trust_escalation', 1],
    ['delegate raises its trust later in the session', () => {
      const [a] = abcd();
      const b = session({ agent: B, trust: 'L3', start: 10, by: by(a!), salt: 2 });
      const r = b.records;
      const raised = nextRecord(r[0]!, { action_type: 'lifecycle', action_detail: { event: 'trust_level_change' }, trust_level: 'L4', record_id: uuidN(60, 2), timestamp: ts(11) });
      const end = sessionEndRecord([r[0]!, raised], { record_id: uuidN(61, 2), timestamp: ts(12) });
      const records = [r[0]!, raised, end];
      return { sessions: [a, { records, entries: records.map(entryOf) }] };
    }, 'trust_escalation', 1],
    ['delegate genesis before the delegation', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: B, trust: 'L3', start: 0, by: by(a!), salt: 2 })] };
    }, 'time_order', 1],
    ['delegate genesis at the same instant as the delegation', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: B, trust: 'L3', start: 1, by: by(a!), salt: 2 })] };
    }, 'time_order', 1],
    ['one delegation claimed by two sessions', () => {
      const [a, b] = abcd();
      return { sessions: [a, b, session({ agent: B, trust: 'L3', start: 12, by: by(a!), salt: 9 })] };
    }, 'delegation_reused', 2],
    ['two unrelated roots', () => {
      const [a] = abcd();
      return { sessions: [a, session({ agent: D, trust: 'L1', start: 0, salt: 8 })] };
    }, 'multiple_roots', 1],
    ['root is not the expected agent', () => ({ sessions: abcd().slice(0, 2), opts: { rootAgent: B } }), 'root_mismatch', 0],
    ['strict draft applies to every session', () => {
      const s = abcd();
      delete s[0]!.records[0]!.record_phase; // a -00 genesis in an otherwise -06 chain
      return { sessions: s, opts: { draft: 1 } };
    }, 'invalid_session', 0],
  ];

  it.each(cases)('%s', (_n, make, kind, session) => {
    const { sessions, opts } = make();
    const res = verifyDelegationChain(sessions as Sessions, opts);
    expect(res.valid).toBe(false);
    expect(res.chain).toEqual([]);
    expect(res.firstBreak?.kind).toBe(kind);
    expect(res.firstBreak?.session).toBe(session);
    expect(res.firstBreak?.detail.length).toBeGreaterThan(0);
  });

  it('a delegation cycle cannot pass: time order breaks it first', () => {
    // A's genesis is delegated by B, B's by A: one of the two delegations must come after its delegate's genesis.
    const aId = uuidN(0, 1);
    const bDelegationId = uuidN(1, 2);
    const aDelegationId = uuidN(1, 1);
    const a = session({ agent: A, trust: 'L2', start: 0, delegates: [{ to: B, trust: 'L2' }], by: { agent_id: B, record_id: bDelegationId, entry: H('0') }, salt: 1 });
    const b = session({ agent: B, trust: 'L2', start: 10, delegates: [{ to: A, trust: 'L2' }], by: { agent_id: A, record_id: aDelegationId, entry: a.entries[1]! }, salt: 2 });
    a.records[0]!.action_detail['delegated_by'] = { agent_id: B, record_id: bDelegationId, entry: b.entries[1]! };
    // Re-seal A's chain after editing its genesis.
    const genesis = a.records[0]!;
    const d = nextRecord(genesis, { action_type: 'delegation', action_detail: a.records[1]!.action_detail, record_id: aDelegationId, timestamp: ts(1) });
    const records = [genesis, d];
    records.push(sessionEndRecord(records, { record_id: uuidN(500, 1), timestamp: ts(2) }));
    expect(genesis.record_id).toBe(aId);
    const res = verifyDelegationChain([{ records, entries: records.map(entryOf) }, b]);
    expect(res.valid).toBe(false);
    expect(res.firstBreak?.kind).toBe('time_order');
    expect(res.firstBreak?.session).toBe(0);
  });

  it('passes the chain verifier break through', () => {
    const s = clone(abcd());
    s[1]!.records.splice(1, 1);
    const res = verifyDelegationChain(s);
    expect(res.firstBreak?.kind).toBe('invalid_session');
    expect(res.firstBreak?.chainBreak?.kind).toBe('removed');
  });
});
