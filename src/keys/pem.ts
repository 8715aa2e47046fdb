import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { AlgFamily } from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';
import { concatBytes, equalBytes, fromBase64, toBase64 } from '../util/bytes.js';
import { ecFromKeyObject, keyObjectOf } from './ec.js';
import { mldsaFromSeed, mldsaPublicBytes, mldsaPublicFromRaw, mldsaSeed } from './mldsa.js';
import { isPrivateKey, type PrivateKey, type PublicKey } from './types.js';

/**
 * PEM import and export. P-256, P-384 and Ed25519 go through node:crypto (SPKI, PKCS#8, SEC1 "EC PRIVATE
 * KEY"). ML-DSA, which node 20 does not know, uses RFC 9881 (X.509 ML-DSA): SPKI with the bare id-ml-dsa-*
 * OID and the raw public key; PKCS#8 in the seed-only form `[0] IMPLICIT OCTET STRING (32)`.
 */

const MLDSA_OIDS: { family: AlgFamily; alg: number; oid: Uint8Array }[] = [0x11, 0x12, 0x13].map((last, i) => ({
  family: (['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const)[i]!,
  alg: [-48, -49, -50][i]!,
  // 2.16.840.1.101.3.4.3.{17,18,19}
  oid: Uint8Array.from([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, last]),
}));

function derLen(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n < 0x100) return Uint8Array.of(0x81, n);
  return Uint8Array.of(0x82, n >> 8, n & 0xff);
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), derLen(body.length), body);
}

/** Reads one DER TLV at `pos`; returns its tag, body and end. Short and 1-2 byte long lengths only. */
function readTlv(b: Uint8Array, pos: number): { tag: number; body: Uint8Array; end: number } {
  const bad = (): never => {
    throw new AtlogError('ERR_KEY_INVALID', 'malformed DER in PEM key');
  };
  if (pos + 2 > b.length) bad();
  const tag = b[pos]!;
  let len = b[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 2 || p + n > b.length) bad();
    len = n === 1 ? b[p]! : (b[p]! << 8) | b[p + 1]!;
    p += n;
  }
  if (p + len > b.length) bad();
  return { tag, body: b.subarray(p, p + len), end: p + len };
}

function toPem(label: string, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Tries the RFC 9881 ML-DSA SPKI / PKCS#8 shapes; undefined when `der` is not one. */
function mldsaFromDer(der: Uint8Array, label: string): PublicKey | PrivateKey | undefined {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) return undefined;
  if (label === 'PUBLIC KEY') {
    const algId = readTlv(outer.body, 0);
    const bits = readTlv(outer.body, algId.end);
    const m = MLDSA_OIDS.find((o) => equalBytes(o.oid, algId.body));
    if (!m || bits.tag !== 0x03 || bits.end !== outer.body.length || bits.body[0] !== 0) return undefined;
    return mldsaPublicFromRaw(m.family, bits.body.slice(1));
  }
  const version = readTlv(outer.body, 0);
  const algId = readTlv(outer.body, version.end);
  const priv = readTlv(outer.body, algId.end);
  const m = MLDSA_OIDS.find((o) => equalBytes(o.oid, algId.body));
  if (!m || priv.tag !== 0x04) return undefined;
  const seed = readTlv(priv.body, 0);
  if (seed.tag !== 0x80 || seed.end !== priv.body.length) {
    throw new AtlogError('ERR_KEY_UNSUPPORTED', 'only the seed-only ML-DSA PKCS#8 form is supported');
  }
  return mldsaFromSeed(m.alg, seed.body.slice());
}

/**
 * Imports the first PEM block of `pem`: "PUBLIC KEY" (SPKI), "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1).
 * Optional `alg` binds the key (e.g. -9 for a P-256 key).
 * @throws AtlogError ERR_KEY_INVALID (no PEM block, bad base64 or DER), ERR_KEY_UNSUPPORTED (other key types),
 *   ERR_KEY_ALG_MISMATCH (alg of another family).
 */
export function importPem(pem: string | Uint8Array, alg?: number): PublicKey | PrivateKey {
  const text = typeof pem === 'string' ? pem : new TextDecoder().decode(pem);
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new AtlogError('ERR_KEY_INVALID', 'no PEM block found');
  const label = m[1]!;
  if (!['PUBLIC KEY', 'PRIVATE KEY', 'EC PRIVATE KEY'].includes(label)) {
    throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported PEM block "${label}"`);
  }
  let der: Uint8Array;
  try {
    der = fromBase64(m[2]!.replace(/\s+/g, ''), 'PEM body');
  } catch (e) {
    throw new AtlogError('ERR_KEY_INVALID', 'PEM body is not base64', { cause: e });
  }
  let ko: KeyObject;
  try {
    const buf = Buffer.from(der);
    ko = label === 'PUBLIC KEY'
      ? createPublicKey({ key: buf, format: 'der', type: 'spki' })
      : createPrivateKey({ key: buf, format: 'der', type: label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8' });
  } catch (e) {
    const pq = label === 'EC PRIVATE KEY' ? undefined : mldsaFromDer(der, label);
    if (pq) {
      if (alg !== undefined && alg !== pq.alg) throw new AtlogError('ERR_KEY_ALG_MISMATCH', `alg ${alg} does not fit ${pq.family}`);
      return pq;
    }
    throw new AtlogError('ERR_KEY_INVALID', `cannot parse ${label}`, { cause: e });
  }
  return ecFromKeyObject(ko, alg);
}

/**
 * SPKI PEM ("PUBLIC KEY") of a key's public half.
 * @throws AtlogError ERR_KEY_UNSUPPORTED for key types without an SPKI encoding here.
 */
export function exportSpkiPem(key: PublicKey | PrivateKey): string {
  const pub = isPrivateKey(key) ? key.publicKey : key;
  const ko = keyObjectOf(pub);
  if (ko) return ko.export({ type: 'spki', format: 'pem' }).toString();
  const raw = mldsaPublicBytes(pub);
  const oid = MLDSA_OIDS.find((o) => o.family === pub.family);
  if (!raw || !oid) throw new AtlogError('ERR_KEY_UNSUPPORTED', `no SPKI encoding for ${pub.family}`);
  return toPem('PUBLIC KEY', tlv(0x30, concatBytes(tlv(0x30, oid.oid), tlv(0x03, concatBytes(Uint8Array.of(0), raw)))));
}

/**
 * PKCS#8 PEM ("PRIVATE KEY") of a private key (ML-DSA: seed-only form).
 * @throws AtlogError ERR_KEY_UNSUPPORTED for key types without a PKCS#8 encoding here.
 */
export function exportPkcs8Pem(key: PrivateKey): string {
  const ko = keyObjectOf(key);
  if (ko) return ko.export({ type: 'pkcs8', format: 'pem' }).toString();
  const seed = mldsaSeed(key);
  const oid = MLDSA_OIDS.find((o) => o.family === key.family);
  if (!seed || !oid) throw new AtlogError('ERR_KEY_UNSUPPORTED', `no PKCS#8 encoding for ${key.family}`);
  const body = concatBytes(tlv(0x02, Uint8Array.of(0)), tlv(0x30, oid.oid), tlv(0x04, tlv(0x80, seed)));
  return toPem('PRIVATE KEY', tlv(0x30, body));
}
