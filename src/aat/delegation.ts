import { verifyChain, type ChainBreak, type ChainOptions } from './chain.js';
import { parseTimestamp } from './time.js';
import { trustRank, type AatRecord, type DelegatedBy, type TrustLevel } from './types.js';

/**
 * Delegation chains across agents (STANDARDS "Decision (delegation)"): agent A's session holds a `delegation`
 * record naming B; B's genesis names it back in `action_detail.delegated_by = { agent_id, record_id, entry }`,
 * where `entry` is the log entry hash of the Signed Statement that registered A's delegation record. Verifiers
 * follow these links to any depth (A -> B -> C -> D). Fails closed: a missing link is a break.
 */

/** One agent session as registered: its records in order and the log entry hash (hex) of each. */
export interface DelegationSession {
  records: readonly unknown[];
  /** Lowercase hex SHA-256 log entry hash per record, same order as `records`. */
  entries: readonly string[];
}

export type DelegationBreakKind =
  | 'empty'
  /** A session does not verify as a chain (see `chainBreak`). */
  | 'invalid_session'
  /** entries missing, of the wrong count, or not 64 lowercase hex. */
  | 'bad_entries'
  /** The same record_id appears in two sessions: links would be ambiguous. */
  | 'duplicate_session'
  /** delegated_by names a record no other given session holds. */
  | 'missing_delegation'
  /** The named record is not action_type delegation. */
  | 'not_delegation'
  /** The delegation did not succeed (outcome other than success). */
  | 'delegation_failed'
  /** delegated_by.agent_id is not the agent whose session holds the delegation. */
  | 'delegator_mismatch'
  /** The delegation's delegate_agent_id is not the delegate session's agent_id. */
  | 'delegate_mismatch'
  /** delegated_by.entry is not the log entry hash of the delegation record. */
  | 'entry_mismatch'
  /** A record of the delegate has a trust_level above the delegation's delegate_trust_level. */
  | 'trust_escalation'
  /** The delegation does not precede the delegate's genesis. */
  | 'time_order'
  /** Two sessions claim the same delegation record. */
  | 'delegation_reused'
  /**
   * Following delegated_by links comes back to a session already visited. The strict time order already makes
   * a cycle impossible (each delegation precedes its delegate's genesis); this is the second line of defence.
   */
  | 'cycle'
  /** The root session's agent is not `rootAgent`. */
  | 'root_mismatch'
  /** More than one session has no delegated_by: the sessions do not form one chain. */
  | 'multiple_roots';

export interface DelegationBreak {
  /** Index of the session (in the input) where the check fails. */
  session: number;
  kind: DelegationBreakKind;
  detail: string;
  /** For invalid_session: the chain verifier's first break. */
  chainBreak?: ChainBreak;
}

export interface DelegationResult {
  valid: boolean;
  /** agent_ids from the root delegator down (breadth first, input order among siblings); empty when invalid. */
  chain: string[];
  firstBreak?: DelegationBreak;
}

