import { aatRecordIn } from '../aat/detect.js';
import type { AatRecord } from '../aat/index.js';
import { checkCrit } from '../cose/headers.js';
import { toBeSigned } from '../cose/sign1.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { sha256 } from '../storage/hashing.js';
import { AAT_CONTENT_TYPE, describeNonStatement, parseStatement, registrationEntryOf, type ParsedStatement } from '../statements/index.js';
import { toBase64Url, toHex } from '../util/bytes.js';
import type { PublicKey } from '../keys/index.js';
import type { IssuerRegistry } from './issuers.js';
import type { Policy } from '../policy/schema.js';
import { evaluateRules } from '../policy/rules.js';
import { parsePayload, type RecordVerdict } from './record-check.js';
import { issuerRecordSignature } from './record-signature.js';
import type { VerifyPool } from './verify-pool.js';

/**
 * The checks of a registration that do not depend on log order (spec/policy.md "Registration"), in this
 * order: size, COSE and RFC 9943 headers, detached payload, algorithm, issuer and key, signature, AAT record
 * (schema, canonical bytes, iss/sub binding, the record's own signature by the issuer key, action rules). The chain check needs the session tip and runs
 * in the sequencer.
 */

/** A statement that passed every order-independent check. */
export interface CheckedStatement {
  /** The registration entry: the statement with an empty unprotected header. */
  entry: Uint8Array;
  entryHash: Uint8Array;
  entryId: string;
  /** The session the statement belongs to, when it is an AAT record (or a Hash Envelope of one). */
  session?: { agentId: string; sessionId: string };
  /** The parsed record, when the chain is to be checked. */
  record?: AatRecord;
  /** Its record hash (hex), the `prev_hash` its successor must carry; set with `record`. */
  recordHash?: string;
}

/** A statement decoded and hashed, before any policy check (`Registrar.prepare`). */
export interface PreparedStatement {
  readonly bytes: Uint8Array;
  readonly st: ParsedStatement;
  /** The registration entry and its SHA-256 (node:crypto, several times faster than the pure-JS hash). */
  readonly entry: Uint8Array;
  readonly entryHash: Uint8Array;
}

export function rejected(reason: string, message: string, extra: Record<string, unknown> = {}, cause?: unknown): AtlogError {
  return new AtlogError('ERR_REG_REJECTED', message, { cause, details: { reason, ...extra } });
}

/** Maps parse errors to the SCRAPI-facing codes. */
function parse(bytes: Uint8Array, maxBytes: number): ParsedStatement {
  try {
    const st = parseStatement(bytes, { maxBytes, allowDetached: true });
    // RFC 9052 3.1: a critical header the service does not understand makes the statement unacceptable.
    // The signature is checked over raw bytes below (not verifySign1), so crit is enforced here.
    checkCrit(st.sign1.protected);
    return st;
  } catch (e) {
    if (isAtlogError(e, 'ERR_COSE_UNKNOWN_ALG') || isAtlogError(e, 'ERR_STATEMENT_MISSING_ALG')) {
      throw new AtlogError('ERR_REG_BAD_ALG', e.message, { cause: e });
    }
    if (isAtlogError(e, 'ERR_CBOR_TOO_LARGE')) throw new AtlogError('ERR_REG_TOO_LARGE', e.message, { cause: e });
    const detail = e instanceof Error ? e.message : String(e);
    // Say what the body is when it is not a COSE_Sign1 at all (a JSON record, a key, a receipt, ...).
    const what = describeNonStatement(bytes);
    throw new AtlogError('ERR_REG_MALFORMED', `not a valid Signed Statement: ${what ?? detail}`, { cause: e, details: { reason: isAtlogError(e) ? e.code : 'malformed' } });
  }
}

const SESSION_SUB = /^urn:uuid:([0-9a-fA-F-]{36})$/;

/**
 * When the issuer or its key is unknown and the payload is an AAT record of another agent, the likelier mistake
 * is the CWT iss, so that is what is reported (`iss_mismatch`), not the unknown issuer.
 */
