import { canonicalBytes } from '../aat/jcs.js';
import type { AatRecord } from '../aat/types.js';
import { validateRecord } from '../aat/validate.js';
import type { PrivateKey } from '../keys/types.js';
import { buildStatement, type HashEnvelopeInput } from './build.js';
import { AAT_CONTENT_TYPE } from './media-types.js';

export interface RecordStatementOptions {
  /** CWT iat: default now; `false` leaves it out. */
  iat?: number | Date | false;
  /** Sign a Hash Envelope over the record (RFC 9995) instead of carrying it: the payload is its digest. */
  hashEnvelope?: Omit<HashEnvelopeInput, 'preimageContentType'>;
}

/**
 * Signs an Agent Audit Trail record as a Signed Statement the way the log expects it (spec/statements.md,
 * "Decision (envelope)"): CWT iss = the record's `agent_id`, sub = `urn:uuid:<session_id>`, payload = the
 * record's RFC 8785 canonical JSON with content type `application/aat+json` (or, with `hashEnvelope`, its
 * digest with that preimage content type).
 * @throws AtlogError ERR_AAT_INVALID when the record is not valid; buildStatement's errors.
 */
export function buildRecordStatement(record: AatRecord, key: PrivateKey, options: RecordStatementOptions = {}): Uint8Array {
  const r = validateRecord(record);
  const iat = options.iat === undefined ? new Date() : options.iat;
  return buildStatement({
    key,
    iss: r.agent_id,
    sub: `urn:uuid:${r.session_id}`,
    payload: canonicalBytes(r),
    ...(iat === false ? {} : { iat }),
    ...(options.hashEnvelope ? { hashEnvelope: { ...options.hashEnvelope, preimageContentType: AAT_CONTENT_TYPE } } : { contentType: AAT_CONTENT_TYPE }),
  });
}
