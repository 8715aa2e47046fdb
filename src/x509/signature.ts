import { ECDSASigValue, ECParameters, id_ecdsaWithSHA256, id_ecdsaWithSHA384, id_ecdsaWithSHA512, id_ecPublicKey, id_secp256r1, id_secp384r1, id_secp521r1 } from '@peculiar/asn1-ecc';
import {
  RsaSaPssParams,
  id_mgf1,
  id_RSASSA_PSS,
  id_rsaEncryption,
  id_sha1,
  id_sha256,
  id_sha256WithRSAEncryption,
  id_sha384,
  id_sha384WithRSAEncryption,
  id_sha512,
  id_sha512WithRSAEncryption,
} from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { TAG, parseAs } from './asn1.js';
import { BoundedCache } from './cache.js';

/**
 * Signature checks for CMS SignerInfos and X.509 certificates with WebCrypto (`globalThis.crypto.subtle`), so
 * the same code runs in Node and in a browser: RSA PKCS#1 v1.5, RSA-PSS (MGF1 with the same hash) and ECDSA on
 * P-256, P-384 and P-521. Algorithm identifiers and keys are read with @peculiar/asn1-x509, -rsa and -ecc.
 */

type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
// WebCrypto types, taken from the global `crypto` so that no module is imported for them.
type Subtle = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<Subtle['importKey']>>;
type ImportParams = Parameters<Subtle['importKey']>[2];
type VerifyParams = Parameters<Subtle['verify']>[0];
type Scheme = { kind: 'pkcs1'; hash: HashName } | { kind: 'pss'; hash: HashName; saltLength: number } | { kind: 'ecdsa'; hash: HashName };

/** The hash names WebCrypto understands, keyed by digest OID. */
const HASH_BY_OID: Readonly<Record<string, HashName>> = { [id_sha1]: 'SHA-1', [id_sha256]: 'SHA-256', [id_sha384]: 'SHA-384', [id_sha512]: 'SHA-512' };

const BY_OID: Readonly<Record<string, Scheme>> = {
  [id_sha256WithRSAEncryption]: { kind: 'pkcs1', hash: 'SHA-256' },
  [id_sha384WithRSAEncryption]: { kind: 'pkcs1', hash: 'SHA-384' },
  [id_sha512WithRSAEncryption]: { kind: 'pkcs1', hash: 'SHA-512' },
  [id_ecdsaWithSHA256]: { kind: 'ecdsa', hash: 'SHA-256' },
  [id_ecdsaWithSHA384]: { kind: 'ecdsa', hash: 'SHA-384' },
  [id_ecdsaWithSHA512]: { kind: 'ecdsa', hash: 'SHA-512' },
};

const CURVES: Readonly<Record<string, { name: string; size: number }>> = {
  [id_secp256r1]: { name: 'P-256', size: 32 },
  [id_secp384r1]: { name: 'P-384', size: 48 },
  [id_secp521r1]: { name: 'P-521', size: 66 },
};

function unsupported(what: string): AtlogError {
  return new AtlogError('ERR_TSA_UNSUPPORTED_ALGORITHM', `unsupported ${what}`);
}

function hashOf(oid: string): HashName {
  const h = HASH_BY_OID[oid];
  if (!h) throw unsupported(`digest algorithm ${oid}`);
  return h;
}

/** RFC 4055 section 3.1 RSASSA-PSS-params (DEFAULTs SHA-1, MGF1-SHA-1, 20); MGF1 must use the message hash. */
function pssScheme(params: ArrayBuffer): Scheme {
  const p = parseAs(new Uint8Array(params), RsaSaPssParams, 'RSASSA-PSS-params');
  const hash = hashOf(p.hashAlgorithm.algorithm);
  if (p.maskGenAlgorithm.algorithm !== id_mgf1 || !p.maskGenAlgorithm.parameters) throw unsupported('PSS mask generation function');
  const mgfHash = hashOf(parseAs(new Uint8Array(p.maskGenAlgorithm.parameters), AlgorithmIdentifier, 'MGF1 hash').algorithm);
  if (mgfHash !== hash) throw unsupported('PSS with an MGF1 hash different from the message hash');
  return { kind: 'pss', hash, saltLength: p.saltLength };
}

/**
 * Map a signature AlgorithmIdentifier to a scheme. `digestOid` supplies the hash when the identifier names only
 * the key type (rsaEncryption or id-ecPublicKey in a CMS SignerInfo, RFC 5754 section 3).
 */
