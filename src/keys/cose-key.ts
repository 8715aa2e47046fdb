import { cborDecode, cborEncode } from '../cose/cbor.js';
import { KEY_AKP_PRIV, KEY_ALG, KEY_D, KEY_KID, KEY_KTY, KTY_AKP, KTY_EC2, KTY_OKP } from '../cose/labels.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { ecPrivateFromCose, ecPublicFromCose } from './ec.js';
import { mldsaFromSeed, mldsaPublicFromCose } from './mldsa.js';
import type { CoseKeyMap, PrivateKey, PublicKey } from './types.js';

/** Largest COSE_Key / COSE_KeySet accepted (an ML-DSA-87 key is ~2.7 KB). */
const MAX_KEY_BYTES = 1024 * 1024;

function asKeyMap(v: unknown): CoseKeyMap {
  if (!(v instanceof Map)) throw new AtlogError('ERR_KEY_INVALID', 'a COSE_Key must be a CBOR map');
  for (const k of v.keys()) {
    if (typeof k !== 'number' && typeof k !== 'string') throw new AtlogError('ERR_KEY_INVALID', 'COSE_Key labels must be int or tstr');
  }
  return v as CoseKeyMap;
}

function kidOf(m: CoseKeyMap): Uint8Array | undefined {
  const kid = m.get(KEY_KID);
  if (kid === undefined) return undefined;
  if (kid instanceof Uint8Array) return kid;
  // Some deployments use text kids; COSE says bstr, so carry the UTF-8 bytes.
  if (typeof kid === 'string') return new TextEncoder().encode(kid);
  throw new AtlogError('ERR_KEY_INVALID', 'COSE_Key kid (2) must be a bstr');
}

/**
 * Imports one COSE_Key (RFC 9052 section 7): EC2 P-256/P-384, OKP Ed25519, AKP ML-DSA-44/65/87 (RFC 9964).
 * A key with private material (`d`, or AKP `-2`) yields a PrivateKey, otherwise a PublicKey. `kid` is the
 * key's own kid (label 2) when present, otherwise its RFC 9679 thumbprint.
 * @throws AtlogError ERR_KEY_INVALID (shape, lengths, point, pub/priv mismatch), ERR_KEY_UNSUPPORTED (kty, crv),
 *   ERR_KEY_ALG_MISMATCH (alg that does not fit the key), ERR_CBOR_* for malformed bytes.
 */
export function importCoseKey(input: Uint8Array | Map<unknown, unknown>): PublicKey | PrivateKey {
  const m = asKeyMap(input instanceof Uint8Array ? cborDecode(input, { maxBytes: MAX_KEY_BYTES }) : input);
  const kty = m.get(KEY_KTY);
  const kid = kidOf(m);
  if (kty === KTY_EC2 || kty === KTY_OKP) return m.has(KEY_D) ? ecPrivateFromCose(m, kid) : ecPublicFromCose(m, kid);
  if (kty === KTY_AKP) {
    if (m.has(KEY_AKP_PRIV)) return mldsaFromSeed(m.get(KEY_ALG), m.get(KEY_AKP_PRIV), kid, m.get(-1));
    return mldsaPublicFromCose(m, kid);
  }
  throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported COSE key type ${String(kty)}`);
}

/**
 * Imports a COSE_KeySet (a CBOR array of COSE_Keys). Keys of unsupported types are skipped (RFC 9052
 * section 7: a recipient ignores keys it does not understand); malformed supported keys are errors.
 * @throws AtlogError ERR_KEY_INVALID when the input is not an array of maps or a key is malformed,
 *   ERR_KEY_SET_EMPTY when no usable key remains, ERR_CBOR_* for malformed bytes.
 */
export function importCoseKeySet(bytes: Uint8Array): (PublicKey | PrivateKey)[] {
  const arr = cborDecode(bytes, { maxBytes: MAX_KEY_BYTES });
  if (!Array.isArray(arr)) throw new AtlogError('ERR_KEY_INVALID', 'a COSE_KeySet must be a CBOR array');
  const out: (PublicKey | PrivateKey)[] = [];
  for (const item of arr) {
    try {
      out.push(importCoseKey(asKeyMap(item)));
    } catch (e) {
      if (isAtlogError(e, 'ERR_KEY_UNSUPPORTED')) continue;
      throw e;
    }
  }
  if (out.length === 0) throw new AtlogError('ERR_KEY_SET_EMPTY', 'the COSE_KeySet holds no supported key');
  return out;
}

/** Deterministic CBOR of the key's COSE_Key (private keys include their private material). */
export function exportCoseKey(key: PublicKey | PrivateKey): Uint8Array {
  return cborEncode(key.toCoseKey());
}

/** Deterministic CBOR COSE_KeySet of the public halves of `keys` (private material is never exported here). */
export function exportCoseKeySet(keys: readonly (PublicKey | PrivateKey)[]): Uint8Array {
  return cborEncode(keys.map((k) => ('publicKey' in k ? k.publicKey : k).toCoseKey()));
}
