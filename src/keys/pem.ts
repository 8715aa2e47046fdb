import { OneAsymmetricKey } from '@peculiar/asn1-asym-key';
import { ECParameters, ECPrivateKey, id_ecPublicKey, id_secp256r1, id_secp384r1 } from '@peculiar/asn1-ecc';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { concatBytes, equalBytes, fromBase64, toBase64 } from '../util/bytes.js';
import { curveOfFamily, ecPrivateFromD, ecPublicFromRaw, ecRawPublic, ecSecret, type Curve } from './ec.js';
import { mldsaFromSeed, mldsaPublicBytes, mldsaPublicFromRaw, mldsaSeed, MLDSA_SEED_LEN } from './mldsa.js';
import { isPrivateKey, type PrivateKey, type PublicKey } from './types.js';

/**
 * PEM import and export, without Node: DER through @peculiar/asn1-schema (SubjectPublicKeyInfo, RFC 5958
 * OneAsymmetricKey, RFC 5915 ECPrivateKey), points and scalars through src/keys/ec.ts.
 * - P-256 / P-384: RFC 5480 SPKI (id-ecPublicKey + named curve), PKCS#8 around an ECPrivateKey, and SEC1
 *   "EC PRIVATE KEY". Exports are byte-for-byte what OpenSSL (node:crypto) writes for the same key.
 * - Ed25519: RFC 8410 SPKI and PKCS#8 (CurvePrivateKey, the 32-byte seed).
 * - ML-DSA: RFC 9881 SPKI with the bare id-ml-dsa-* OID and the raw public key; PKCS#8 in the seed-only form
 *   `[0] IMPLICIT OCTET STRING (32)`.
 */

/** RFC 8410 id-Ed25519. */
const ID_ED25519 = '1.3.101.112';
/** RFC 9881 / NIST CSOR: id-ml-dsa-44, -65, -87 (2.16.840.1.101.3.4.3.17-19) and their COSE algs. */
const MLDSA = [
  { oid: '2.16.840.1.101.3.4.3.17', family: 'ML-DSA-44', alg: -48 },
  { oid: '2.16.840.1.101.3.4.3.18', family: 'ML-DSA-65', alg: -49 },
  { oid: '2.16.840.1.101.3.4.3.19', family: 'ML-DSA-87', alg: -50 },
] as const;
const CURVE_OIDS: Record<string, Curve> = { [id_secp256r1]: curveOfFamily('P-256'), [id_secp384r1]: curveOfFamily('P-384') };

function invalid(msg: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_KEY_INVALID', msg, { cause });
}

/**
 * Parses DER into `type`, requiring DER exactly: the value must re-encode to the same bytes (no trailing data,
 * no BER-only forms), so one key has one accepted encoding.
 * @throws AtlogError ERR_KEY_INVALID.
 */
function parseDer<T>(der: Uint8Array, type: new () => T, what: string): T {
  let v: T;
  try {
    v = AsnConvert.parse(der, type);
  } catch (e) {
    throw invalid(`malformed ${what}`, e);
  }
  if (!equalBytes(new Uint8Array(AsnConvert.serialize(v)), der)) throw invalid(`${what} is not DER`);
  return v;
}

function bytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The curve of a named-curve OID. @throws AtlogError ERR_KEY_UNSUPPORTED for other curves. */
function curveByOid(oid: string | undefined): Curve {
  const c = oid === undefined ? undefined : CURVE_OIDS[oid];
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported EC curve ${oid ?? '(not a named curve)'}`);
  return c;
}

/** The curve named by ECParameters DER (an AlgorithmIdentifier's parameters). */
function namedCurve(params: ArrayBuffer | null | undefined): Curve {
  return curveByOid(params ? parseDer(bytes(params), ECParameters, 'EC parameters').namedCurve : undefined);
}

function fromSpki(der: Uint8Array, alg: number | undefined): PublicKey {
  const spki = parseDer(der, SubjectPublicKeyInfo, 'SubjectPublicKeyInfo');
  const oid = spki.algorithm.algorithm;
  const raw = bytes(spki.subjectPublicKey);
  if (oid === id_ecPublicKey) return ecPublicFromRaw(namedCurve(spki.algorithm.parameters), raw, alg);
  if (oid === ID_ED25519) return ecPublicFromRaw(curveOfFamily('Ed25519'), raw, alg);
  const m = MLDSA.find((x) => x.oid === oid);
  if (!m) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported public key algorithm ${oid}`);
  return checkAlg(mldsaPublicFromRaw(m.family, raw), alg);
}

