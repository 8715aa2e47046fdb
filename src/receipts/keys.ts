import { AtlogError } from '../errors.js';
import { algById } from '../cose/algorithms.js';
import { toBeSigned } from '../cose/sign1.js';
import type { PublicKey } from '../keys/index.js';
import { equalBytes, toBase64Url } from '../util/bytes.js';

/**
 * Which service keys may have signed a receipt, and the signature check itself (spec/receipts.md "Which key").
 * A receipt's kid is a hint, the signature decides: a key with its own kid is tried when the receipt names it
 * (or its RFC 9679 thumbprint, atlog's kid); a key given without a kid (PEM, COSE_Key without label 2) is tried
 * whatever kid the receipt names, since another service names its keys its own way; receipts without a kid
 * (e.g. the scitt-rfc9162 vectors) are tried against every trusted key of the same algorithm family.
 */

/** The keys to try, in order, and whether the receipt's kid named one of them (true when it has no kid). */
export interface Candidates {
  readonly keys: readonly PublicKey[];
  readonly named: boolean;
  readonly alg: number;
  readonly kid: Uint8Array | undefined;
}

function unknownKey(alg: number, kid: Uint8Array | undefined, tried: number): AtlogError {
  const also = tried > 0 ? `; ${tried} trusted key(s) without a kid of their own did not verify it either` : '';
  return new AtlogError('ERR_RECEIPT_UNKNOWN_KEY', `no trusted service key for alg ${alg}${kid ? ` and kid ${toBase64Url(kid)}` : ''}${also}`, {
    details: { alg, kid: kid ? toBase64Url(kid) : undefined },
  });
}

/**
 * The trusted keys that could have produced a signature with `alg` and `kid`: the keys the kid names first,
 * then those that came without a kid of their own.
 * @throws AtlogError ERR_RECEIPT_UNSUPPORTED_ALG when atlog cannot verify `alg` at all;
 *   ERR_RECEIPT_UNKNOWN_KEY when no trusted key can be tried.
 */
export function candidateKeys(keys: readonly PublicKey[], alg: number, kid: Uint8Array | undefined): Candidates {
  if (algById(alg) === undefined) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_ALG', `receipt algorithm ${alg} is not supported`);
  const family = keys.filter((k) => k.supportsAlg(alg));
  if (kid === undefined) {
    if (family.length === 0) throw unknownKey(alg, kid, 0);
    return { keys: family, named: true, alg, kid };
  }
  const named = family.filter((k) => equalBytes(k.kid, kid) || equalBytes(k.thumbprint, kid));
  const out = [...named, ...family.filter((k) => !k.kidGiven && !named.includes(k))];
  if (out.length === 0) throw unknownKey(alg, kid, 0);
  return { keys: out, named: named.length > 0, alg, kid };
}

/**
 * The error for a signature that none of `c.keys` verified. When the kid named none of them (only keys without
 * a kid were tried), the receipt is by a key the verifier does not know: ERR_RECEIPT_UNKNOWN_KEY. Otherwise a
 * named key refused the signature, and `otherwise` says what that means for the caller.
 */
export function unverified(c: Candidates, otherwise: AtlogError): AtlogError {
  return c.named ? otherwise : unknownKey(c.alg, c.kid, c.keys.length);
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
