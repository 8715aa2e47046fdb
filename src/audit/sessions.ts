import {
  checkLink,
  isGenesis,
  isSessionEnd,
  linkStateOf,
  recordHash,
  tailCompleteness,
  trustRank,
  TRUST_LEVELS,
  type AatRecord,
  type ChainBreakKind,
  type Completeness,
  type DelegatedBy,
  type LinkBreakKind,
  type LinkState,
} from '../aat/index.js';
import { createSha256, type Sha256Hasher } from '../crypto/sha256.js';
import { fromHex, toHex } from '../util/bytes.js';
import { chainBreakCode } from '../verify/codes.js';
import type { CurrentCheckpoint } from './checkpoints.js';
import type { CheckTally } from './checks.js';
import type { EntryOutcome } from './entries.js';
import { FINDINGS_LIMIT, type AuditFinding, type AuditSession, type AuditVerdict } from './types.js';

/**
 * Every session's chain, checked as its records stream past in log order (the rules of src/aat verifyChain,
 * one record at a time through checkLink): per session only the tip, a few recent record ids, a running
 * SHA-256 for session_hash and the last record are kept, never the records.
 */

/** A delegation record seen in a session (what the graph needs of it). */
export interface DelegationSeen {
  record: AatRecord;
  agent: string;
  session: string;
  index: number;
  entry: string;
}

/** Record ids kept per session to tell a fork (parent seen recently) from a gap. */
const RECENT = 8;

/** One session being followed: the published summary's plain fields plus what the streaming checks carry. */
export interface SessionState extends Pick<AuditSession, 'agent' | 'session' | 'records' | 'firstIndex' | 'lastIndex' | 'firstTimestamp' | 'lastTimestamp' | 'findings'> {
  anchoredFirst: string | null;
  anchoredLast: string | null;
  maxTrust: number;
  tip: LinkState | undefined;
  recent: string[];
  hasher: Sha256Hasher;
  last: AatRecord | undefined;
  heartbeat: number | undefined;
  /** The chain broke (the break is a finding): later records are counted, not linked. */
  broken: boolean;
  /** Its genesis lies before the exported range: the chain is checked from the first record present. */
  partial: boolean;
  /** A record of it is not in the file (Hash Envelope) or unreadable. */
  unavailable: boolean;
  delegatedBy: (DelegatedBy & { task_description_hash?: unknown }) | null;
  genesisIndex: number | null;
  genesisTimestamp: string | null;
  delegations: string[];
  completeness?: Completeness;
}

export interface SessionOptions {
  /** The selection may begin inside a session (a range not from 0, or since): a missing genesis is undetermined. */
  mayStartMidSession: boolean;
  allowIncomplete: boolean;
  at: Date;
}

const nodeKey = (agent: string, session: string): string => `${agent} ${session}`;

/** Chain break kind of a failed link check (src/aat link.ts -> chain.ts kinds, so codes match atlog verify). */
function breakKind(kind: LinkBreakKind, rec: AatRecord, st: SessionState): ChainBreakKind {
  switch (kind) {
    case 'link_mismatch':
      if (rec.parent_record_id === st.tip?.recordId) return 'edited';
      return rec.parent_record_id !== null && st.recent.includes(rec.parent_record_id) ? 'forked' : 'removed';
    case 'genesis_replay':
    case 'genesis_required':
      return 'bad_genesis';
    case 'bad_record_count':
      return 'bad_session_hash';
    default:
      return kind;
  }
}

export class SessionTracker {
  private readonly sessions = new Map<string, SessionState>();
  readonly delegations: DelegationSeen[] = [];

  constructor(
    private readonly tally: CheckTally,
    private readonly o: SessionOptions,
  ) {}

  get all(): IterableIterator<SessionState> {
    return this.sessions.values();
  }

  private state(agent: string, session: string, index: number): SessionState {
    const key = nodeKey(agent, session);
    let st = this.sessions.get(key);
    if (!st) {
      st = {
        agent, session, records: 0, firstIndex: index, lastIndex: index, firstTimestamp: null, lastTimestamp: null, anchoredFirst: null,
        anchoredLast: null, maxTrust: -1, tip: undefined, recent: [], hasher: createSha256(), last: undefined, heartbeat: undefined, broken: false,
        partial: false, unavailable: false, findings: [], delegatedBy: null, genesisIndex: null, genesisTimestamp: null, delegations: [],
      };
      this.sessions.set(key, st);
    }
    return st;
  }

  private note(st: SessionState, findings: readonly AuditFinding[]): void {
    for (const f of findings) if (st.findings.length < FINDINGS_LIMIT) st.findings.push(f);
  }

  /** One entry's outcome, in log order. */
  add(e: EntryOutcome, cp: CurrentCheckpoint | undefined): void {
    if (!e.session) return;
    const st = this.state(e.session.agent, e.session.session, e.index);
    st.records++;
    st.lastIndex = e.index;
    const anchored = cp?.anchoredAt ?? null;
    if (st.records === 1) st.anchoredFirst = anchored;
    st.anchoredLast = anchored;
    this.note(st, e.findings);
    const rec = e.record;
    if (!rec) {
      if (e.kind === 'hash-envelope') st.unavailable = true;
      else this.breakAt(st, e.index, 'invalid_record', 'the record cannot be read as a valid AAT record (see records.envelope)');
      return;
    }
    st.firstTimestamp ??= rec.timestamp;
    st.lastTimestamp = rec.timestamp;
    st.maxTrust = Math.max(st.maxTrust, trustRank(rec.trust_level));
    if (rec.action_type === 'delegation') {
      this.delegations.push({ record: rec, agent: st.agent, session: st.session, index: e.index, entry: e.entry! });
      st.delegations.push(rec.record_id);
    }
    if (!st.broken && !st.unavailable) this.link(st, rec, e.index);
  }

