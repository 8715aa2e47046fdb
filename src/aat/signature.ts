import { p256 } from '@noble/curves/nist.js';
import { AtlogError } from '../errors.js';
import { concatBytes, fromBase64Url, toBase64Url } from '../util/bytes.js';
import { canonicalBytes } from './jcs.js';
import type { AatRecord } from './types.js';

/**
 * Optional in-record signature (draft Section 6.2; STANDARDS "Agent Audit Trail records"): ECDSA P-256 with
 * SHA-256 over JCS(record without `signature`), IEEE P1363 `r || s` (64 bytes), base64url without padding, in
 * the top-level `signature` member; the signer's key id, when given, in `signer_kid` (draft -04), which the
 * signature covers. A detached `batch` member is left out as it is for the record hash. @noble/curves keeps
 * this browser-safe.
 */

/** An EC P-256 JWK (RFC 7518 Section 6.2): public members x, y; private member d. */
export interface EcJwk {
  kty: 'EC';
  crv: 'P-256';
  x?: string;
  y?: string;
  d?: string;
}

/** A private key: the 32-byte scalar, or a P-256 JWK with `d`. */
export type RecordPrivateKey = Uint8Array | EcJwk;
/** A public key: 65-byte uncompressed or 33-byte compressed SEC1 point, or a P-256 JWK with x and y. */
export type RecordPublicKey = Uint8Array | EcJwk;

function badKey(msg: string): AtlogError {
  return new AtlogError('ERR_AAT_KEY', msg);
}

function jwkMember(jwk: EcJwk, name: 'x' | 'y' | 'd'): Uint8Array {
  const v = jwk[name];
  if (typeof v !== 'string') throw badKey(`JWK member ${name} missing`);
  const b = fromBase64Url(v, `JWK ${name}`);
  if (b.length !== 32) throw badKey(`JWK member ${name} must be 32 bytes`);
  return b;
}

function checkJwk(jwk: EcJwk): void {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw badKey('JWK must be kty EC, crv P-256');
}

/** @throws AtlogError `ERR_AAT_KEY` when the key is not a valid P-256 private key. */
function privateScalar(key: RecordPrivateKey): Uint8Array {
  let d: Uint8Array;
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw badKey(`private key must be the 32-byte scalar, got ${key.length} bytes`);
    d = key;
  } else {
    checkJwk(key);
    d = jwkMember(key, 'd');
  }
  if (!p256.utils.isValidSecretKey(d)) throw badKey('private key is not a valid P-256 scalar');
  return d;
}

/**
 * The public key as SEC1 bytes, checked to be a point on P-256.
 * @throws AtlogError `ERR_AAT_KEY` for a wrong length, a JWK that is not P-256, or a point not on the curve.
 */
export function publicKeyBytes(key: RecordPublicKey): Uint8Array {
  let pub: Uint8Array;
  if (key instanceof Uint8Array) {
    if (key.length !== 65 && key.length !== 33) throw badKey(`public key must be 65 or 33 bytes, got ${key.length}`);
    pub = key;
  } else {
    checkJwk(key);
    pub = concatBytes(new Uint8Array([4]), jwkMember(key, 'x'), jwkMember(key, 'y'));
  }
  try {
    p256.Point.fromBytes(pub).assertValidity();
  } catch (cause) {
    throw new AtlogError('ERR_AAT_KEY', 'public key is not a point on P-256', { cause });
  }
  return pub;
}

/** A fresh P-256 key pair as raw bytes (32-byte scalar, 65-byte uncompressed point). */
export function generateRecordKey(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/** The 65-byte uncompressed public key of a private key. @throws AtlogError `ERR_AAT_KEY`. */
export function recordPublicKey(key: RecordPrivateKey): Uint8Array {
  return p256.getPublicKey(privateScalar(key), false);
}

/** The bytes the signature covers: JCS of the record without `signature` (and without a detached `batch`). */
export function signingInput(record: object): Uint8Array {
  const { signature: _s, batch: _b, ...rest } = record as Record<string, unknown>;
  return canonicalBytes(rest);
}

/**
 * A copy of `record` signed with `key` (any previous signature replaced). With `opts.kid`, `signer_kid` is set
 * first so the signature covers it. Sign a record before chaining the next one to it: the next record's
 * prev_hash covers the signature.
 * @throws AtlogError `ERR_AAT_KEY` for a bad key; `ERR_AAT_NOT_JSON` when the record is not JSON.
 */
export function signRecord<T extends AatRecord>(record: T, key: RecordPrivateKey, opts: { kid?: string } = {}): T {
  const d = privateScalar(key);
  const { signature: _old, ...unsigned } = record;
  if (opts.kid !== undefined) (unsigned as Record<string, unknown>)['signer_kid'] = opts.kid;
  // prehash (default): ECDSA over SHA-256(input), i.e. ES256. lowS keeps our own output non-malleable.
  const sig = p256.sign(signingInput(unsigned), d, { prehash: true, lowS: true, format: 'compact' });
  return { ...unsigned, signature: toBase64Url(sig) } as T;
}

/**
 * True when `record.signature` is a valid P1363 signature by `publicKey` over the record; false when it is
 * absent, not unpadded base64url, not 64 bytes, or does not verify. High-S signatures are accepted (other
 * implementations do not normalise S).
 * @throws AtlogError `ERR_AAT_KEY` for a malformed key; `ERR_AAT_NOT_JSON` when the record is not JSON.
 */
export function verifyRecordSignature(record: AatRecord, publicKey: RecordPublicKey): boolean {
  const pub = publicKeyBytes(publicKey);
  const input = signingInput(record);
  const s = record.signature;
  if (typeof s !== 'string') return false;
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(s, 'signature');
  } catch {
    return false;
  }
  if (sig.length !== 64) return false;
  try {
    return p256.verify(sig, input, pub, { prehash: true, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}