export interface DelegationOptions extends ChainOptions {
  /** The agent_id the chain must start from. */
  rootAgent?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function delegatedByOf(genesis: AatRecord): DelegatedBy | undefined {
  return genesis.action_detail['delegated_by'] as DelegatedBy | undefined;
}

type Fail = Omit<DelegationBreak, 'session'>;

/** Checks one delegate session `s` against the delegation record it names. */
function checkDelegate(
  s: number,
  chains: AatRecord[][],
  entries: readonly (readonly string[])[],
  where: Map<string, { s: number; i: number }>,
): { parent: number; record: string } | Fail {
  const records = chains[s]!;
  const genesis = records[0]!;
  const by = delegatedByOf(genesis)!;
  const at = where.get(by.record_id);
  if (at === undefined || at.s === s) return { kind: 'missing_delegation', detail: `no other session holds record ${by.record_id}` };
  const d = chains[at.s]![at.i]!;
  if (d.action_type !== 'delegation') return { kind: 'not_delegation', detail: `record ${d.record_id} is ${d.action_type}` };
  if (d.outcome !== 'success') return { kind: 'delegation_failed', detail: `delegation ${d.record_id} has outcome ${d.outcome}` };
  if (d.agent_id !== by.agent_id) return { kind: 'delegator_mismatch', detail: `delegation is by ${d.agent_id}, delegated_by says ${by.agent_id}` };
  if (d.action_detail['delegate_agent_id'] !== genesis.agent_id) {
    return { kind: 'delegate_mismatch', detail: `delegation names ${String(d.action_detail['delegate_agent_id'])}, not ${genesis.agent_id}` };
  }
  if (entries[at.s]![at.i] !== by.entry) return { kind: 'entry_mismatch', detail: `entry ${by.entry} is not the delegation's log entry` };
  const allowed = d.action_detail['delegate_trust_level'] as TrustLevel;
  const over = records.find((r) => trustRank(r.trust_level) > trustRank(allowed));
  if (over !== undefined) {
    return { kind: 'trust_escalation', detail: `record ${over.record_id} has ${over.trust_level}, delegation allows ${allowed}` };
  }
  const td = parseTimestamp(d.timestamp);
  const tg = parseTimestamp(genesis.timestamp);
  if (td === undefined || tg === undefined || !(td < tg)) {
    return { kind: 'time_order', detail: `delegation at ${d.timestamp} does not precede genesis at ${genesis.timestamp}` };
  }
  return { parent: at.s, record: d.record_id };
}

/**
 * Verify a set of agent sessions as one delegation chain (or tree) from a single root, any depth.
 * Each session must verify as a chain (verifyChain with `opts`); each delegate's genesis `delegated_by` must
 * name a successful `delegation` record in another session, by the named agent, naming this delegate, with the
 * matching log entry hash, earlier than the genesis, and allowing every trust_level the delegate uses; no
 * cycles, no reused delegation, exactly one root (equal to `opts.rootAgent` when given). Never throws.
 */
export function verifyDelegationChain(sessions: readonly DelegationSession[], opts: DelegationOptions = {}): DelegationResult {
  const broken = (session: number, f: Fail): DelegationResult => ({ valid: false, chain: [], firstBreak: { session, ...f } });
  if (!Array.isArray(sessions) || sessions.length === 0) return broken(0, { kind: 'empty', detail: 'no sessions' });
  const chains: AatRecord[][] = [];
  const where = new Map<string, { s: number; i: number }>();
  for (let s = 0; s < sessions.length; s++) {
    const sess = sessions[s] as DelegationSession | undefined;
    const res = verifyChain(sess?.records, opts);
    if (!res.valid) return broken(s, { kind: 'invalid_session', detail: `session does not verify: ${res.firstBreak!.kind}`, chainBreak: res.firstBreak! });
    const records = sess!.records as AatRecord[];
    const entries: unknown = sess!.entries;
    if (!Array.isArray(entries) || entries.length !== records.length || !entries.every((e) => typeof e === 'string' && HEX64.test(e))) {
      return broken(s, { kind: 'bad_entries', detail: 'entries must hold one 64-hex log entry hash per record' });
    }
    for (let i = 0; i < records.length; i++) {
      const id = records[i]!.record_id;
      if (where.has(id)) return broken(s, { kind: 'duplicate_session', detail: `record ${id} appears in sessions ${where.get(id)!.s} and ${s}` });
      where.set(id, { s, i });
    }
    chains.push(records);
  }
  const entries = sessions.map((x) => x.entries);
  const parent: (number | undefined)[] = [];
  const claimed = new Map<string, number>();
  for (let s = 0; s < chains.length; s++) {
    if (delegatedByOf(chains[s]![0]!) === undefined) {
      parent.push(undefined);
      continue;
    }
    const r = checkDelegate(s, chains, entries, where);
    if ('kind' in r) return broken(s, r);
    if (claimed.has(r.record)) return broken(s, { kind: 'delegation_reused', detail: `session ${claimed.get(r.record)!} already claims delegation ${r.record}` });
    claimed.set(r.record, s);
    parent.push(r.parent);
  }
  // Cycles: walking parents from any session must reach a root within n steps.
  for (let s = 0; s < chains.length; s++) {
    const seen = new Set<number>([s]);
    for (let p = parent[s]; p !== undefined; p = parent[p]) {
      if (seen.has(p)) return broken(s, { kind: 'cycle', detail: `delegated_by links from session ${s} loop back to session ${p}` });
      seen.add(p);
    }
  }
  const roots = parent.flatMap((p, s) => (p === undefined ? [s] : []));
  if (roots.length > 1) return broken(roots[1]!, { kind: 'multiple_roots', detail: `sessions ${roots.join(', ')} have no delegated_by` });
  const root = roots[0]!;
  const rootAgent = chains[root]![0]!.agent_id;
  if (opts.rootAgent !== undefined && rootAgent !== opts.rootAgent) {
    return broken(root, { kind: 'root_mismatch', detail: `root agent is ${rootAgent}, expected ${opts.rootAgent}` });
  }
  const order: number[] = [root];
  for (let k = 0; k < order.length; k++) {
    parent.forEach((p, s) => {
      if (p === order[k]) order.push(s);
    });
  }
  return { valid: true, chain: order.map((s) => chains[s]![0]!.agent_id) };
}
