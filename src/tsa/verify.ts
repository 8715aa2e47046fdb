import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { assertBytes, equalBytes, toHex } from '../util/bytes.js';
import { BoundedCache } from './cache.js';
import { TAG, children, decodeOid, readOne } from './der.js';
import { decodeTime, extKeyUsage, isCa, nameToString, normalizeRoots, parseCert, type ParsedCert } from './cert.js';
import { parseSignedData, parseTstInfo, type SignerInfoParts } from './cms.js';
import { OID } from './oids.js';
import { tokenFromResponse } from './response.js';
import { verifySignature } from './signature.js';

/**
 * Full verification of an RFC 3161 TimeStampToken against pinned roots. Pure: bytes in, result or coded error
 * out; WebCrypto for signatures, so it is async and runs in a browser (the offline verifier uses it).
 */

export interface VerifyTokenOptions {
  /** The 32-byte SHA-256 digest that was timestamped. */
  imprint: Uint8Array;
  /** Trusted roots: DER certificates or PEM text. An empty list trusts nothing. */
  roots: ReadonlyArray<Uint8Array | string>;
  /** The nonce that was sent; when given, the TSTInfo must echo it. */
  nonce?: bigint;
  /** Required TSA policy OID, when given. */
  policy?: string;
  /** When given, a genTime later than `now` (plus one minute of clock skew) is rejected. */
  now?: Date;
}

export interface VerifiedTimestamp {
  readonly genTime: Date;
  readonly serialNumber: bigint;
  readonly policy: string;
  readonly nonce?: bigint;
  /** The TSA's name from TSTInfo (directoryName rendered as text), when present. */
  readonly tsaName?: string;
  /** DER of the certificate that signed the token. */
  readonly signerCertificate: Uint8Array;
}

const fail = (code: AtlogErrorCode, msg: string, details?: Record<string, unknown>): AtlogError =>
  new AtlogError(code, msg, details ? { details } : {});

const DIGESTS: Record<string, (b: Uint8Array) => Uint8Array> = { [OID.sha1]: sha1, [OID.sha256]: sha256, [OID.sha384]: sha384, [OID.sha512]: sha512 };

function digest(oid: string, data: Uint8Array): Uint8Array {
  const f = DIGESTS[oid];
  if (!f) throw fail('ERR_TSA_UNSUPPORTED_ALGORITHM', `unsupported digest ${oid}`);
  return f(data);
}

function matchesSid(c: ParsedCert, sid: SignerInfoParts['sid']): boolean {
  if (sid.kind === 'issuerSerial') return equalBytes(c.issuer, sid.issuer) && equalBytes(c.serial, sid.serial);
  const ext = c.extensions.get('2.5.29.14'); // subjectKeyIdentifier, RFC 5280 4.2.1.2
  return !!ext && equalBytes(readOne(ext.value, TAG.OCTET_STRING, 'SubjectKeyIdentifier').value, sid.ski);
}

/** RFC 2634 5.4 / RFC 5035 3: the first ESSCertID(v2) must name the signer certificate. */
function checkEssCertIds(si: SignerInfoParts, signer: ParsedCert): void {
  const v1 = si.signedAttrs.get(OID.signingCertificate);
  const v2 = si.signedAttrs.get(OID.signingCertificateV2);
  if (!v1 && !v2) throw fail('ERR_TSA_ESS_CERT_ID', 'neither signingCertificate nor signingCertificateV2 is signed');
  for (const [attr, isV2] of [[v1, false], [v2, true]] as const) {
    if (!attr) continue;
    if (attr.length !== 1 || attr[0]!.tag !== TAG.SEQUENCE) throw fail('ERR_TSA_MALFORMED', 'signing certificate attribute must be one SEQUENCE');
    const [certs] = children(attr[0]!);
    const first = certs?.tag === TAG.SEQUENCE ? children(certs)[0] : undefined;
    if (!first || first.tag !== TAG.SEQUENCE) throw fail('ERR_TSA_ESS_CERT_ID', 'empty signing certificate attribute');
    const parts = children(first);
    let hashAlg: string = OID.sha1;
    if (isV2) hashAlg = parts[0]?.tag === TAG.SEQUENCE ? decodeOid(children(parts.shift()!)[0]) : OID.sha256;
    const [certHash, issuerSerial, extra] = parts;
    if (!certHash || certHash.tag !== TAG.OCTET_STRING || extra) throw fail('ERR_TSA_MALFORMED', 'bad ESSCertID');
    if (!equalBytes(certHash.value, digest(hashAlg, signer.der))) {
      throw fail('ERR_TSA_ESS_CERT_ID', `ESSCertID${isV2 ? 'v2' : ''} hash does not match the signer certificate`);
    }
    if (issuerSerial) {
      const [names, serial, more] = issuerSerial.tag === TAG.SEQUENCE ? children(issuerSerial) : [];
      const dirName = names?.tag === TAG.SEQUENCE ? children(names).find((g) => g.tag === 0xa4) : undefined;
      const issuerOk = dirName ? equalBytes(children(dirName)[0]?.bytes ?? new Uint8Array(), signer.issuer) : false;
      if (!issuerOk || !serial || serial.tag !== TAG.INTEGER || more || !equalBytes(serial.value, signer.serial)) {
        throw fail('ERR_TSA_ESS_CERT_ID', 'ESSCertID issuerSerial does not match the signer certificate');
      }
    }
  }
}

