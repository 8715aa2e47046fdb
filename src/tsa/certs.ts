import { sha1 } from '@noble/hashes/legacy.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { TAG, bool, children, generalizedTime, octets, oid, readOne, seq, setOf, tlv, uint } from './der.js';
import { parseCert } from './cert.js';
import { ECDSA_SHA256_ALG } from './issue.js';
import { OID } from './oids.js';

/**
 * Certificates for the embedded TSA (node-only: node:crypto makes and uses the keys): a self-signed root CA and
 * a TSA certificate it issues, both ECDSA P-256 with SHA-256, built field by field per RFC 5280 4.1.
 * RFC 3161 section 2.3: the TSA certificate carries exactly one extendedKeyUsage, id-kp-timeStamping, marked
 * critical. Tests use the `eku` and validity options to make certificates a verifier must refuse.
 */

export interface TsaCredentials {
  /** DER of the root CA certificate (what auditors pin). */
  readonly rootDer: Uint8Array;
  /** PKCS#8 DER of the root key; kept so the TSA certificate can be renewed. Absent when not held. */
  readonly rootKeyPkcs8?: Uint8Array;
  /** DER of the TSA (signer) certificate. */
  readonly tsaDer: Uint8Array;
  /** PKCS#8 DER of the TSA signing key. */
  readonly tsaKeyPkcs8: Uint8Array;
}

export interface CreateCredentialsOptions {
  /** Common name prefix for both certificates. Default "atlog embedded TSA". */
  name?: string;
  /** EKU form of the TSA certificate. Default "critical" (the only form RFC 3161 allows). */
  eku?: 'critical' | 'noncritical' | 'none';
  /** TSA certificate validity. Default: one hour ago to ten years from now. */
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse this root (renewal) instead of making a new one. */
  root?: { der: Uint8Array; keyPkcs8: Uint8Array };
}

const HOUR = 3600_000;
const YEAR = 365 * 24 * HOUR;

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function certTime(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  if (y >= 2050) return generalizedTime(new Date(Math.floor(d.getTime() / 1000) * 1000));
  const iso = d.toISOString();
  const s = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tlv(0x17, new TextEncoder().encode(s));
}

function name(cn: string): Uint8Array {
  return seq(setOf(TAG.SET, [seq(oid('2.5.4.3'), tlv(TAG.UTF8, new TextEncoder().encode(cn)))]));
}

function ext(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
function keyId(spki: Uint8Array): Uint8Array {
  const bits = children(readOne(spki, TAG.SEQUENCE, 'spki'))[1]!;
  return sha1(bits.value.subarray(1));
}

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
}

function issueCert(o: { subject: Uint8Array; issuer: Uint8Array; spki: Uint8Array; issuerSpki: Uint8Array; signer: KeyObject; notBefore: Date; notAfter: Date; extensions: Uint8Array[] }): Uint8Array {
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = seq(
    tlv(0xa0, uint(2n)), // v3
    uint(BigInt(`0x${serial.toString('hex')}`) || 1n),
    ECDSA_SHA256_ALG,
    o.issuer,
    seq(certTime(o.notBefore), certTime(o.notAfter)),
    o.subject,
    o.spki,
    tlv(0xa3, seq(...o.extensions, ext('2.5.29.14', false, octets(keyId(o.spki))), ext('2.5.29.35', false, seq(tlv(0x80, keyId(o.issuerSpki)))))),
  );
  const sig = new Uint8Array(sign('sha256', tbs, o.signer));
  return seq(tbs, ECDSA_SHA256_ALG, tlv(TAG.BIT_STRING, Uint8Array.of(0), sig));
}

const pkcs8 = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ format: 'der', type: 'pkcs8' }));

/**
 * Generate embedded-TSA credentials (ECDSA P-256).
 * @throws AtlogError `ERR_TSA_MALFORMED` when a given root does not parse.
 */
export function createTsaCredentials(opts: CreateCredentialsOptions = {}): TsaCredentials {
  const cn = opts.name ?? 'atlog embedded TSA';
  const now = Date.now();
  let rootDer: Uint8Array;
  let rootKey: KeyObject;
  if (opts.root) {
    rootDer = opts.root.der;
    rootKey = createPrivateKey({ key: Buffer.from(opts.root.keyPkcs8), format: 'der', type: 'pkcs8' });
  } else {
    rootKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const rootName = name(`${cn} root`);
    rootDer = issueCert({
      subject: rootName, issuer: rootName, spki: spkiOf(rootKey), issuerSpki: spkiOf(rootKey), signer: rootKey,
      notBefore: new Date(now - HOUR), notAfter: new Date(now + 20 * YEAR),
      extensions: [
        ext(OID.basicConstraints, true, seq(bool(true), uint(0n))), // cA, pathLen 0
        ext('2.5.29.15', true, tlv(TAG.BIT_STRING, Uint8Array.of(1, 0x06))), // keyCertSign | cRLSign
      ],
    });
  }
  const root = parseCert(rootDer);
  const tsaKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const extensions = [
    ext(OID.basicConstraints, true, seq()),
    ext('2.5.29.15', true, tlv(TAG.BIT_STRING, Uint8Array.of(7, 0x80))), // digitalSignature
  ];
  if (opts.eku !== 'none') extensions.push(ext(OID.extKeyUsage, opts.eku !== 'noncritical', seq(oid(OID.timeStamping))));
  const tsaDer = issueCert({
    subject: name(cn), issuer: root.subject, spki: spkiOf(tsaKey), issuerSpki: root.spki, signer: rootKey,
    notBefore: opts.notBefore ?? new Date(now - HOUR), notAfter: opts.notAfter ?? new Date(now + 10 * YEAR), extensions,
  });
  return { rootDer, rootKeyPkcs8: pkcs8(rootKey), tsaDer, tsaKeyPkcs8: pkcs8(tsaKey) };
}

/** PEM-armour a DER certificate (RFC 7468 section 5). */
export function certToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
