import { AtlogError } from '../errors.js';
import { algById } from '../cose/algorithms.js';
import { toBeSigned } from '../cose/sign1.js';
import type { PublicKey } from '../keys/index.js';
import { equalBytes, toBase64Url } from '../util/bytes.js';

/**
 * Which service keys may have signed a receipt, and the signature check itself. A receipt names its key by
 * kid (RFC 9679 thumbprint for atlog); receipts without a kid (e.g. the scitt-rfc9162 vectors) are tried
 * against every trusted key of the same algorithm family.
 */

/**
 * The trusted keys that could have produced a signature with `alg` and `kid`.
 * @throws AtlogError ERR_RECEIPT_UNSUPPORTED_ALG when atlog cannot verify `alg` at all;
 *   ERR_RECEIPT_UNKNOWN_KEY when no trusted key matches.
 */
export function candidateKeys(keys: readonly PublicKey[], alg: number, kid: Uint8Array | undefined): PublicKey[] {
  if (algById(alg) === undefined) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_ALG', `receipt algorithm ${alg} is not supported`);
  // a kid matches the key's own kid or its RFC 9679 thumbprint (keys imported without a kid)
  const out = keys.filter((k) => k.supportsAlg(alg) && (kid === undefined || equalBytes(k.kid, kid) || equalBytes(k.thumbprint, kid)));
  if (out.length === 0) {
    throw new AtlogError('ERR_RECEIPT_UNKNOWN_KEY', `no trusted service key for alg ${alg}${kid ? ` and kid ${toBase64Url(kid)}` : ''}`, {
      details: { alg, kid: kid ? toBase64Url(kid) : undefined },
    });
  }
  return out;
}

/**
 * Check a COSE_Sign1 signature over the detached `payload` with any of `keys`; returns the key that verified.
 * Verification failures and exceptions of a key implementation both count as "did not verify" (fail closed).
 */
export function verifyWithAny(keys: readonly PublicKey[], protectedBytes: Uint8Array, payload: Uint8Array, signature: Uint8Array): PublicKey | undefined {
  const tbs = toBeSigned(protectedBytes, payload);
  for (const k of keys) {
    try {
      if (k.verify(tbs, signature)) return k;
    } catch {
      // a malformed signature for this key type: try the next key
    }
  }
  return undefined;
}