function schemeOf(alg: AlgorithmIdentifier, digestOid: string | undefined): Scheme {
  const id = alg.algorithm;
  // RFC 5754 3.2 / RFC 4055 5: ECDSA parameters are absent; RSA PKCS#1 v1.5 parameters are NULL (absent tolerated).
  const absent = alg.parameters === undefined;
  if (id !== id_RSASSA_PSS && (id.startsWith('1.2.840.10045.') ? !absent : !(absent || alg.parameters === null))) {
    throw new AtlogError('ERR_TSA_MALFORMED', `unexpected parameters for signature algorithm ${id}`);
  }
  if (id === id_RSASSA_PSS) {
    if (!alg.parameters) throw new AtlogError('ERR_TSA_MALFORMED', 'RSASSA-PSS without parameters');
    return pssScheme(alg.parameters);
  }
  const known = BY_OID[id];
  if (known) return known;
  if (id === id_rsaEncryption || id === id_ecPublicKey) {
    if (!digestOid) throw unsupported(`signature algorithm ${id} without a digest`);
    return { kind: id === id_rsaEncryption ? 'pkcs1' : 'ecdsa', hash: hashOf(digestOid) };
  }
  throw unsupported(`signature algorithm ${id}`);
}

/** X9.62 ECDSA-Sig-Value (DER) to the fixed-size r||s WebCrypto expects; undefined if it cannot be one. */
function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | undefined {
  let v: ECDSASigValue;
  try {
    v = parseAs(sig, ECDSASigValue, 'ECDSA-Sig-Value');
  } catch {
    return undefined;
  }
  const out = new Uint8Array(2 * size);
  for (const [k, part] of [[0, v.r], [1, v.s]] as const) {
    let b = new Uint8Array(part);
    if (b[0]! & 0x80) return undefined; // negative
    while (b.length > 1 && b[0] === 0) b = b.subarray(1);
    if (b.length > size) return undefined;
    out.set(b, (k + 1) * size - b.length);
  }
  return out;
}

/** A SubjectPublicKeyInfo's algorithm and curve, by content (the same few TSA keys recur). */
const KEY_INFO = new BoundedCache<{ type: string; curve?: string }>(64);

function keyInfo(spki: Uint8Array, hex: string): { type: string; curve?: string } {
  const hit = KEY_INFO.get(hex);
  if (hit) return hit;
  const { algorithm } = parseAs(spki, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  const curve = algorithm.algorithm === id_ecPublicKey && algorithm.parameters ? parseAs(new Uint8Array(algorithm.parameters), ECParameters, 'ECParameters', TAG.OID).namedCurve : undefined;
  return KEY_INFO.set(hex, { type: algorithm.algorithm, ...(curve ? { curve } : {}) });
}

/** Imported keys by algorithm and SPKI: importKey costs about 0.3 ms, several times a verification. */
const KEYS = new BoundedCache<Promise<CryptoKey>>(64);

function importCached(spki: Uint8Array, hex: string, alg: ImportParams): Promise<CryptoKey> {
  const k = `${JSON.stringify(alg)}|${hex}`;
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
 *   `ERR_TSA_MALFORMED` when the algorithm parameters or the key cannot be read.
 */
export async function verifySignature(spki: Uint8Array, alg: AlgorithmIdentifier, digestOid: string | undefined, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const scheme = schemeOf(alg, digestOid);
  const hex = toHex(spki);
  const key = keyInfo(spki, hex);
  let cryptoKey: CryptoKey;
  let sig: Uint8Array | undefined = signature;
  let params: VerifyParams;
  try {
    if (scheme.kind === 'ecdsa') {
      if (key.type !== id_ecPublicKey) throw unsupported(`key type ${key.type} for ECDSA`);
      const curve = key.curve ? CURVES[key.curve] : undefined;
      if (!curve) throw unsupported('elliptic curve');
      cryptoKey = await importCached(spki, hex, { name: 'ECDSA', namedCurve: curve.name });
      sig = ecdsaDerToRaw(signature, curve.size);
      params = { name: 'ECDSA', hash: scheme.hash };
    } else {
      if (key.type !== id_rsaEncryption && key.type !== id_RSASSA_PSS) throw unsupported(`key type ${key.type} for RSA`);
      const name = scheme.kind === 'pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      cryptoKey = await importCached(spki, hex, { name, hash: scheme.hash });
      params = scheme.kind === 'pss' ? { name, saltLength: scheme.saltLength } : { name };
    }
  } catch (e) {
    if (e instanceof AtlogError) throw e;
    throw new AtlogError('ERR_TSA_MALFORMED', 'public key cannot be imported', { cause: e });
  }
  if (!sig) return false;
  return globalThis.crypto.subtle.verify(params, cryptoKey, new Uint8Array(sig), new Uint8Array(data));
}
