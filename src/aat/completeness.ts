import { AtlogError } from '../errors.js';
import { parseTimestamp } from './time.js';
import { isSessionEnd, type AatRecord } from './types.js';

/**
 * Session completeness (draft -06; spec/aat.md 2.6): does an intact chain show the whole session? An intact
 * chain proves that nothing is missing *between* its first and last record; only a close record proves that
 * nothing is missing after the last one.
 */

/**
 * `complete`: the chain ends in session_end whose `session_hash` and `record_count` verified;
 * `open`: no session_end, but the agent's own heartbeat promise says it is still running at the verification time;
 * `inconclusive`: anything else (no close record and no live heartbeat, a close without session_hash/record_count,
 * or a broken chain): records may be missing at the end.
 */
export type CompletenessState = 'complete' | 'open' | 'inconclusive';

export interface Completeness {
  state: CompletenessState;
  /** One sentence saying why. */
  detail: string;
}

export interface CompletenessOptions {
  /** The verification time, to judge a `heartbeat_interval_s` promise. Without it an unclosed session is inconclusive. */
  at?: Date;
}

/** A session counts as live while its last record is at most this many heartbeat intervals old (one beat may be late). */
export const HEARTBEAT_GRACE = 2;

/** The heartbeat_interval_s in force after `chain`: the latest record that declares one. */
export function heartbeatInterval(chain: readonly AatRecord[]): number | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const s = chain[i]!.heartbeat_interval_s;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

function seconds(ns: bigint): number {
  return Number(ns) / 1e9;
}

/**
 * What completeness needs of a verified chain: its last record, how many records it has, and the heartbeat
 * interval in force (heartbeatInterval). A streaming verifier keeps these instead of the chain.
 */
export interface SessionTail {
  last: AatRecord;
  records: number;
  heartbeatIntervalS: number | undefined;
}

/**
 * Completeness of a session whose chain verified (verifyChain `valid`), genesis first.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for an empty chain or an `at` that is not a valid date.
 */
export function sessionCompleteness(chain: readonly AatRecord[], opts: CompletenessOptions = {}): Completeness {
  const last = chain[chain.length - 1];
  if (last === undefined) throw new AtlogError('ERR_INVALID_ARGUMENT', 'completeness needs at least the genesis record');
  return tailCompleteness({ last, records: chain.length, heartbeatIntervalS: heartbeatInterval(chain) }, opts);
}

/**
 * {@link sessionCompleteness} from the tail of a verified chain.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for an `at` that is not a valid date.
 */
export function tailCompleteness(tail: SessionTail, opts: CompletenessOptions = {}): Completeness {
  const { last, records } = tail;
  if (isSessionEnd(last)) {
    const d = last.action_detail;
    if (d['session_hash'] === undefined || d['record_count'] === undefined) {
      return { state: 'inconclusive', detail: `session_end ${last.record_id} carries no session_hash/record_count, so the close does not commit to the session's records` };
    }
    return { state: 'complete', detail: `closed by session_end ${last.record_id}: ${records} records, record_count and session_hash match` };
  }
  const interval = tail.heartbeatIntervalS;
  const none = `no session_end after record ${records - 1} (${last.record_id})`;
  if (interval === undefined) {
    return { state: 'inconclusive', detail: `${none} and no heartbeat_interval_s: the session may still be running, or its last records may have been removed` };
  }
  if (opts.at === undefined) return { state: 'inconclusive', detail: `${none}; no verification time was given to judge its ${interval} s heartbeat` };
  const atMs = opts.at.getTime();
  if (!Number.isFinite(atMs)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'at is not a valid date');
  const lastNs = parseTimestamp(last.timestamp)!; // validated records have valid timestamps
  const age = seconds(BigInt(atMs) * 1_000_000n - lastNs);
  if (age <= HEARTBEAT_GRACE * interval) {
    return { state: 'open', detail: `${none}, but its last record is ${Math.max(0, Math.round(age))} s old and the agent promised one every ${interval} s: the session is still running` };
  }
  return {
    state: 'inconclusive',
    detail: `${none}, and nothing for ${Math.round(age)} s though the agent promised a record every ${interval} s: it stopped without closing, or its last records were removed`,
  };
}