  private link(st: SessionState, rec: AatRecord, index: number): void {
    const hash = recordHash(rec);
    if (st.tip === undefined) {
      if (isGenesis(rec)) {
        st.delegatedBy = (rec.action_detail['delegated_by'] as SessionState['delegatedBy'] | undefined) ?? null;
        st.genesisIndex = index;
        st.genesisTimestamp = rec.timestamp;
      } else if (this.o.mayStartMidSession) {
        st.partial = true;
      } else {
        const missing = rec.parent_record_id === null ? 'bad_genesis' : 'removed';
        this.breakAt(st, index, missing, missing === 'removed' ? `its first record's parent ${rec.parent_record_id!} is not in the file` : 'the first record is not lifecycle/session_start');
        return;
      }
    } else {
      if (st.recent.includes(rec.record_id)) return this.breakAt(st, index, 'duplicate', `record_id ${rec.record_id} appears twice`);
      const r = checkLink(st.tip, rec);
      if (!r.ok) return this.breakAt(st, index, breakKind(r.kind, rec, st), r.detail);
      st.hasher.update(fromHex(rec.prev_hash!));
    }
    if (isSessionEnd(rec) && !st.partial && rec.action_detail['session_hash'] !== undefined) {
      const want = toHex(st.hasher.digest());
      if (rec.action_detail['session_hash'] !== want) return this.breakAt(st, index, 'bad_session_hash', `session_hash is not ${want}`);
    }
    // A session picked up mid-chain has no count (linkStateOf counts from genesis only), so record_count is not checked.
    st.tip = linkStateOf(rec, st.tip, hash);
    st.recent.push(rec.record_id);
    if (st.recent.length > RECENT) st.recent.shift();
    st.last = rec;
    if (typeof rec.heartbeat_interval_s === 'number') st.heartbeat = rec.heartbeat_interval_s;
  }

  private breakAt(st: SessionState, index: number, kind: ChainBreakKind, detail: string): void {
    st.broken = true;
    this.note(st, [this.tally.fail('sessions.chain', `session ${st.agent} ${st.session} at entry ${index}`, chainBreakCode(kind), detail)]);
  }

  /** Judge every session (chain, completeness, verdict) once the stream has ended. */
  finish(): void {
    for (const st of this.sessions.values()) {
      const where = `session ${st.agent} ${st.session}`;
      const judge = (c: Completeness): void => void (st.completeness = c);
      if (st.broken) {
        judge({ state: 'inconclusive', detail: 'the chain breaks, so what follows cannot be judged' });
        this.tally.skip('sessions.completeness', 'not judged where a chain breaks');
        continue;
      }
      if (st.unavailable || st.partial) {
        const why = st.unavailable
          ? 'a record of the session is not in the file (a Hash Envelope keeps it private), so its chain cannot be checked'
          : 'the session began before the exported range: its genesis and first records are not in the file';
        this.note(st, [this.tally.fail('sessions.chain', where, st.unavailable ? 'ERR_BUNDLE_RECORD_UNAVAILABLE' : 'ERR_AUDIT_UNDETERMINED', why, true)]);
        judge({ state: 'inconclusive', detail: why });
        this.tally.skip('sessions.completeness', 'not judged for a session not wholly in the file');
        continue;
      }
      this.tally.ok('sessions.chain');
      const c = tailCompleteness({ last: st.last!, records: st.records, heartbeatIntervalS: st.heartbeat }, { at: this.o.at });
      judge(c);
      if (c.state === 'complete') this.tally.ok('sessions.completeness');
      else if (this.o.allowIncomplete) this.tally.skip('sessions.completeness', `accepted without proof of completeness (--allow-incomplete): ${c.state}`);
      else this.note(st, [this.tally.fail('sessions.completeness', where, c.state === 'open' ? 'ERR_AAT_SESSION_OPEN' : 'ERR_AAT_SESSION_INCONCLUSIVE', `${c.state}: ${c.detail}`)]);
    }
  }

  /** Attach a finding found later (e.g. by the delegation graph) to a session. */
  attach(agent: string, session: string, f: AuditFinding): void {
    const st = this.sessions.get(nodeKey(agent, session));
    if (st) this.note(st, [f]);
  }

  get(agent: string, session: string): SessionState | undefined {
    return this.sessions.get(nodeKey(agent, session));
  }
}

export { nodeKey };

/** The summary of one session for the result. */
export function sessionSummary(st: SessionState, allowIncomplete: boolean): AuditSession {
  const c = st.completeness ?? { state: 'inconclusive', detail: 'not judged' };
  let verdict: AuditVerdict = 'valid';
  if (st.findings.some((f) => !f.undetermined)) verdict = 'invalid';
  else if (st.findings.length > 0) verdict = 'cannot-evaluate';
  else if (c.state !== 'complete' && !allowIncomplete) verdict = 'invalid';
  const by = st.delegatedBy;
  return {
    agent: st.agent,
    session: st.session,
    records: st.records,
    firstIndex: st.firstIndex,
    lastIndex: st.lastIndex,
    firstTimestamp: st.firstTimestamp,
    lastTimestamp: st.lastTimestamp,
    anchored: st.anchoredFirst && st.anchoredLast ? { from: st.anchoredFirst, to: st.anchoredLast } : null,
    completeness: { state: c.state, detail: c.detail },
    verdict,
    maxTrustLevel: st.maxTrust >= 0 ? TRUST_LEVELS[st.maxTrust]! : null,
    findings: st.findings,
    delegatedBy: by ? { agent: String(by.agent_id), record: String(by.record_id), entry: String(by.entry) } : null,
    delegations: st.delegations,
  };
}
