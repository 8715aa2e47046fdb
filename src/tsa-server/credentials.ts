// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API loaded
// first (the package README, "Reflect Polyfill Required"). ES modules evaluate their imports in order.
import 'reflect-metadata';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  type Extension,
} from '@peculiar/x509';
import { id_kp_timeStamping } from '@peculiar/asn1-x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { AtlogError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { parseCertificate } from '../x509/certificate.js';

/**
 * Certificates for the embedded TSA (Node-only), minted with @peculiar/x509 over WebCrypto: a self-signed root
 * CA and a TSA certificate it issues, both ECDSA P-256 with SHA-256 (RFC 5280 4.1). RFC 3161 section 2.3: the
 * TSA certificate carries exactly one extendedKeyUsage, id-kp-timeStamping, marked critical. Tests use the `eku`
 * and validity options to make certificates a verifier must refuse.
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
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const subtle = webcrypto.subtle;

/** A random 16-octet serial number in hex (RFC 5280 4.1.2.2: positive, at most 20 octets). */
function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, and no leading zero octet (which DER would not allow)
  return toHex(b);
}

const pkcs8 = async (k: webcrypto.CryptoKey): Promise<Uint8Array> => new Uint8Array(await subtle.exportKey('pkcs8', k));
const newKeys = (): Promise<webcrypto.CryptoKeyPair> => subtle.generateKey(P256, true, ['sign', 'verify']);

async function makeRoot(cn: string, now: number): Promise<{ cert: X509Certificate; key: webcrypto.CryptoKey }> {
  const keys = await newKeys();
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [`${cn} root`] }],
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 20 * YEAR),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new BasicConstraintsExtension(true, 0, true), // cA, pathLen 0
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey };
}

/**
 * Generate embedded-TSA credentials (ECDSA P-256).
 * @throws AtlogError `ERR_TSA_MALFORMED` when a given root does not parse.
 */
export async function createTsaCredentials(opts: CreateCredentialsOptions = {}): Promise<TsaCredentials> {
  const cn = opts.name ?? 'atlog embedded TSA';
  const now = Date.now();
  let root: { cert: X509Certificate; key: webcrypto.CryptoKey };
  if (opts.root) {
    parseCertificate(opts.root.der);
    let key: webcrypto.CryptoKey;
    try {
      key = await subtle.importKey('pkcs8', new Uint8Array(opts.root.keyPkcs8), P256, true, ['sign']);
    } catch (e) {
      throw new AtlogError('ERR_TSA_MALFORMED', 'the root key is not a P-256 PKCS#8 key', { cause: e });
    }
    root = { cert: new X509Certificate(new Uint8Array(opts.root.der)), key };
  } else {
    root = await makeRoot(cn, now);
  }
  const tsaKeys = await newKeys();
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
    await SubjectKeyIdentifierExtension.create(tsaKeys.publicKey),
    await AuthorityKeyIdentifierExtension.create(root.cert.publicKey),
  ];
  if (opts.eku !== 'none') extensions.push(new ExtendedKeyUsageExtension([id_kp_timeStamping], opts.eku !== 'noncritical'));
  const tsa = await X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [cn] }],
    issuer: root.cert.subjectName,
    notBefore: opts.notBefore ?? new Date(now - HOUR),
    notAfter: opts.notAfter ?? new Date(now + 10 * YEAR),
    signingAlgorithm: SIGNING,
    publicKey: tsaKeys.publicKey,
    signingKey: root.key,
    extensions,
  });
  return {
    rootDer: new Uint8Array(root.cert.rawData),
    rootKeyPkcs8: opts.root ? new Uint8Array(opts.root.keyPkcs8) : await pkcs8(root.key),
    tsaDer: new Uint8Array(tsa.rawData),
    tsaKeyPkcs8: await pkcs8(tsaKeys.privateKey),
  };
}
