import { AtlogError } from '../errors.js';
import { recordHash } from './hash.js';
import { parseTimestamp } from './time.js';
import { isGenesis, isSessionEnd, type AatRecord } from './types.js';

/**
 * The one-record-at-a-time link check the Registration Policy runs: given the stored tip of a session and a
 * new (already validated) record, may the record extend the session? The chain verifier (chain.ts) applies
 * the same rules to a whole array.
 */

/** What the service stores per session (key it by session_id): the tip of the chain. */
export interface LinkState {
  /** record_id of the last registered record. */
  recordId: string;
  /** recordHash of the last registered record: the next record's prev_hash. */
  hash: string;
  /** timestamp of the last registered record (RFC 3339, as written in the record). */
  timestamp: string;
  /** True once a lifecycle/session_end record was registered: nothing may follow it. */
  ended: boolean;
  /** agent_id of the session, when known: a record from another agent is refused. */
  agentId?: string;
  /** session_id of the session, when known. */
  sessionId?: string;
  /** Records registered in the session so far, when known: checked against session_end's record_count. */
  count?: number;
}

export type LinkBreakKind =
  /** The session has no records yet and the record is not lifecycle/session_start. */
  | 'genesis_required'
  /** A second lifecycle/session_start for an existing session (replay or restart under the same id). */
  | 'genesis_replay'
  /** parent_record_id or prev_hash does not name the tip: a fork, a gap, or an edited predecessor. */
  | 'link_mismatch'
  /** timestamp earlier than the tip's (draft Section 3.1: non-decreasing within a session). */
  | 'timestamp_regression'
  /** The session was closed by session_end. */
  | 'after_session_end'
  /** session_id or agent_id differ from the session's. */
  | 'session_mismatch'
  /** session_end's record_count does not match the records registered. */
  | 'bad_record_count';

export type LinkResult = { ok: true } | { ok: false; kind: LinkBreakKind; detail: string };

function fail(kind: LinkBreakKind, detail: string): LinkResult {
  return { ok: false, kind, detail };
}

/**
 * May `record` follow the session tip `last` (undefined for a session with no records)?
 * `record` must already have passed validateRecord. Checks, in order: genesis first and only once, closed
 * session, same session and agent, parent_record_id = last.recordId and prev_hash = last.hash, timestamp not
 * before the tip, and record_count on session_end when it is given and the count is tracked. The session_hash itself needs
 * every prev_hash of the session and is checked by verifyChain, not here.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `last.timestamp` is not a timestamp (corrupt stored state).
 */
export function checkLink(last: LinkState | undefined, record: AatRecord): LinkResult {
  if (last === undefined) {
    return isGenesis(record)
      ? { ok: true }
      : fail('genesis_required', 'the first record of a session must be lifecycle/session_start with null links');
  }
  if (last.ended) return fail('after_session_end', `session already closed by session_end ${last.recordId}`);
  if (isGenesis(record)) return fail('genesis_replay', 'session_start for a session that already has records');
  if (last.sessionId !== undefined && record.session_id !== last.sessionId) {
    return fail('session_mismatch', `session_id ${record.session_id} is not the session's ${last.sessionId}`);
  }
  if (last.agentId !== undefined && record.agent_id !== last.agentId) {
    return fail('session_mismatch', `agent_id ${record.agent_id} is not the session's ${last.agentId}`);
  }
  if (record.parent_record_id !== last.recordId) {
    return fail('link_mismatch', `parent_record_id ${String(record.parent_record_id)} is not the session tip ${last.recordId} (fork or gap)`);
  }
  if (record.prev_hash !== last.hash) {
    return fail('link_mismatch', `prev_hash ${String(record.prev_hash)} is not the tip's hash ${last.hash}`);
  }
  const before = parseTimestamp(last.timestamp);
  if (before === undefined) throw new AtlogError('ERR_INVALID_ARGUMENT', 'last.timestamp is not an RFC 3339 timestamp');
  const now = parseTimestamp(record.timestamp);
  if (now === undefined || now < before) {
    return fail('timestamp_regression', `timestamp ${record.timestamp} is before the tip's ${last.timestamp}`);
  }
  const count = record.action_detail['record_count'];
  // record_count is optional (a -06 close without it is accepted but never complete: spec/aat.md 2.3)
  if (isSessionEnd(record) && last.count !== undefined && count !== undefined && count !== last.count + 1) {
    return fail('bad_record_count', `record_count ${String(count)} but the session has ${last.count + 1} records`);
  }
  return { ok: true };
}

/**
 * The session tip after `record` was accepted (store it for the next checkLink). Pass the previous state so the
 * record count carries on; for a genesis record `last` is ignored and the count starts at 1. `hash`, when the
 * caller already has it, must be `recordHash(record)`.
 * @throws AtlogError `ERR_AAT_NOT_JSON` if the record is not JSON (cannot happen after validateRecord).
 */
export function linkStateOf(record: AatRecord, last?: LinkState, hash?: string): LinkState {
  const count = isGenesis(record) ? 1 : last?.count !== undefined ? last.count + 1 : undefined;
  return {
    recordId: record.record_id,
    hash: hash ?? recordHash(record),
    timestamp: record.timestamp,
    ended: isSessionEnd(record),
    agentId: record.agent_id,
    sessionId: record.session_id,
    ...(count === undefined ? {} : { count }),
  };
}
