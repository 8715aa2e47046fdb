import { p256 } from '@noble/curves/nist.js';
import { signMessage, verifySignature } from '../crypto/signatures.js';
import { AtlogError } from '../errors.js';
import { concatBytes, fromBase64Url, toBase64Url } from '../util/bytes.js';
import { sha256 } from '../crypto/sha256.js';
import { canonicalBytes } from './jcs.js';
import type { AatRecord } from './types.js';
import { LATEST_DRAFT } from './validate.js';

/**
 * Optional in-record signature (draft Section 6.2; STANDARDS "Agent Audit Trail records"): ECDSA P-256 with
 * SHA-256 over JCS(record without `signature`, `signature_classical` and a detached `batch`), IEEE P1363
 * `r || s` (64 bytes), base64url without padding, in the top-level `signature` member. The signer's key id is
 * `signer_kid` (draft -04; from -06 the RFC 7638 JWK thumbprint) and -06 adds `sig_alg` ("ES256"); both are
 * set before signing, so the signature covers them. Keys are checked with
 * @noble/curves; signing and verification take the same path as COSE signatures (src/crypto/signatures.ts).
 */

/** The only `sig_alg` atlog signs and verifies (draft -06 Section 6.2). */
export const RECORD_SIG_ALG = 'ES256';

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
    d = key.slice(); // our own copy: a signature backend may cache per key array, and the caller may reuse theirs
  } else {
    checkJwk(key);
    d = jwkMember(key, 'd');
  }
  if (!p256.utils.isValidSecretKey(d)) throw badKey('private key is not a valid P-256 scalar');
  return d;
}

/**
 * The public key as uncompressed SEC1 bytes (65), checked to be a point on P-256 (a compressed key is expanded).
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
    const point = p256.Point.fromBytes(pub);
    point.assertValidity();
    return point.toBytes(false);
  } catch (cause) {
    throw new AtlogError('ERR_AAT_KEY', 'public key is not a point on P-256', { cause });
  }
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

/**
 * The public key as a JWK with exactly the RFC 7638 members (crv, kty, x, y).
 * @throws AtlogError `ERR_AAT_KEY` as {@link publicKeyBytes}.
 */
export function publicJwk(key: RecordPublicKey): Required<Omit<EcJwk, 'd'>> {
  const point = p256.Point.fromBytes(publicKeyBytes(key)).toBytes(false);
  return { kty: 'EC', crv: 'P-256', x: toBase64Url(point.subarray(1, 33)), y: toBase64Url(point.subarray(33, 65)) };
}

/**
 * RFC 7638 JWK thumbprint (SHA-256) of a P-256 public key, unpadded base64url: the -06 `signer_kid`. RFC 7638
 * Section 3 hashes the required members in lexicographic order without whitespace, which is their JCS form.
 * @throws AtlogError `ERR_AAT_KEY` for a malformed key.
 */
export function jwkThumbprint(key: RecordPublicKey): string {
  return toBase64Url(sha256(canonicalBytes(publicJwk(key))));
}

/**
 * The bytes the signature covers: JCS of the record without its signature values (`signature`,
 * `signature_classical`) and without a detached `batch` (draft -06 Section 6.2).
 */
export function signingInput(record: object): Uint8Array {
  const { signature: _s, signature_classical: _c, batch: _b, ...rest } = record as Record<string, unknown>;
  return canonicalBytes(rest);
}

export interface SignRecordOptions {
  /** `signer_kid` to set. Default from draft 6: the key's RFC 7638 thumbprint; before 6: none. */
  kid?: string;
  /** Revision whose signing rules apply (default the latest, 6): from 6 `sig_alg` and `signer_kid` are set. */
  draft?: number;
}

/**
 * A copy of `record` signed with `key` (any previous `signature` replaced). From draft 6 (the default) `sig_alg`
 * = "ES256" and `signer_kid` (`opts.kid`, else the key's RFC 7638 thumbprint) are set first so the signature
 * covers them; before 6 only `opts.kid`, when given. Sign a record before chaining the next one to it: the next
 * record's prev_hash covers the signature.
 * @throws AtlogError `ERR_AAT_KEY` for a bad key; `ERR_AAT_NOT_JSON` when the record is not JSON.
 */
export function signRecord<T extends AatRecord>(record: T, key: RecordPrivateKey, opts: SignRecordOptions = {}): T {
  const d = privateScalar(key);
  const { signature: _old, ...unsigned } = record;
  const members = unsigned as Record<string, unknown>;
  const pub = p256.getPublicKey(d, false);
  if ((opts.draft ?? LATEST_DRAFT) >= 6) {
    members['sig_alg'] = RECORD_SIG_ALG;
    members['signer_kid'] = opts.kid ?? jwkThumbprint(pub);
  } else if (opts.kid !== undefined) members['signer_kid'] = opts.kid;
  // ECDSA over SHA-256(input), i.e. ES256, low-S (-06 requires it; every backend normalises S).
  const sig = signMessage('P-256', d, pub, signingInput(unsigned));
  return { ...unsigned, signature: toBase64Url(sig) } as T;
}

export interface VerifyRecordSignatureOptions {
  /**
   * Refuse high-S signatures. Default: when the record names `sig_alg` (a -06 signer, which must emit low S);
   * records of earlier revisions, whose signers did not normalise S, are checked without it (spec/aat.md 3).
   */
  lowS?: boolean;
}

/**
 * True when `record.signature` is a valid P1363 signature by `publicKey` over the record; false when it is
 * absent, not unpadded base64url, not 64 bytes, high-S where low S is required, names a `sig_alg` other than
 * ES256, or does not verify.
 * @throws AtlogError `ERR_AAT_KEY` for a malformed key; `ERR_AAT_NOT_JSON` when the record is not JSON.
 */
export function verifyRecordSignature(record: AatRecord, publicKey: RecordPublicKey, opts: VerifyRecordSignatureOptions = {}): boolean {
  const pub = publicKeyBytes(publicKey);
  const input = signingInput(record);
  const s = record.signature;
  if (typeof s !== 'string') return false;
  if (record.sig_alg !== undefined && record.sig_alg !== RECORD_SIG_ALG) return false;
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(s, 'signature');
  } catch {
    return false;
  }
  if (sig.length !== 64) return false;
  const lowS = opts.lowS ?? record.sig_alg !== undefined;
  if (lowS && highS(sig)) return false;
  return verifySignature('P-256', pub, input, sig);
}

function highS(sig: Uint8Array): boolean {
  try {
    return p256.Signature.fromBytes(sig, 'compact').hasHighS();
  } catch {
    return false;
  }
}

/** True when a 64-byte P1363 signature's S is above n/2 (what -06 forbids). False for anything unparseable. */
export function isHighS(signature: string): boolean {
  try {
    const sig = fromBase64Url(signature, 'signature');
    return sig.length === 64 && highS(sig);
  } catch {
    return false;
  }
}
