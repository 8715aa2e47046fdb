import { AtlogError } from '../errors.js';
import { sha256 } from '../crypto/sha256.js';
import { concatBytes, fromHex, toHex } from '../util/bytes.js';
import { canonicalBytes } from './jcs.js';
import type { AatRecord } from './types.js';

/**
 * Record hash and session hash (draft Section 6.1 and 8.3; STANDARDS "Agent Audit Trail records").
 */

function asObject(record: unknown, name: string): Record<string, unknown> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} must be a JSON object`);
  }
  return record as Record<string, unknown>;
}

/**
 * The record as its hash covers it: the complete record, signature included; only a detached `batch`
 * member (draft Section 6.4 Merkle batching metadata, added after the record is chained) is left out.
 */
export function hashedContent(record: object): Record<string, unknown> {
  const { batch: _batch, ...rest } = asObject(record, 'record');
  return rest;
}

/**
 * `hex(SHA-256(JCS(record)))`: the value the next record carries as `prev_hash`.
 * @throws AtlogError `ERR_AAT_NOT_JSON` when the record is not I-JSON; `ERR_INVALID_ARGUMENT` when not an object.
 */
export function recordHash(record: object): string {
  return toHex(sha256(canonicalBytes(hashedContent(record))));
}

/** The two link fields a record following `prev` must carry. @throws as {@link recordHash}. */
export function linkTo(prev: AatRecord): { parent_record_id: string; prev_hash: string } {
  return { parent_record_id: prev.record_id, prev_hash: recordHash(prev) };
}

/**
 * `session_hash` of the lifecycle/session_end record that closes `records` (genesis up to the last record
 * before session_end, in chain order): SHA-256 over the raw 32-byte `prev_hash` values of every record of the
 * session in order, genesis excluded (its prev_hash is null) and the session_end record's own prev_hash
 * (= recordHash of the last of `records`) included. Returned as lowercase hex. See spec/aat.md "Session close".
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `records` is empty or a non-genesis prev_hash is not 64 hex.
 */
export function sessionHash(records: readonly AatRecord[]): string {
  if (records.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'sessionHash needs at least the genesis record');
  const parts: Uint8Array[] = [];
  for (let i = 1; i < records.length; i++) {
    const h = records[i]!.prev_hash;
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) {
      throw new AtlogError('ERR_INVALID_ARGUMENT', `records[${i}].prev_hash is not 64 lowercase hex`);
    }
    parts.push(fromHex(h));
  }
  parts.push(fromHex(recordHash(records[records.length - 1]!)));
  return toHex(sha256(concatBytes(...parts)));
}
