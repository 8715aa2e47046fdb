/**
 * Agent Audit Trail (AAT) record types, after draft-sharif-agent-audit-trail -00..-06.
 * The field names are the draft's (snake_case JSON); see spec/aat.md for the profile atlog implements.
 */

/** Action types of draft Section 7 (tool_call ... lifecycle). */
export const ACTION_TYPES = ['tool_call', 'tool_response', 'decision', 'delegation', 'escalation', 'error', 'lifecycle'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Outcomes (draft Section 3.1). */
export const OUTCOMES = ['success', 'failure', 'timeout', 'denied', 'escalated'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Trust levels L0 (lowest) to L4 (highest). */
export const TRUST_LEVELS = ['L0', 'L1', 'L2', 'L3', 'L4'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** record_phase, added in -01. */
export const RECORD_PHASES = ['pre_execution', 'post_execution', 'concurrent'] as const;
export type RecordPhase = (typeof RECORD_PHASES)[number];

/** lifecycle events (action_detail.event). */
export const LIFECYCLE_EVENTS = [
  'session_start',
  'session_end',
  'pause',
  'resume',
  'configuration_change',
  'key_rotation',
  'trust_level_change',
  'record_deleted',
  // -06: heartbeat_interval_s implies heartbeat records; an agent with nothing else to record emits one.
  'heartbeat',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** Any JSON value (what JCS can canonicalize). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** STANDARDS "Decision (delegation)": a delegate's genesis names the delegation that created it. */
export interface DelegatedBy {
  /** agent_id of the delegating agent. */
  agent_id: string;
  /** record_id of the `delegation` record in the delegator's session. */
  record_id: string;
  /** Lowercase hex SHA-256 log entry hash of the Signed Statement carrying that delegation record. */
  entry: string;
}

/**
 * A validated AAT record. Mandatory fields are typed; every other member (optional draft fields and unknown
 * extensions) is preserved as JSON, because the record hash covers the complete record.
 */
export interface AatRecord {
  record_id: string;
  timestamp: string;
  agent_id: string;
  agent_version: string;
  session_id: string;
  action_type: ActionType;
  action_detail: JsonObject;
  outcome: Outcome;
  trust_level: TrustLevel;
  parent_record_id: string | null;
  prev_hash: string | null;
  record_phase?: RecordPhase;
  /** In-record signature (draft Section 6.2): base64url P1363 r||s. */
  signature?: string;
  /** Second signature value some -06 signers add; left out of the signing input like `signature`. */
  signature_classical?: string;
  /** Algorithm of `signature` (-06), e.g. `ES256`; set before signing, so covered by it. */
  sig_alg?: string;
  /** Key id of the signer (-04; -06: RFC 7638 JWK thumbprint, base64url); covered by the signature. */
  signer_kid?: string;
  /** -06, genesis only: seconds between the agent's anchorings of its chain. */
  anchor_interval_s?: number;
  /** -06: seconds between the agent's records (heartbeats when idle); the latest value declared applies. */
  heartbeat_interval_s?: number;
  [extra: string]: JsonValue | undefined;
}

/** Trust level as a number 0..4, for "must not exceed" comparisons. */
export function trustRank(level: TrustLevel): number {
  return TRUST_LEVELS.indexOf(level);
}

/** True for the genesis record of a session: lifecycle / session_start (draft Section 8.1). */
export function isGenesis(r: Pick<AatRecord, 'action_type' | 'action_detail'>): boolean {
  return r.action_type === 'lifecycle' && r.action_detail['event'] === 'session_start';
}

/** True for the session close record: lifecycle / session_end. */
export function isSessionEnd(r: Pick<AatRecord, 'action_type' | 'action_detail'>): boolean {
  return r.action_type === 'lifecycle' && r.action_detail['event'] === 'session_end';
}
