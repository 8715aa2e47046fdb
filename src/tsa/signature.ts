import type { webcrypto } from 'node:crypto'; // types only: erased, so the module stays browser-safe
import { AtlogError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { BoundedCache } from './cache.js';
import { TAG, children, decodeOid, decodeUint, readOne, type Tlv } from './der.js';
import { HASH_BY_OID, OID } from './oids.js';

/**
 * Signature checks for CMS SignerInfos and X.509 certificates with WebCrypto (`globalThis.crypto.subtle`), so
 * the same code runs in Node and in a browser. RSA PKCS#1 v1.5, RSA-PSS (MGF1 with the same hash) and ECDSA on
 * P-256, P-384 and P-521.
 */

type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
type Scheme =
  | { kind: 'pkcs1'; hash: HashName }
  | { kind: 'pss'; hash: HashName; saltLength: number }
  | { kind: 'ecdsa'; hash: HashName };

function unsupported(what: string): AtlogError {
  return new AtlogError('ERR_TSA_UNSUPPORTED_ALGORITHM', `unsupported ${what}`);
}

function hashOf(oid: string): HashName {
  const h = HASH_BY_OID[oid];
  if (!h) throw unsupported(`digest algorithm ${oid}`);
  return h;
}

/** RFC 4055 section 3.1 RSASSA-PSS-params; only MGF1 with the signature's own hash is accepted. */
function pssScheme(params: Tlv | undefined): Scheme {
  let hash: HashName = 'SHA-1';
  let mgfHash: HashName = 'SHA-1';
  let saltLength = 20;
  for (const p of params ? children(params) : []) {
    const [inner] = children(p);
    if (!inner) continue;
    if (p.tag === 0xa0) hash = hashOf(decodeOid(children(inner)[0]));
    else if (p.tag === 0xa1) {
      const [mgfOid, mgfParams] = children(inner);
      if (!mgfOid || decodeOid(mgfOid) !== OID.mgf1 || !mgfParams) throw unsupported('PSS mask generation function');
      mgfHash = hashOf(decodeOid(children(mgfParams)[0]));
    } else if (p.tag === 0xa2) saltLength = Number(decodeUint(inner));
  }
  if (mgfHash !== hash) throw unsupported('PSS with an MGF1 hash different from the message hash');
  return { kind: 'pss', hash, saltLength };
}

/**
 * Map a signature AlgorithmIdentifier to a scheme. `digestOid` supplies the hash when the identifier names only
 * the key type (rsaEncryption or id-ecPublicKey in a CMS SignerInfo, RFC 5754 section 3).
 */
function schemeOf(sigAlg: Tlv, digestOid: string | undefined): Scheme {
  const [algOid, params] = children(sigAlg);
  if (!algOid) throw new AtlogError('ERR_TSA_MALFORMED', 'empty AlgorithmIdentifier');
  const id = decodeOid(algOid);
  // RFC 5754 3.2 / RFC 4055 5: ECDSA parameters are absent; RSA PKCS#1 v1.5 parameters are NULL (absent tolerated).
  const nullOrAbsent = !params || (params.tag === TAG.NULL && params.value.length === 0);
  if (id !== OID.rsaPss && (id.startsWith('1.2.840.10045.') ? params !== undefined : !nullOrAbsent)) {
    throw new AtlogError('ERR_TSA_MALFORMED', `unexpected parameters for signature algorithm ${id}`);
  }
  switch (id) {
    case OID.sha256WithRsa: return { kind: 'pkcs1', hash: 'SHA-256' };
    case OID.sha384WithRsa: return { kind: 'pkcs1', hash: 'SHA-384' };
    case OID.sha512WithRsa: return { kind: 'pkcs1', hash: 'SHA-512' };
    case OID.ecdsaWithSha256: return { kind: 'ecdsa', hash: 'SHA-256' };
    case OID.ecdsaWithSha384: return { kind: 'ecdsa', hash: 'SHA-384' };
    case OID.ecdsaWithSha512: return { kind: 'ecdsa', hash: 'SHA-512' };
    case OID.rsaPss: return pssScheme(params);
    case OID.rsaEncryption:
    case OID.ecPublicKey:
      if (!digestOid) throw unsupported(`signature algorithm ${id} without a digest`);
      return { kind: id === OID.rsaEncryption ? 'pkcs1' : 'ecdsa', hash: hashOf(digestOid) };
    default:
      throw unsupported(`signature algorithm ${id}`);
  }
}

const CURVES: Record<string, { name: string; size: number }> = {
  [OID.p256]: { name: 'P-256', size: 32 },
  [OID.p384]: { name: 'P-384', size: 48 },
  [OID.p521]: { name: 'P-521', size: 66 },
};

/** X9.62 ECDSA-Sig-Value (DER) to the fixed-size r||s WebCrypto expects; undefined if it cannot be one. */
function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const [r, s, extra] = children(readOne(sig, TAG.SEQUENCE, 'ECDSA-Sig-Value'));
    if (!r || !s || extra || r.tag !== TAG.INTEGER || s.tag !== TAG.INTEGER) return undefined;
    const out = new Uint8Array(2 * size);
    for (const [k, v] of [[0, r.value], [1, s.value]] as const) {
      let b = v;
      while (b.length > 1 && b[0] === 0) b = b.subarray(1);
      if (b.length > size) return undefined;
      out.set(b, (k + 1) * size - b.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Imported keys by algorithm and SPKI: importKey costs about 0.3 ms, several times a verification. */
const KEYS = new BoundedCache<Promise<webcrypto.CryptoKey>>(64);

function importCached(spki: Uint8Array, alg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams): Promise<webcrypto.CryptoKey> {
  const k = `${JSON.stringify(alg)}|${toHex(spki)}`;
  const hit = KEYS.get(k);
  if (hit) return hit;
  const p = globalThis.crypto.subtle.importKey('spki', new Uint8Array(spki), alg, false, ['verify']);
  p.catch(() => KEYS.delete(k));
  return KEYS.set(k, p);
}

/**
 * Verify `signature` over `data` with the key in `spki` (DER SubjectPublicKeyInfo).
 * @returns false when the signature does not verify.
 * @throws AtlogError `ERR_TSA_UNSUPPORTED_ALGORITHM` for algorithms or curves outside the list above,
 *   `ERR_TSA_MALFORMED` when the key cannot be imported.
 */
export async function verifySignature(spki: Uint8Array, sigAlg: Tlv, digestOid: string | undefined, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const scheme = schemeOf(sigAlg, digestOid);
  const [keyAlg] = children(readOne(spki, TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
  const [keyOid, keyParams] = keyAlg ? children(keyAlg) : [];
  if (!keyOid) throw new AtlogError('ERR_TSA_MALFORMED', 'bad SubjectPublicKeyInfo');
  const keyType = decodeOid(keyOid);
  const subtle = globalThis.crypto.subtle;
  const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
  let key: webcrypto.CryptoKey;
  let sig: Uint8Array = signature;
  let params: webcrypto.AlgorithmIdentifier | webcrypto.RsaPssParams | webcrypto.EcdsaParams;
  try {
    if (scheme.kind === 'ecdsa') {
      if (keyType !== OID.ecPublicKey || !keyParams) throw unsupported(`key type ${keyType} for ECDSA`);
      const curve = CURVES[decodeOid(keyParams)];
      if (!curve) throw unsupported('elliptic curve');
      key = await importCached(spki, { name: 'ECDSA', namedCurve: curve.name });
      const raw = ecdsaDerToRaw(signature, curve.size);
      if (!raw) return false;
      sig = raw;
      params = { name: 'ECDSA', hash: scheme.hash };
    } else {
      if (keyType !== OID.rsaEncryption && keyType !== OID.rsaPss) throw unsupported(`key type ${keyType} for RSA`);
      const name = scheme.kind === 'pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      key = await importCached(spki, { name, hash: scheme.hash });
      params = scheme.kind === 'pss' ? { name, saltLength: scheme.saltLength } : { name };
    }
  } catch (e) {
    if (e instanceof AtlogError) throw e;
    throw new AtlogError('ERR_TSA_MALFORMED', 'public key cannot be imported', { cause: e });
  }
  return subtle.verify(params, key, bytes(sig), bytes(data));
}