function issMismatch(st: ParsedStatement, payload: Uint8Array): AtlogError | undefined {
  if (st.contentType !== AAT_CONTENT_TYPE) return undefined;
  const agentId = aatRecordIn(payload)?.agent_id;
  if (typeof agentId !== 'string' || agentId === st.iss) return undefined;
  return rejected('iss_mismatch', `CWT iss ${st.iss} is not the record's agent_id ${agentId}`, { iss: st.iss });
}

/** Order-independent registration checks against one policy. */
export class Registrar {
  constructor(
    private readonly issuers: IssuerRegistry,
    private readonly pool: VerifyPool,
  ) {}

  /**
   * Decodes a statement and computes its entry and entry hash, so that a duplicate can be recognised before
   * any signature work and `check` does not decode again.
   * @throws AtlogError ERR_REG_MALFORMED, ERR_REG_BAD_ALG, ERR_REG_TOO_LARGE (as `check` would report them).
   */
  prepare(bytes: Uint8Array, maxBytes: number): PreparedStatement {
    if (!(bytes instanceof Uint8Array)) throw new AtlogError('ERR_REG_MALFORMED', 'statement must be bytes');
    const st = parse(bytes, maxBytes);
    const entry = registrationEntryOf(bytes, st.sign1);
    return { bytes, st, entry, entryHash: sha256(entry) };
  }

  /**
   * Checks a Signed Statement under `policy`. `prepared` (from `prepare` on the same bytes) saves decoding again.
   * @throws AtlogError ERR_REG_TOO_LARGE, ERR_REG_MALFORMED, ERR_REG_PAYLOAD_MISSING, ERR_REG_BAD_ALG (not allowed,
   *   unknown, or not fitting the issuer's key: details.reason alg_key_mismatch), or
   *   ERR_REG_REJECTED with details.reason (unknown_issuer, revoked_issuer, unknown_key, revoked_key,
   *   key_not_yet_valid, key_expired, no_kid, bad_signature, not_aat, invalid_record,
   *   not_canonical, iss_mismatch, sub_mismatch, bad_record_signature, hash_envelope_not_allowed,
   *   aat_wrong_content_type, not_aat, rule_denied with details.rule).
   */
  async check(bytes: Uint8Array, policy: Policy, now: Date = new Date(), prepared?: PreparedStatement): Promise<CheckedStatement> {
    if (!(bytes instanceof Uint8Array)) throw new AtlogError('ERR_REG_MALFORMED', 'statement must be bytes');
    if (bytes.length > policy.maxStatementBytes) {
      throw new AtlogError('ERR_REG_TOO_LARGE', `statement of ${bytes.length} bytes exceeds the policy limit of ${policy.maxStatementBytes}`, {
        details: { size: bytes.length, limit: policy.maxStatementBytes },
      });
    }
    const pre = prepared !== undefined && prepared.bytes === bytes ? prepared : this.prepare(bytes, policy.maxStatementBytes);
    const { st } = pre;
    const payload = st.sign1.payload;
    if (payload === null) throw new AtlogError('ERR_REG_PAYLOAD_MISSING', 'statement payload is detached; register the statement with its payload');
    if (!policy.algorithms.has(st.alg)) {
      throw new AtlogError('ERR_REG_BAD_ALG', `algorithm ${st.alg} is not allowed by the Registration Policy`, { details: { alg: st.alg } });
    }
    if (st.kid === undefined) throw rejected('no_kid', 'statement names its key by x5chain/x5t; this service needs a kid (4)', { iss: st.iss });

    let key;
    try {
      key = this.issuers.keyFor(st.iss, st.kid, now);
    } catch (e) {
      throw issMismatch(st, payload) ?? e;
    }
    if (!key.supportsAlg(st.alg)) {
      // spec/api.md: an alg that does not fit the key is "Bad Signature Algorithm", not "Rejected".
      throw new AtlogError('ERR_REG_BAD_ALG', `algorithm ${st.alg} does not fit the issuer's ${key.family} key`, {
        details: { reason: 'alg_key_mismatch', iss: st.iss, alg: st.alg },
      });
    }
    // An AAT record's payload checks (JSON, schema, canonical form) run with the signature check, in a worker.
    const aat = st.contentType === AAT_CONTENT_TYPE && policy.aat.validate;
    const recordRequest = aat ? { payloadLength: payload.length, draft: policy.aat.requireRecordPhase ? (1 as const) : (0 as const) } : undefined;
    const v = await this.pool.check(key, toBeSigned(st.sign1.protectedBytes, payload), st.sign1.signature, st.alg, recordRequest);
    if (!v.ok) throw rejected('bad_signature', 'signature does not verify with the issuer key', { iss: st.iss, kid: toBase64Url(st.kid) });

    const out: CheckedStatement = { entry: pre.entry, entryHash: pre.entryHash, entryId: toHex(pre.entryHash) };
    if (st.contentType === AAT_CONTENT_TYPE) {
      return aat ? { ...out, ...this.checkRecord(st, payload, policy, v.record, key) } : out;
    }
    if (st.hashEnvelope?.preimageContentType === AAT_CONTENT_TYPE) {
      // The service cannot read a hidden record, so it can neither validate it nor check its chain link:
      // refused unless the policy accepts such records unchecked (spec/policy.md "Hash Envelopes").
      if (policy.aat.hashEnvelope !== 'accept') {
        throw rejected('hash_envelope_not_allowed', 'AAT records in a Hash Envelope cannot be checked; the Registration Policy refuses them', { iss: st.iss });
      }
      const m = SESSION_SUB.exec(st.sub);
      return m ? { ...out, session: { agentId: st.iss, sessionId: m[1]!.toLowerCase() } } : out;
    }
    if (policy.aat.validate && aatRecordIn(payload) !== undefined) {
      // Under another content type the record would be logged unchecked and outside its session's chain.
      throw rejected('aat_wrong_content_type', `the payload is an AAT record: sign it with content type ${AAT_CONTENT_TYPE}, not ${st.contentType ?? 'none'}`, { iss: st.iss });
    }
    if (policy.aat.required) throw rejected('not_aat', `the Registration Policy only accepts ${AAT_CONTENT_TYPE} statements`, { iss: st.iss });
    return out;
  }

