import {
  isHighS,
  isValidRecord,
  jwkThumbprint,
  publicKeyBytes,
  RECORD_SIG_ALG,
  verifyChain,
  verifyRecordSignature,
  type AatRecord,
  type ChainOptions,
  type Completeness,
  type EcJwk,
} from '../aat/index.js';
import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { chainBreakCode } from './codes.js';
import type { ReportBuilder } from './report.js';

/**
 * The record-level checks of a session, shared by session bundles and bare AAT chains (`atlog verify --aat`):
 * the chain (src/aat verifyChain: schema and every link), every in-record signature whose key the auditor gave,
 * and completeness (spec/aat.md 2.6). Check names: `session.chain`, `session.record[i].signature`,
 * `session.completeness`.
 */

/** A record key an auditor supplies: a P-256 public key and the key ids it answers to. */
export interface RecordKey {
  jwk: EcJwk;
  /** Its RFC 7638 thumbprint (the -06 signer_kid), then the JWK's own `kid` when it had one. */
  kids: string[];
}

/**
 * A record key from a P-256 public JWK (`kid` optional): matched by its RFC 7638 thumbprint or that kid.
 * @throws AtlogError `ERR_AAT_KEY` when it is not a P-256 public key.
 */
export function recordKey(jwk: EcJwk & { kid?: unknown }): RecordKey {
  const pub: EcJwk = { kty: jwk.kty, crv: jwk.crv, ...(jwk.x !== undefined ? { x: jwk.x } : {}), ...(jwk.y !== undefined ? { y: jwk.y } : {}) };
  publicKeyBytes(pub); // validates: P-256, on the curve
  const kids = [jwkThumbprint(pub)];
  if (typeof jwk.kid === 'string' && jwk.kid !== '' && jwk.kid !== kids[0]) kids.push(jwk.kid);
  return { jwk: pub, kids };
}

export interface RecordCheckOptions {
  /** Revision whose rules records must meet (0..6, default 0: every revision's records are accepted). */
  draft?: number;
  /** Keys for in-record signatures, matched by `signer_kid`. */
  recordKeys?: readonly RecordKey[];
  /** Fail, rather than skip, a record that is unsigned or whose signature cannot be checked (no key, other sig_alg). */
  requireRecordSignatures?: boolean;
  /** Accept a session that is not proven complete (open or inconclusive): reported, not failed. */
  allowIncomplete?: boolean;
  /** The verification time, for heartbeats (default: none, so an unclosed session is inconclusive). */
  at?: Date;
  /** Lower-level verifyChain options (a single key or lookup for every record), kept for earlier callers. */
  chain?: ChainOptions;
}

/** The verdict on one record's signature: checked and good, failed, or not checkable (no key, another sig_alg). */
export type SignatureVerdict = { status: 'ok'; detail: string } | { status: 'fail' | 'unchecked'; code: AtlogErrorCode; detail: string };

function verifies(r: AatRecord, k: RecordKey, lowS?: boolean): boolean {
  return verifyRecordSignature(r, k.jwk, lowS === undefined ? {} : { lowS });
}

/** Why a signature that the named key does not verify fails: a -06 high-S signature, or a bad one. */
function badSignature(r: AatRecord, keys: RecordKey[]): SignatureVerdict {
  if (r.sig_alg !== undefined && isHighS(r.signature!) && keys.some((k) => verifies(r, k, false))) {
    return { status: 'fail', code: 'ERR_AAT_RECORD_HIGH_S', detail: 'the signature verifies only with high S, which -06 signers must not emit' };
  }
  return { status: 'fail', code: 'ERR_AAT_RECORD_BAD_SIGNATURE', detail: `signature does not verify with the key for ${r.signer_kid ?? 'any given key'}` };
}