function checkValidity(c: ParsedCert, at: Date): void {
  if (at < c.notBefore || at > c.notAfter) {
    throw fail('ERR_TSA_CERT_EXPIRED', `certificate ${nameToString(c.subject)} is not valid at genTime ${at.toISOString()}`, {
      notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), genTime: at.toISOString(),
    });
  }
}

/** Certificate signatures already checked, by (child, issuer) content: the same chain repeats in every token. */
const SIGNED_BY = new BoundedCache<boolean>(256);

async function signedBy(child: ParsedCert, issuer: ParsedCert): Promise<boolean> {
  if (!equalBytes(child.issuer, issuer.subject)) return false;
  const key = `${toHex(child.der)}|${toHex(issuer.der)}`;
  const hit = SIGNED_BY.get(key);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    ok = await verifySignature(issuer.spki, child.sigAlg, undefined, child.tbs, child.signature);
  } catch {
    ok = false;
  }
  return SIGNED_BY.set(key, ok);
}

/** Build a path from the signer to a pinned root through the token's certificates (RFC 5280 6.1, simplified). */
async function checkChain(signer: ParsedCert, pool: ParsedCert[], roots: ParsedCert[], at: Date): Promise<void> {
  let cur = signer;
  const seen = new Set<ParsedCert>([signer]);
  for (let depth = 0; depth < 8; depth++) {
    checkValidity(cur, at);
    if (roots.some((r) => equalBytes(r.der, cur.der))) return;
    for (const r of roots) {
      if (await signedBy(cur, r)) {
        checkValidity(r, at);
        return;
      }
    }
    let next: ParsedCert | undefined;
    for (const c of pool) if (!seen.has(c) && isCa(c) && (await signedBy(cur, c))) next = c;
    if (!next) break;
    seen.add(next);
    cur = next;
  }
  throw fail('ERR_TSA_UNTRUSTED_ROOT', 'the TSA certificate does not chain to a configured root');
}

/**
 * Verify a DER TimeStampToken: content types, imprint, nonce, policy, signer certificate and its EKU, the
 * signed messageDigest and ESSCertID(v2), the CMS signature over the original signed attributes, and the chain
 * to a pinned root with every certificate valid at genTime.
 * @throws AtlogError with one code per failed check: `ERR_TSA_MALFORMED`, `ERR_TSA_CONTENT_TYPE`,
 *   `ERR_TSA_IMPRINT_MISMATCH`, `ERR_TSA_NONCE_MISMATCH`, `ERR_TSA_POLICY`, `ERR_TSA_SIGNER_NOT_FOUND`,
 *   `ERR_TSA_EKU`, `ERR_TSA_MESSAGE_DIGEST`, `ERR_TSA_ESS_CERT_ID`, `ERR_TSA_BAD_SIGNATURE`,
 *   `ERR_TSA_UNTRUSTED_ROOT`, `ERR_TSA_CERT_EXPIRED`, `ERR_TSA_FUTURE_TIME`, `ERR_TSA_UNSUPPORTED_ALGORITHM`;
 *   `ERR_INVALID_ARGUMENT` when `imprint` is not 32 bytes.
 */
export async function verifyTimestampToken(token: Uint8Array, opts: VerifyTokenOptions): Promise<VerifiedTimestamp> {
  assertBytes(token, undefined, 'token');
  assertBytes(opts.imprint, 32, 'imprint');
  try {
    return await verifyChecked(token, opts);
  } catch (e) {
    // Hostile DER must only ever produce coded errors; anything else is a parse path we did not foresee.
    if (e instanceof AtlogError) throw e;
    throw new AtlogError('ERR_TSA_MALFORMED', 'the token does not parse', { cause: e });
  }
}

