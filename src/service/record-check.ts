import { canonicalBytes, recordHash, validateRecord, type AatRecord } from '../aat/index.js';
import { sha256 } from '../log/hashing.js';
import { isAtlogError } from '../errors.js';
import { equalBytes, toHex } from '../util/bytes.js';

/**
 * The checks of an AAT record payload that need nothing but its bytes (spec/policy.md "Registration"): UTF-8
 * JSON, the record schema, and the RFC 8785 canonical form. Pure, so the verification workers run it next to
 * the signature check (verify-worker.ts) and the registrar runs it inline when there are no workers.
 */

/** The outcome without the record itself: what a worker sends back (the caller parses the valid payload again). */
export type RecordVerdict =
  | { readonly ok: true; readonly hash: string }
  | { readonly ok: false; readonly reason: 'invalid_record' | 'not_canonical'; readonly message: string; readonly errors?: unknown };

export type RecordCheck = Exclude<RecordVerdict, { ok: true }> | { readonly ok: true; readonly record: AatRecord; readonly hash: string };

/** The verdict of a check, for the wire (structured clone of plain data only). */
export function verdictOf(c: RecordCheck): RecordVerdict {
  return c.ok ? { ok: true, hash: c.hash } : c;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks `payload` as an AAT record (`draft` 1 requires record_phase). On success returns the record and its
 * record hash: SHA-256 over the JCS form of the record minus a detached `batch` member (aat/hash.ts), which
 * for a record without one is the payload itself, just checked to be canonical.
 */
export function checkRecordPayload(payload: Uint8Array, draft: 0 | 1): RecordCheck {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch {
    return { ok: false, reason: 'invalid_record', message: 'payload is not UTF-8 JSON' };
  }
  let record: AatRecord;
  try {
    record = validateRecord(json, { draft });
  } catch (e) {
    const errors = isAtlogError(e) ? e.details?.['errors'] : undefined;
    return { ok: false, reason: 'invalid_record', message: e instanceof Error ? e.message : 'invalid AAT record', errors };
  }
  // STANDARDS.md Decision (envelope): the payload is the record's JCS bytes, so the entry, the record hash and
  // what the agent signed are the same bytes.
  if (!equalBytes(canonicalBytes(record), payload)) {
    return { ok: false, reason: 'not_canonical', message: 'payload is not the RFC 8785 canonical form of the record' };
  }
  return { ok: true, record, hash: 'batch' in record ? recordHash(record) : toHex(sha256(payload)) };
}