/** The verdict on one signed, valid record's signature, with the keys an auditor gave (matched by signer_kid). */
export function signatureVerdict(r: AatRecord, keys: readonly RecordKey[]): SignatureVerdict {
  if (r.sig_alg !== undefined && r.sig_alg !== RECORD_SIG_ALG) {
    return { status: 'unchecked', code: 'ERR_AAT_RECORD_UNSUPPORTED_ALG', detail: `sig_alg ${r.sig_alg} is not one atlog verifies (${RECORD_SIG_ALG})` };
  }
  const kid = r.signer_kid;
  const named = kid === undefined ? [] : keys.filter((k) => k.kids.includes(kid));
  if (named.length > 0) {
    const k = named.find((x) => verifies(r, x));
    return k ? { status: 'ok', detail: `verified with the key ${k.kids[0]!}` } : badSignature(r, named);
  }
  // No key answers to signer_kid (or there is none): the signature decides among the keys given.
  const k = keys.find((x) => verifies(r, x));
  if (kid === undefined) {
    if (k) return { status: 'ok', detail: `verified with the key ${k.kids[0]!} (the record names no signer_kid)` };
    if (keys.length > 0) return badSignature(r, [...keys]);
    return { status: 'unchecked', code: 'ERR_AAT_RECORD_KEY_MISSING', detail: 'signed, but no record key was given (--record-key)' };
  }
  if (k) return { status: 'fail', code: 'ERR_AAT_RECORD_SIGNER_MISMATCH', detail: `signer_kid ${kid} names none of the given keys, but the key ${k.kids[0]!} made the signature` };
  return { status: 'unchecked', code: 'ERR_AAT_RECORD_KEY_MISSING', detail: `signed by ${kid}, whose key was not given (--record-key)` };
}

function checkSignatures(b: ReportBuilder, records: readonly unknown[], o: RecordCheckOptions): void {
  const keys = o.recordKeys ?? [];
  records.forEach((x, i) => {
    const name = `session.record[${i}].signature`;
    const signed = typeof x === 'object' && x !== null && 'signature' in x;
    if (!signed) {
      if (o.requireRecordSignatures) b.fail(name, 'ERR_AAT_RECORD_UNSIGNED', 'the record carries no signature');
      return;
    }
    // An invalid record is reported by session.chain; its signature would be checked over bytes nobody vouches for.
    if (!isValidRecord(x, o.draft === undefined ? {} : { draft: o.draft })) {
      b.skip(name, 'not checked: the record is not valid (see session.chain)');
      return;
    }
    let v: SignatureVerdict;
    try {
      v = signatureVerdict(x, keys);
    } catch (e) {
      v = { status: 'fail', code: e instanceof AtlogError ? e.code : 'ERR_VERIFY_INTERNAL', detail: e instanceof Error ? e.message : String(e) };
    }
    if (v.status === 'ok') b.pass(name, v.detail);
    else if (v.status === 'fail' || o.requireRecordSignatures) b.fail(name, v.code, v.detail);
    else b.skip(name, `not checked: ${v.detail}`);
  });
}

/**
 * Run the record checks of one session (records in chain order) into `b`.
 * @returns the session's completeness (inconclusive when the chain is broken).
 */
export function checkSessionRecords(b: ReportBuilder, records: readonly unknown[], o: RecordCheckOptions = {}): Completeness {
  const chainOpts: ChainOptions = { ...o.chain, ...(o.draft !== undefined ? { draft: o.draft } : {}), ...(o.at ? { at: o.at } : {}) };
  const c = verifyChain(records, chainOpts);
  if (c.valid) b.pass('session.chain', `${c.verified} record(s) chain from genesis without a break`);
  else {
    const br = c.firstBreak!;
    b.fail('session.chain', chainBreakCode(br.kind), `record ${br.index}${br.recordId ? ` (${br.recordId})` : ''}: ${br.detail}`);
  }
  checkSignatures(b, records, o);
  const done = c.completeness;
  const name = 'session.completeness';
  if (!c.valid) b.skip(name, `not judged: ${done.detail}`);
  else if (done.state === 'complete') b.pass(name, `complete: ${done.detail}`);
  else if (o.allowIncomplete) b.skip(name, `${done.state}, accepted without proof of completeness: ${done.detail}`);
  else b.fail(name, done.state === 'open' ? 'ERR_AAT_SESSION_OPEN' : 'ERR_AAT_SESSION_INCONCLUSIVE', `${done.state}: ${done.detail}`);
  return done;
}
