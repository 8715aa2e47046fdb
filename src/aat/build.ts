import { linkTo, sessionHash } from './hash.js';
import { parseTimestamp } from './time.js';
import type { AatRecord, ActionType, DelegatedBy, JsonObject, JsonValue, Outcome, RecordPhase, TrustLevel } from './types.js';
import { LATEST_DRAFT, validateRecord } from './validate.js';

/**
 * Builders for well-formed records: used by tests, the test-vector generator and the CLI. Every builder
 * validates what it returns (under the revision it builds for), so it throws rather than produce a record the
 * verifier would reject. New records follow the latest revision (-06) unless `draft` says otherwise.
 */

/** Which revision's records to build. */
export interface BuildOptions {
  /** 0..6, default 6. From 1 every record gets a `record_phase` (a default when none is given). */
  draft?: number;
}

/**
 * The `record_phase` a builder writes when none is given (spec/aat.md 1.2): `concurrent` for the genesis (what
 * -06 implementations write), `pre_execution` for a tool call and for a denied or escalated action (the record
 * is the decision, made before anything ran), `post_execution` for everything else.
 */
export function defaultPhase(actionType: ActionType | 'genesis', outcome: Outcome = 'success'): RecordPhase {
  if (actionType === 'genesis') return 'concurrent';
  return actionType === 'tool_call' || outcome === 'denied' || outcome === 'escalated' ? 'pre_execution' : 'post_execution';
}

/** A fresh UUIDv4 (Web Crypto, available in Node 20 and browsers). */
export function newUuid(): string {
  return globalThis.crypto.randomUUID();
}

function nowNotBefore(prev?: string): string {
  const now = new Date().toISOString();
  if (prev === undefined) return now;
  const p = parseTimestamp(prev);
  const n = parseTimestamp(now);
  return p !== undefined && n !== undefined && n < p ? prev : now;
}

export interface GenesisInput {
  agentId: string;
  agentVersion: string;
  trustLevel: TrustLevel;
  /** Default: a fresh UUIDv4. */
  sessionId?: string;
  /** Default: a fresh UUIDv4. */
  recordId?: string;
  /** Default: now (RFC 3339, UTC, milliseconds). */
  timestamp?: string;
  /** For a delegate's session: the delegation that created it (STANDARDS "Decision (delegation)"). */
  delegatedBy?: DelegatedBy;
  /** record_phase (required from draft -01). Default: `concurrent` from draft 1, none for draft 0. */
  recordPhase?: RecordPhase;
  /** -06 `heartbeat_interval_s`: the agent promises a record at least this often (seconds). */
  heartbeatIntervalS?: number;
  /** -06 `anchor_interval_s` (genesis only): seconds between the agent's anchorings of its chain. */
  anchorIntervalS?: number;
  /** Further action_detail members. */
  detail?: JsonObject;
  /** Further top-level members (optional draft fields or extensions). */
  extra?: JsonObject;
}

/**
 * The genesis record of a session: lifecycle/session_start, outcome success, both links null.
 * @throws AtlogError `ERR_AAT_INVALID` when the inputs make an invalid record (bad URI, SemVer, UUID...).
 */
export function genesisRecord(input: GenesisInput, opts: BuildOptions = {}): AatRecord {
  const draft = opts.draft ?? LATEST_DRAFT;
  const detail: JsonObject = { ...input.detail, event: 'session_start' };
  if (input.delegatedBy) detail['delegated_by'] = { ...input.delegatedBy };
  // A default phase yields to one given in `extra`; an explicit recordPhase wins over both.
  const fallback = draft >= 1 ? { record_phase: defaultPhase('genesis') } : {};
  return validateRecord({
    ...fallback,
    ...input.extra,
    record_id: input.recordId ?? newUuid(),
    timestamp: input.timestamp ?? nowNotBefore(),
    agent_id: input.agentId,
    agent_version: input.agentVersion,
    session_id: input.sessionId ?? newUuid(),
    action_type: 'lifecycle',
    action_detail: detail,
    outcome: 'success',
    trust_level: input.trustLevel,
    parent_record_id: null,
    prev_hash: null,
    ...(input.recordPhase ? { record_phase: input.recordPhase } : {}),
    ...(input.heartbeatIntervalS !== undefined ? { heartbeat_interval_s: input.heartbeatIntervalS } : {}),
    ...(input.anchorIntervalS !== undefined ? { anchor_interval_s: input.anchorIntervalS } : {}),
  }, { draft });
}

export interface NextInput {
  action_type: ActionType;
  action_detail: JsonObject;
  /** Default success. */
  outcome?: Outcome;
  /** Default: the previous record's. */
  trust_level?: TrustLevel;
  /** Default: now, or the previous timestamp when the clock is behind it. */
  timestamp?: string;
  /** Default: a fresh UUIDv4. */
  record_id?: string;
  /** Default (from draft 1): {@link defaultPhase} of the action type and outcome. */
  record_phase?: RecordPhase;
  /** Further top-level members. */
  [extra: string]: JsonValue | undefined;
}

/**
 * The record that follows `prev` in its session: same agent_id, agent_version and session_id, and the links
 * `parent_record_id = prev.record_id`, `prev_hash = recordHash(prev)`. Sign `prev` before calling this.
 * @throws AtlogError `ERR_AAT_INVALID` when the result is not a valid record.
 */
export function nextRecord(prev: AatRecord, fields: NextInput, opts: BuildOptions = {}): AatRecord {
  const draft = opts.draft ?? LATEST_DRAFT;
  const { outcome, trust_level, timestamp, record_id, record_phase, ...rest } = fields;
  const phase = record_phase ?? (draft >= 1 ? defaultPhase(fields.action_type, outcome) : undefined);
  return validateRecord({
    ...rest,
    record_id: record_id ?? newUuid(),
    timestamp: timestamp ?? nowNotBefore(prev.timestamp),
    agent_id: prev.agent_id,
    agent_version: prev.agent_version,
    session_id: prev.session_id,
    outcome: outcome ?? 'success',
    trust_level: trust_level ?? prev.trust_level,
    ...(phase ? { record_phase: phase } : {}),
    ...linkTo(prev),
  }, { draft });
}

/**
 * The lifecycle/session_end record closing `records` (the session from genesis, in order), with
 * `session_hash` and `record_count` (records.length + 1: the close record counts itself) in action_detail.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for an empty session; `ERR_AAT_INVALID` for a bad result.
 */
export function sessionEndRecord(records: readonly AatRecord[], fields: Partial<NextInput> = {}, opts: BuildOptions = {}): AatRecord {
  const last = records[records.length - 1];
  const session_hash = sessionHash(records);
  const { action_detail, ...rest } = fields;
  return nextRecord(last!, {
    ...rest,
    action_type: 'lifecycle',
    action_detail: { ...action_detail, event: 'session_end', session_hash, record_count: records.length + 1 },
  }, opts);
}