/** An RFC 5915 ECPrivateKey; `curve` comes from the PKCS#8 algorithm when wrapped, else from the key itself. */
function fromEcPrivateKey(der: Uint8Array, curve: Curve | undefined, alg: number | undefined): PrivateKey {
  const k = parseDer(der, ECPrivateKey, 'ECPrivateKey');
  if (k.version !== 1) throw invalid(`ECPrivateKey version must be 1, got ${k.version}`);
  const own = k.parameters ? curveByOid(k.parameters.namedCurve) : undefined;
  if (curve && own && own !== curve) throw invalid('ECPrivateKey curve differs from the PKCS#8 algorithm');
  const c = curve ?? own ?? curveByOid(undefined);
  const d = bytes(k.privateKey);
  if (d.length !== c.size) throw invalid(`${c.family} private key must be ${c.size} bytes`);
  const key = ecPrivateFromD(c, d, alg);
  if (k.publicKey && !equalBytes(bytes(k.publicKey), ecRawPublic(key)!.raw)) throw invalid('public key does not belong to d');
  return key;
}

function fromPkcs8(der: Uint8Array, alg: number | undefined): PrivateKey {
  const p8 = parseDer(der, OneAsymmetricKey, 'PKCS#8 PrivateKeyInfo');
  const oid = p8.privateKeyAlgorithm.algorithm;
  const inner = bytes(p8.privateKey);
  let key: PrivateKey;
  if (oid === id_ecPublicKey) {
    key = fromEcPrivateKey(inner, namedCurve(p8.privateKeyAlgorithm.parameters), alg);
  } else if (oid === ID_ED25519) {
    key = ecPrivateFromD(curveOfFamily('Ed25519'), ed25519Seed(inner), alg);
  } else {
    const m = MLDSA.find((x) => x.oid === oid);
    if (!m) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported private key algorithm ${oid}`);
    // RFC 9881 ML-DSA-PrivateKey CHOICE: only `seed [0] IMPLICIT OCTET STRING (SIZE (32))` is accepted.
    if (inner.length !== 2 + MLDSA_SEED_LEN || inner[0] !== 0x80 || inner[1] !== MLDSA_SEED_LEN) {
      throw new AtlogError('ERR_KEY_UNSUPPORTED', 'only the seed-only ML-DSA PKCS#8 form is supported');
    }
    key = checkAlg(mldsaFromSeed(m.alg, inner.slice(2)), alg);
  }
  const pub = p8.publicKey ? bytes(p8.publicKey) : undefined;
  if (pub && !equalBytes(pub, ecRawPublic(key)?.raw ?? mldsaPublicBytes(key)!)) throw invalid('public key does not belong to the private key');
  return key;
}

/** RFC 8410 CurvePrivateKey ::= OCTET STRING (the 32-byte seed). */
function ed25519Seed(der: Uint8Array): Uint8Array {
  const seed = bytes(parseDer(der, OctetString, 'Ed25519 CurvePrivateKey'));
  if (seed.length !== 32) throw invalid('Ed25519 private key must be 32 bytes');
  return seed;
}

function checkAlg<K extends PublicKey | PrivateKey>(key: K, alg: number | undefined): K {
  if (alg !== undefined && alg !== key.alg) throw new AtlogError('ERR_KEY_ALG_MISMATCH', `alg ${alg} does not fit ${key.family}`);
  return key;
}

function toPem(label: string, der: ArrayBuffer): string {
  const lines = toBase64(new Uint8Array(der)).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Imports the first PEM block of `pem`: "PUBLIC KEY" (SPKI), "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1).
 * Optional `alg` binds the key (e.g. -9 for a P-256 key).
 * @throws AtlogError ERR_KEY_INVALID (no PEM block, bad base64 or DER, bad point or scalar),
 *   ERR_KEY_UNSUPPORTED (other key types and curves), ERR_KEY_ALG_MISMATCH (alg of another family).
 */
export function importPem(pem: string | Uint8Array, alg?: number): PublicKey | PrivateKey {
  const text = typeof pem === 'string' ? pem : new TextDecoder().decode(pem);
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw invalid('no PEM block found');
  const label = m[1]!;
  if (!['PUBLIC KEY', 'PRIVATE KEY', 'EC PRIVATE KEY'].includes(label)) {
    throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported PEM block "${label}"`);
  }
  let der: Uint8Array;
  try {
    der = fromBase64(m[2]!.replace(/\s+/g, ''), 'PEM body');
  } catch (e) {
    throw invalid('PEM body is not base64', e);
  }
  if (label === 'PUBLIC KEY') return fromSpki(der, alg);
  return label === 'PRIVATE KEY' ? fromPkcs8(der, alg) : fromEcPrivateKey(der, undefined, alg);
}