async function verifyChecked(token: Uint8Array, opts: VerifyTokenOptions): Promise<VerifiedTimestamp> {
  const roots = normalizeRoots(opts.roots);
  const sd = parseSignedData(token);
  // RFC 3161 2.4.2: a ContentInfo of id-signedData whose eContentType is id-ct-TSTInfo.
  if (sd.contentType !== OID.signedData) throw fail('ERR_TSA_CONTENT_TYPE', `content type ${sd.contentType} is not id-signedData`);
  if (sd.eContentType !== OID.tstInfo) throw fail('ERR_TSA_CONTENT_TYPE', `eContentType ${sd.eContentType} is not id-ct-TSTInfo`);
  const tst = parseTstInfo(sd.eContent, decodeTime);
  if (tst.hashAlgorithm !== OID.sha256 || !equalBytes(tst.hashedMessage, opts.imprint)) {
    throw fail('ERR_TSA_IMPRINT_MISMATCH', 'messageImprint is not the SHA-256 digest that was asked for');
  }
  if (opts.nonce !== undefined && tst.nonce !== opts.nonce) throw fail('ERR_TSA_NONCE_MISMATCH', 'the TSA did not echo the nonce');
  if (opts.policy !== undefined && tst.policy !== opts.policy) throw fail('ERR_TSA_POLICY', `policy ${tst.policy} is not ${opts.policy}`);
  const si = sd.signerInfo;
  const pool = sd.certificates.map(parseCert);
  const signer = [...pool, ...roots].find((c) => matchesSid(c, si.sid));
  if (!signer) throw fail('ERR_TSA_SIGNER_NOT_FOUND', 'the signer certificate is not in the token');
  // RFC 3161 2.3: the TSA certificate has exactly one EKU, id-kp-timeStamping, and the extension is critical.
  const eku = extKeyUsage(signer);
  if (!eku || !eku.critical || eku.purposes.length !== 1 || eku.purposes[0] !== OID.timeStamping) {
    throw fail('ERR_TSA_EKU', 'the signer certificate lacks a critical extendedKeyUsage of id-kp-timeStamping only', { eku });
  }
  // RFC 5652 5.3, 11.1: contentType attribute must equal eContentType.
  const ct = si.signedAttrs.get(OID.contentType);
  if (!ct || ct.length !== 1 || decodeOid(ct[0]) !== OID.tstInfo) throw fail('ERR_TSA_CONTENT_TYPE', 'signed contentType attribute is not id-ct-TSTInfo');
  const md = si.signedAttrs.get(OID.messageDigest);
  if (!md || md.length !== 1 || md[0]!.tag !== TAG.OCTET_STRING) throw fail('ERR_TSA_MESSAGE_DIGEST', 'no messageDigest attribute');
  if (!equalBytes(md[0]!.value, digest(si.digestAlgorithm, sd.eContent))) throw fail('ERR_TSA_MESSAGE_DIGEST', 'messageDigest does not match the TSTInfo');
  checkEssCertIds(si, signer);
  // RFC 5652 5.4: the signature covers the DER of the SET OF attributes, i.e. the received [0] bytes re-tagged 0x31.
  const signedBytes = new Uint8Array(si.signedAttrsRaw);
  signedBytes[0] = TAG.SET;
  if (!(await verifySignature(signer.spki, si.signatureAlgorithm, si.digestAlgorithm, signedBytes, si.signature))) {
    throw fail('ERR_TSA_BAD_SIGNATURE', 'the CMS signature does not verify');
  }
  await checkChain(signer, pool, roots, tst.genTime);
  if (opts.now && tst.genTime.getTime() > opts.now.getTime() + 60_000) {
    throw fail('ERR_TSA_FUTURE_TIME', `genTime ${tst.genTime.toISOString()} is in the future`);
  }
  let tsaName: string | undefined;
  if (tst.tsa) {
    const g = readOne(tst.tsa);
    const name = g.tag === 0xa4 ? children(g)[0] : undefined;
    tsaName = name ? nameToString(name.bytes) : undefined;
  }
  return {
    genTime: tst.genTime,
    serialNumber: tst.serialNumber,
    policy: tst.policy,
    ...(tst.nonce !== undefined ? { nonce: tst.nonce } : {}),
    ...(tsaName ? { tsaName } : {}),
    signerCertificate: signer.der.slice(), // a copy: the parsed certificate is memoised
  };
}

/**
 * Verify a DER TimeStampResp: status granted, then the token as in {@link verifyTimestampToken}.
 * @returns the token bytes and what was verified.
 * @throws AtlogError `ERR_TSA_STATUS` when not granted, otherwise as {@link verifyTimestampToken}.
 */
export async function verifyTimestampResponse(resp: Uint8Array, opts: VerifyTokenOptions): Promise<VerifiedTimestamp & { token: Uint8Array }> {
  const token = tokenFromResponse(resp);
  return { token, ...(await verifyTimestampToken(token, opts)) };
}
