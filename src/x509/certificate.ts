import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  SubjectKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_subjectKeyIdentifier,
  type AlgorithmIdentifier,
  type Name,
} from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { toHex } from '../util/bytes.js';
import { TAG, children, contents, decode, der, expectShape, isContext, parseAs, parseDer } from './asn1.js';
import { BoundedCache } from './cache.js';

/**
 * An X.509 certificate (RFC 5280 section 4.1) parsed with @peculiar/asn1-x509, plus the byte slices that
 * signatures and hashes cover, taken from the bytes as received: the certificate, its tbsCertificate, the issuer
 * and subject Names (compared bytewise when building paths) and the subjectPublicKeyInfo. Pure, browser-safe.
 */
export interface ParsedCertificate {
  /** The certificate as received. */
  readonly der: Uint8Array;
  /** tbsCertificate as received: what the issuer signed. */
  readonly tbs: Uint8Array;
  /** The serialNumber INTEGER's contents octets. */
  readonly serial: Uint8Array;
  /** DER Names of the issuer and subject as received. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo as received. */
  readonly spki: Uint8Array;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Uint8Array }>;
  /** The typed certificate, for everything else. */
  readonly asn: Certificate;
}

function bad(msg: string): AtlogError {
  return new AtlogError('ERR_TSA_MALFORMED', `certificate: ${msg}`);
}

const PARSED = new BoundedCache<ParsedCertificate>(128);

/**
 * Parse a DER certificate (memoised by content; the result holds a private copy of the bytes).
 * @throws AtlogError `ERR_TSA_MALFORMED` when it is not a DER X.509 v1-v3 certificate.
 */
export function parseCertificate(bytes: Uint8Array): ParsedCertificate {
  const key = toHex(bytes);
  return PARSED.get(key) ?? PARSED.set(key, parseUncached(bytes.slice()));
}

function parseUncached(bytes: Uint8Array): ParsedCertificate {
  const node = parseDer(bytes, 'Certificate');
  const [tbsNode, , sigNode] = children(expectShape(node, /^u16 u16 u3$/, 'Certificate'));
  // tbsCertificate: [0] version (absent for v1), serialNumber, signature, issuer, validity, subject, spki,
  // [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions
  const fields = children(expectShape(tbsNode, /^(c0 )?u2 u16 u16 u16 u16 u16( c1p)?( c2p)?( c3)?$/, 'TBSCertificate'));
  const asn = decode(node, Certificate, 'Certificate');
  const at = isContext(fields[0], 0) ? 1 : 0;
  const [issuer, , subject, spki] = [fields[at + 2]!, fields[at + 3]!, fields[at + 4]!, fields[at + 5]!];
  if (contents(sigNode!)[0] !== 0) throw bad('signature BIT STRING has unused bits');
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  for (const e of asn.tbsCertificate.extensions ?? []) {
    if (extensions.has(e.extnID)) throw bad(`duplicate extension ${e.extnID}`); // RFC 5280 4.2
    extensions.set(e.extnID, { critical: e.critical, value: new Uint8Array(e.extnValue.buffer) });
  }
  return {
    der: bytes,
    tbs: der(tbsNode!),
    serial: new Uint8Array(asn.tbsCertificate.serialNumber),
    issuer: der(issuer),
    subject: der(subject),
    notBefore: asn.tbsCertificate.validity.notBefore.getTime(),
    notAfter: asn.tbsCertificate.validity.notAfter.getTime(),
    spki: der(spki),
    signatureAlgorithm: asn.signatureAlgorithm,
    signature: contents(sigNode!).subarray(1),
    extensions,
    asn,
  };
}

/**
 * The extendedKeyUsage purposes (RFC 5280 4.2.1.12), or undefined when the extension is absent.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the extension does not parse.
 */
export function extKeyUsage(c: ParsedCertificate): { critical: boolean; purposes: string[] } | undefined {
  const e = c.extensions.get(id_ce_extKeyUsage);
  return e && { critical: e.critical, purposes: [...parseAs(e.value, ExtendedKeyUsage, 'ExtKeyUsageSyntax')] };
}

/** True when basicConstraints says cA (RFC 5280 4.2.1.9). @throws AtlogError `ERR_TSA_MALFORMED` */
export function isCa(c: ParsedCertificate): boolean {
  const e = c.extensions.get(id_ce_basicConstraints);
  return !!e && parseAs(e.value, BasicConstraints, 'BasicConstraints').cA;
}

/** The subjectKeyIdentifier (RFC 5280 4.2.1.2), when present. @throws AtlogError `ERR_TSA_MALFORMED` */
export function subjectKeyId(c: ParsedCertificate): Uint8Array | undefined {
  const e = c.extensions.get(id_ce_subjectKeyIdentifier);
  return e && new Uint8Array(parseAs(e.value, SubjectKeyIdentifier, 'SubjectKeyIdentifier', TAG.OCTET_STRING).buffer);
}

const NAME_KEYS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber' };

/** Render a Name for people (RFC 4514 order: most specific first). */
export function nameToString(name: Name): string {
  const out: string[] = [];
  for (const rdn of name) for (const atv of rdn) out.unshift(`${NAME_KEYS[atv.type] ?? atv.type}=${atv.value.toString()}`);
  return out.join(', ');
}
