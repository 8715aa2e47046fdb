import { canonicalBytes, recordHash, validateRecord, type AatRecord } from '../aat/index.js';
import { sha256 } from '../storage/hashing.js';
import { isAtlogError } from '../errors.js';
import { equalBytes, toHex } from '../util/bytes.js';

/**
 * The checks of an AAT record payload that need nothing but its bytes (spec/policy.md "Registration"): UTF-8
 * JSON, the record schema, and the RFC 8785 canonical form. Pure, so the verification workers run it next to
 * the signature check (verify-worker.ts) and the registrar runs it inline when there are no workers.
 */

/**
 * The outcome, plain data for a worker's answer (structured clone). It carries no record: the caller parses a
 * valid payload again with `parsePayload`, which cannot fail then.
 */
export type RecordVerdict =
  | { readonly ok: true; readonly hash: string }
  | { readonly ok: false; readonly reason: 'invalid_record' | 'not_canonical'; readonly message: string; readonly errors?: unknown };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON value of a UTF-8 payload. @throws TypeError or SyntaxError when it is not UTF-8 JSON. */
export function parsePayload(payload: Uint8Array): unknown {
  return JSON.parse(utf8.decode(payload));
}

/**
 * Checks `payload` as an AAT record (`draft` 1 requires record_phase). On success returns its record hash:
 * SHA-256 over the JCS form of the record minus a detached `batch` member (aat/hash.ts), which for a record
 * without one is the payload itself, just checked to be canonical.
 */
export function checkRecordPayload(payload: Uint8Array, draft: 0 | 1): RecordVerdict {
  let json: unknown;
  try {
    json = parsePayload(payload);
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
  return { ok: true, hash: 'batch' in record ? recordHash(record) : toHex(sha256(payload)) };
}