  /**
   * The record checks that need the statement or the policy: iss/sub binding and action rules, after the payload
   * checks the verification pool made (`verdict`).
   */
  private checkRecord(st: ParsedStatement, payload: Uint8Array, policy: Policy, verdict: RecordVerdict | undefined, key: PublicKey): Pick<CheckedStatement, 'session' | 'record' | 'recordHash'> {
    if (verdict === undefined) throw new AtlogError('ERR_SERVICE_INTERNAL', 'the AAT record check did not run');
    if (!verdict.ok) throw rejected(verdict.reason, verdict.message, { iss: st.iss, ...(verdict.errors === undefined ? {} : { errors: verdict.errors }) });
    // Valid and canonical JSON (checked in the pool), so this parse cannot fail and gives the validated record.
    const record = parsePayload(payload) as AatRecord;
    if (st.iss !== record.agent_id) {
      throw rejected('iss_mismatch', `CWT iss ${st.iss} is not the record's agent_id ${record.agent_id}`, { iss: st.iss });
    }
    if (st.sub !== `urn:uuid:${record.session_id}`) {
      throw rejected('sub_mismatch', `CWT sub ${st.sub} is not urn:uuid:${record.session_id}`, { iss: st.iss });
    }
    // AAT draft Section 6.2: a record signed in-band by the issuer's own key must verify (record-signature.ts).
    if (issuerRecordSignature(record, key) === 'bad') {
      throw rejected('bad_record_signature', "the record's own signature does not verify with the issuer key its signer_kid names", { iss: st.iss });
    }
    const denial = evaluateRules(policy.rules, record as unknown as Record<string, unknown>);
    if (denial) throw rejected('rule_denied', denial.reason, { iss: st.iss, rule: denial.rule });
    return { session: { agentId: record.agent_id, sessionId: record.session_id }, record, recordHash: verdict.hash };
  }
}
