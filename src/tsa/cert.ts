import { AtlogError } from '../errors.js';
import { fromBase64, toHex } from '../util/bytes.js';
import { BoundedCache } from './cache.js';
import { TAG, children, decodeOid, readOne, type Tlv } from './der.js';
import { OID } from './oids.js';

/**
 * The few X.509 (RFC 5280 section 4.1) facts the token verifier needs, read straight from the DER so the exact
 * signed bytes (`tbs`) and names are kept. Pure, browser-safe.
 */
export interface ParsedCert {
  readonly der: Uint8Array;
  /** tbsCertificate as received: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly serial: Uint8Array;
  /** DER Name of the issuer and subject, compared bytewise when building chains. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly sigAlg: Tlv;
  readonly signature: Uint8Array;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Uint8Array }>;
}

function bad(msg: string): AtlogError {
  return new AtlogError('ERR_TSA_MALFORMED', `certificate: ${msg}`);
}

/** Parse UTCTime or GeneralizedTime (RFC 5280 4.1.2.5). @throws AtlogError `ERR_TSA_MALFORMED` */
export function decodeTime(t: Tlv): Date {
  const s = new TextDecoder().decode(t.value);
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === 0x17 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (t.tag === TAG.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/))) {
    year = Number(m[1]);
  } else {
    throw bad(`bad time "${s}"`);
  }
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + Math.floor(frac);
  const d = new Date(ms);
  if (Number.isNaN(ms) || d.getUTCMonth() !== Number(m[2]) - 1) throw bad(`bad time "${s}"`);
  return d;
}

const PARSED = new BoundedCache<ParsedCert>(128);

/**
 * Parse a DER certificate (memoised by content; the result holds a private copy of the bytes).
 * @throws AtlogError `ERR_TSA_MALFORMED` when it is not a well-formed X.509 v1-v3 certificate.
 */
export function parseCert(der: Uint8Array): ParsedCert {
  const key = toHex(der);
  return PARSED.get(key) ?? PARSED.set(key, parseCertUncached(der.slice()));
}

function parseCertUncached(der: Uint8Array): ParsedCert {
  const [tbsT, sigAlg, sigT, extra] = children(readOne(der, TAG.SEQUENCE, 'Certificate'));
  if (!tbsT || tbsT.tag !== TAG.SEQUENCE || !sigAlg || sigAlg.tag !== TAG.SEQUENCE || !sigT || sigT.tag !== TAG.BIT_STRING || extra) {
    throw bad('bad outer structure');
  }
  if (sigT.value[0] !== 0) throw bad('signature BIT STRING has unused bits');
  const f = children(tbsT);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const [serial, , issuer, validity, subject, spki] = f.slice(i, i + 6);
  if (!serial || serial.tag !== TAG.INTEGER || !issuer || !validity || !subject || !spki) throw bad('truncated tbsCertificate');
  if (issuer.tag !== TAG.SEQUENCE || subject.tag !== TAG.SEQUENCE || spki.tag !== TAG.SEQUENCE || validity.tag !== TAG.SEQUENCE) {
    throw bad('bad tbsCertificate fields');
  }
  const [nb, na] = children(validity);
  if (!nb || !na) throw bad('bad validity');
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  for (const opt of f.slice(i + 6)) {
    if (opt.tag !== 0xa3) continue; // [1]/[2] unique identifiers are ignored
    const [exts] = children(opt);
    if (!exts || exts.tag !== TAG.SEQUENCE) throw bad('bad extensions');
    for (const e of children(exts)) {
      if (e.tag !== TAG.SEQUENCE) throw bad('Extension is not a SEQUENCE');
      const parts = children(e);
      if (!parts[0]) throw bad('empty extension');
      const id = decodeOid(parts[0]);
      const critical = parts.length === 3 && parts[1]!.tag === TAG.BOOLEAN && parts[1]!.value[0] === 0xff;
      const value = parts[parts.length - 1];
      if (!value || value.tag !== TAG.OCTET_STRING) throw bad('bad extension value');
      if (extensions.has(id)) throw bad(`duplicate extension ${id}`); // RFC 5280 4.2
      extensions.set(id, { critical, value: value.value });
    }
  }
  return {
    der,
    tbs: tbsT.bytes,
    serial: serial.value,
    issuer: issuer.bytes,
    subject: subject.bytes,
    notBefore: decodeTime(nb),
    notAfter: decodeTime(na),
    spki: spki.bytes,
    sigAlg,
    signature: sigT.value.subarray(1),
    extensions,
  };
}

/** The extendedKeyUsage purposes, or undefined when the extension is absent. */
export function extKeyUsage(c: ParsedCert): { critical: boolean; purposes: string[] } | undefined {
  const e = c.extensions.get(OID.extKeyUsage);
  if (!e) return undefined;
  return { critical: e.critical, purposes: children(readOne(e.value, TAG.SEQUENCE, 'ExtKeyUsage')).map(decodeOid) };
}

/** True when basicConstraints says cA (RFC 5280 4.2.1.9). */
export function isCa(c: ParsedCert): boolean {
  const e = c.extensions.get(OID.basicConstraints);
  if (!e) return false;
  const [first] = children(readOne(e.value, TAG.SEQUENCE, 'BasicConstraints'));
  return first?.tag === TAG.BOOLEAN && first.value[0] === 0xff;
}

const NAME_KEYS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.5': 'serialNumber' };

/** Render a DER Name for people (RFC 4514 order: most specific first). */
export function nameToString(name: Uint8Array): string {
  const out: string[] = [];
  for (const rdn of children(readOne(name, TAG.SEQUENCE, 'Name'))) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      if (!type || !value) continue;
      const id = decodeOid(type);
      out.unshift(`${NAME_KEYS[id] ?? id}=${new TextDecoder().decode(value.value)}`);
    }
  }
  return out.join(', ');
}

/**
 * Accept trust roots as DER bytes or PEM (text, or the bytes of a PEM file; one or more CERTIFICATE blocks each).
 * @throws AtlogError `ERR_TSA_MALFORMED` on a string without a certificate, or a certificate that does not parse.
 */
export function normalizeRoots(roots: ReadonlyArray<Uint8Array | string>): ParsedCert[] {
  const out: ParsedCert[] = [];
  for (const item of roots) {
    // Bytes that start with "-----BEGIN" are PEM text read from a file, not DER (which starts with 0x30).
    const r = typeof item !== 'string' && item[0] === 0x2d ? new TextDecoder().decode(item) : item;
    if (typeof r !== 'string') {
      out.push(parseCert(r));
      continue;
    }
    const blocks = [...r.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length === 0) throw new AtlogError('ERR_TSA_MALFORMED', 'root PEM holds no CERTIFICATE block');
    for (const b of blocks) out.push(parseCert(fromBase64(b[1]!.replace(/\s+/g, ''), 'root PEM')));
  }
  return out;
}