function ecAlgorithm(curve: Curve): AlgorithmIdentifier {
  if (curve.family === 'Ed25519') return new AlgorithmIdentifier({ algorithm: ID_ED25519 });
  const namedCurve = curve.family === 'P-256' ? id_secp256r1 : id_secp384r1;
  return new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: AsnConvert.serialize(new ECParameters({ namedCurve })) });
}

function mldsaAlgorithm(key: PublicKey | PrivateKey): AlgorithmIdentifier {
  const m = MLDSA.find((x) => x.family === key.family);
  if (!m) throw new AtlogError('ERR_KEY_UNSUPPORTED', `no DER encoding for ${key.family}`);
  return new AlgorithmIdentifier({ algorithm: m.oid });
}

function buffer(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer as ArrayBuffer;
}

/**
 * SPKI PEM ("PUBLIC KEY") of a key's public half.
 * @throws AtlogError ERR_KEY_UNSUPPORTED for key types without an SPKI encoding here.
 */
export function exportSpkiPem(key: PublicKey | PrivateKey): string {
  const pub = isPrivateKey(key) ? key.publicKey : key;
  const ec = ecRawPublic(pub);
  const spki = ec
    ? new SubjectPublicKeyInfo({ algorithm: ecAlgorithm(ec.curve), subjectPublicKey: buffer(ec.raw) })
    : new SubjectPublicKeyInfo({ algorithm: mldsaAlgorithm(pub), subjectPublicKey: buffer(mldsaPublicBytes(pub)!) });
  return toPem('PUBLIC KEY', AsnConvert.serialize(spki));
}

/**
 * PKCS#8 PEM ("PRIVATE KEY") of a private key (EC: with its public key inside the ECPrivateKey, as OpenSSL
 * writes it; ML-DSA: seed-only form).
 * @throws AtlogError ERR_KEY_UNSUPPORTED for key types without a PKCS#8 encoding here.
 */
export function exportPkcs8Pem(key: PrivateKey): string {
  const ec = ecRawPublic(key);
  const d = ecSecret(key);
  let inner: ArrayBuffer;
  let algorithm: AlgorithmIdentifier;
  if (ec && d) {
    algorithm = ecAlgorithm(ec.curve);
    inner = ec.curve.family === 'Ed25519'
      ? AsnConvert.serialize(new OctetString(d))
      : AsnConvert.serialize(new ECPrivateKey({ version: 1, privateKey: new OctetString(d), publicKey: buffer(ec.raw) }));
  } else {
    const seed = mldsaSeed(key);
    if (!seed) throw new AtlogError('ERR_KEY_UNSUPPORTED', `no PKCS#8 encoding for ${key.family}`);
    algorithm = mldsaAlgorithm(key);
    inner = buffer(concatBytes(Uint8Array.of(0x80, MLDSA_SEED_LEN), seed));
  }
  const p8 = Object.assign(new OneAsymmetricKey(), { version: 0, privateKeyAlgorithm: algorithm, privateKey: inner });
  return toPem('PRIVATE KEY', AsnConvert.serialize(p8));
}
