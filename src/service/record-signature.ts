import { jwkThumbprint, verifyRecordSignature, RECORD_SIG_ALG, type AatRecord, type EcJwk } from '../aat/index.js';
import { KEY_CRV, KEY_KTY, KEY_X, KEY_Y, KTY_EC2 } from '../cose/labels.js';
import type { PublicKey } from '../keys/index.js';
import { toBase64Url } from '../util/bytes.js';

/**
 * The in-record signature check at registration (spec/policy.md check 12a). The service holds only the issuer
 * keys, so it checks a record's own ES256 signature when the record names the issuer's P-256 key as its
 * signer (`signer_kid` = the key's RFC 7638 thumbprint: an agent that signs its records and its statements with
 * one key). Records signed by another key pass unchecked; the offline verifier checks them with the keys an
 * auditor gives (`atlog verify --record-key`).
 */

const P256 = 1; // COSE crv (RFC 9053)
const jwks = new WeakMap<PublicKey, { jwk: EcJwk; kid: string } | null>();

/** The key as a P-256 JWK with its thumbprint, or null for any other key (cached per key object). */
function p256Jwk(key: PublicKey): { jwk: EcJwk; kid: string } | null {
  let v = jwks.get(key);
  if (v === undefined) {
    const m = key.toCoseKey();
    const x = m.get(KEY_X);
    const y = m.get(KEY_Y);
    if (m.get(KEY_KTY) === KTY_EC2 && m.get(KEY_CRV) === P256 && x instanceof Uint8Array && y instanceof Uint8Array) {
      const jwk: EcJwk = { kty: 'EC', crv: 'P-256', x: toBase64Url(x), y: toBase64Url(y) };
      v = { jwk, kid: jwkThumbprint(jwk) };
    } else v = null;
    jwks.set(key, v);
  }
  return v;
}

/**
 * `verified` or `bad` when the record is signed (ES256) and its signer_kid is the issuer key's thumbprint;
 * `unchecked` otherwise (unsigned, another signer, another sig_alg, an issuer key that is not P-256).
 */
export function issuerRecordSignature(record: AatRecord, issuerKey: PublicKey): 'verified' | 'bad' | 'unchecked' {
  if (record.signature === undefined || record.signer_kid === undefined) return 'unchecked';
  if (record.sig_alg !== undefined && record.sig_alg !== RECORD_SIG_ALG) return 'unchecked';
  const k = p256Jwk(issuerKey);
  if (k === null || k.kid !== record.signer_kid) return 'unchecked';
  return verifyRecordSignature(record, k.jwk) ? 'verified' : 'bad';
}
