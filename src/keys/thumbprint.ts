import { cborEncode } from '../cose/cbor.js';
import {
  KEY_AKP_PUB, KEY_ALG, KEY_CRV, KEY_KTY, KEY_X, KEY_Y, KTY_AKP, KTY_EC2, KTY_OKP,
} from '../cose/labels.js';
import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import type { CoseKeyMap } from './types.js';

/**
 * The members that enter a COSE Key Thumbprint, per key type:
 * RFC 9679 section 4: EC2 = kty, crv, x, y; OKP = kty, crv, x.
 * RFC 9964 (AKP): kty, alg, pub. (Checked against the published ML-DSA examples: their kid is exactly this.)
 */
const REQUIRED: Record<number, readonly number[]> = {
  [KTY_EC2]: [KEY_KTY, KEY_CRV, KEY_X, KEY_Y],
  [KTY_OKP]: [KEY_KTY, KEY_CRV, KEY_X],
  [KTY_AKP]: [KEY_KTY, KEY_ALG, KEY_AKP_PUB],
};

/**
 * RFC 9679 COSE Key Thumbprint: SHA-256 over the deterministic CBOR of the key type's required public
 * members only (kid, key_ops, private parameters are left out).
 * @throws AtlogError ERR_KEY_UNSUPPORTED for an unknown kty, ERR_KEY_INVALID when a required member is absent.
 */
export function thumbprint(key: CoseKeyMap): Uint8Array {
  const kty = key.get(KEY_KTY);
  const labels = typeof kty === 'number' ? REQUIRED[kty] : undefined;
  if (!labels) throw new AtlogError('ERR_KEY_UNSUPPORTED', `no thumbprint rule for kty ${String(kty)}`);
  const m = new Map<number, unknown>();
  for (const l of labels) {
    if (!key.has(l)) throw new AtlogError('ERR_KEY_INVALID', `COSE_Key lacks member ${l} needed for its thumbprint`);
    m.set(l, key.get(l));
  }
  return sha256(cborEncode(m));
}
