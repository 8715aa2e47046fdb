import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { id_signedData, id_contentType, id_messageDigest } from '@peculiar/asn1-cms';
import { OctetString } from '@peculiar/asn1-schema';
import { id_sha1, id_sha256, id_sha384, id_sha512 } from '@peculiar/asn1-rsa';
import { id_ct_tstInfo } from '@peculiar/asn1-tsp';
import { id_kp_timeStamping } from '@peculiar/asn1-x509';
import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { assertBytes, equalBytes } from '../util/bytes.js';
import { TAG, children, decode, der, isContext, isSequence, oidOf, parseAs, parseDer, type Node } from '../x509/asn1.js';
import { extKeyUsage, nameToString, parseCertificate, subjectKeyId, type ParsedCertificate } from '../x509/certificate.js';
import { findPath } from '../x509/path.js';
import { normalizeRoots } from '../x509/pem.js';
import { verifySignature } from '../x509/signature.js';
import { id_aa_signingCertificate, id_aa_signingCertificateV2, SigningCertificate, SigningCertificateV2 } from './ess.js';
import { grantedToken } from './response.js';
import { parseSignedData, parseTstInfo, type SignerInfoParts } from './token.js';

/**
 * Full verification of an RFC 3161 TimeStampToken against pinned roots (spec/anchoring.md section 5). Pure:
 * bytes in, result or coded error out; WebCrypto for signatures, so it is async and runs in a browser (the
 * offline verifier uses it).
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

const DIGESTS: Record<string, (b: Uint8Array) => Uint8Array> = { [id_sha1]: sha1, [id_sha256]: sha256, [id_sha384]: sha384, [id_sha512]: sha512 };

function digest(oid: string, data: Uint8Array): Uint8Array {
  const f = DIGESTS[oid];
  if (!f) throw fail('ERR_TSA_UNSUPPORTED_ALGORITHM', `unsupported digest ${oid}`);
  return f(data);
}

function matchesSid(c: ParsedCertificate, sid: SignerInfoParts['sid']): boolean {
  if (sid.kind === 'issuerSerial') return equalBytes(c.issuer, sid.issuer) && equalBytes(c.serial, sid.serial);
  const ski = subjectKeyId(c);
  return !!ski && equalBytes(ski, sid.ski);
}

/** The directoryName of an IssuerSerial's GeneralNames as received, to compare bytewise with a certificate's issuer. */
function issuerNameOf(essCertIdNode: Node): Uint8Array | undefined {
  const issuerSerial = children(essCertIdNode).at(-1);
  const names = isSequence(issuerSerial) ? children(issuerSerial!)[0] : undefined;
  const dirName = names && children(names).find((g) => isContext(g, 4));
  return dirName && der(children(dirName)[0]!);
}

/** RFC 2634 5.4 / RFC 5035 3: the first ESSCertID(v2) must name the signer certificate. */
function checkEssCertIds(si: SignerInfoParts, signer: ParsedCertificate): void {
  const v1 = si.signedAttrs.get(id_aa_signingCertificate);
  const v2 = si.signedAttrs.get(id_aa_signingCertificateV2);
  if (!v1 && !v2) throw fail('ERR_TSA_ESS_CERT_ID', 'neither signingCertificate nor signingCertificateV2 is signed');
  for (const [values, isV2] of [[v1, false], [v2, true]] as const) {
    if (!values) continue;
    if (values.length !== 1) throw fail('ERR_TSA_MALFORMED', 'signing certificate attribute must have one value');
    const node = parseDer(values[0]!, 'SigningCertificate');
    const sc = isV2 ? decode(node, SigningCertificateV2, 'SigningCertificateV2') : decode(node, SigningCertificate, 'SigningCertificate');
    const first = sc.certs[0];
    if (!first) throw fail('ERR_TSA_ESS_CERT_ID', 'empty signing certificate attribute');
    const hashAlg = 'hashAlgorithm' in first && first.hashAlgorithm ? first.hashAlgorithm.algorithm : isV2 ? id_sha256 : id_sha1;
    if (!equalBytes(new Uint8Array(first.certHash.buffer), digest(hashAlg, signer.der))) {
      throw fail('ERR_TSA_ESS_CERT_ID', `ESSCertID${isV2 ? 'v2' : ''} hash does not match the signer certificate`);
    }
    if (first.issuerSerial) {
      const issuer = issuerNameOf(children(children(node)[0]!)[0]!);
      if (!issuer || !equalBytes(issuer, signer.issuer) || !equalBytes(new Uint8Array(first.issuerSerial.serialNumber), signer.serial)) {
        throw fail('ERR_TSA_ESS_CERT_ID', 'ESSCertID issuerSerial does not match the signer certificate');
      }
    }
  }
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
  return verifyGuarded(() => verifyChecked(parseDer(token, 'TimeStampToken'), opts), opts);
}

async function verifyGuarded(run: () => Promise<VerifiedTimestamp>, opts: VerifyTokenOptions): Promise<VerifiedTimestamp> {
  assertBytes(opts.imprint, 32, 'imprint');
  try {
    return await run();
  } catch (e) {
    // Hostile DER must only ever produce coded errors; anything else is a parse path we did not foresee.
    if (e instanceof AtlogError) throw e;
    throw new AtlogError('ERR_TSA_MALFORMED', 'the token does not parse', { cause: e });
  }
}

async function verifyChecked(tokenNode: Node, opts: VerifyTokenOptions): Promise<VerifiedTimestamp> {
  const roots = normalizeRoots(opts.roots);
  const sd = parseSignedData(tokenNode);
  // RFC 3161 2.4.2: a ContentInfo of id-signedData whose eContentType is id-ct-TSTInfo.
  if (sd.contentType !== id_signedData) throw fail('ERR_TSA_CONTENT_TYPE', `content type ${sd.contentType} is not id-signedData`);
  if (sd.eContentType !== id_ct_tstInfo) throw fail('ERR_TSA_CONTENT_TYPE', `eContentType ${sd.eContentType} is not id-ct-TSTInfo`);
  const tst = parseTstInfo(sd.eContent);
  if (tst.hashAlgorithm !== id_sha256 || !equalBytes(tst.hashedMessage, opts.imprint)) {
    throw fail('ERR_TSA_IMPRINT_MISMATCH', 'messageImprint is not the SHA-256 digest that was asked for');
  }
  if (opts.nonce !== undefined && tst.nonce !== opts.nonce) throw fail('ERR_TSA_NONCE_MISMATCH', 'the TSA did not echo the nonce');
  if (opts.policy !== undefined && tst.policy !== opts.policy) throw fail('ERR_TSA_POLICY', `policy ${tst.policy} is not ${opts.policy}`);
  const si = sd.signerInfo;
  const pool = sd.certificates.map(parseCertificate);
  const signer = [...pool, ...roots].find((c) => matchesSid(c, si.sid));
  if (!signer) throw fail('ERR_TSA_SIGNER_NOT_FOUND', 'the signer certificate is not in the token');
  // RFC 3161 2.3: the TSA certificate has exactly one EKU, id-kp-timeStamping, and the extension is critical.
  const eku = extKeyUsage(signer);
  if (!eku || !eku.critical || eku.purposes.length !== 1 || eku.purposes[0] !== id_kp_timeStamping) {
    throw fail('ERR_TSA_EKU', 'the signer certificate lacks a critical extendedKeyUsage of id-kp-timeStamping only', { eku });
  }
  // RFC 5652 5.3, 11.1: contentType attribute must equal eContentType.
  const ct = si.signedAttrs.get(id_contentType);
  if (!ct || ct.length !== 1 || oidOf(parseDer(ct[0]!, 'contentType attribute')) !== id_ct_tstInfo) {
    throw fail('ERR_TSA_CONTENT_TYPE', 'signed contentType attribute is not id-ct-TSTInfo');
  }
  const md = si.signedAttrs.get(id_messageDigest);
  if (!md || md.length !== 1) throw fail('ERR_TSA_MESSAGE_DIGEST', 'no messageDigest attribute');
  const mdValue = new Uint8Array(parseAs(md[0]!, OctetString, 'messageDigest attribute', TAG.OCTET_STRING).buffer);
  if (!equalBytes(mdValue, digest(si.digestAlgorithm, sd.eContent))) throw fail('ERR_TSA_MESSAGE_DIGEST', 'messageDigest does not match the TSTInfo');
  checkEssCertIds(si, signer);
  // RFC 5652 5.4: the signature covers the DER of the SET OF attributes, i.e. the received [0] bytes re-tagged 0x31.
  const signedBytes = new Uint8Array(si.signedAttrsRaw);
  signedBytes[0] = 0x31;
  if (!(await verifySignature(signer.spki, si.signatureAlgorithm, si.digestAlgorithm, signedBytes, si.signature))) {
    throw fail('ERR_TSA_BAD_SIGNATURE', 'the CMS signature does not verify');
  }
  const path = await findPath(signer, pool, roots, tst.genTime);
  if (!path.ok && path.reason === 'expired') {
    const c = path.certificate;
    throw fail('ERR_TSA_CERT_EXPIRED', `certificate ${nameToString(c.asn.tbsCertificate.subject)} is not valid at genTime ${tst.genTime.toISOString()}`, {
      notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), genTime: tst.genTime.toISOString(),
    });
  }
  if (!path.ok) throw fail('ERR_TSA_UNTRUSTED_ROOT', 'the TSA certificate does not chain to a configured root');
  if (opts.now && tst.genTime.getTime() > opts.now.getTime() + 60_000) {
    throw fail('ERR_TSA_FUTURE_TIME', `genTime ${tst.genTime.toISOString()} is in the future`);
  }
  return {
    genTime: tst.genTime,
    serialNumber: tst.serialNumber,
    policy: tst.policy,
    ...(tst.nonce !== undefined ? { nonce: tst.nonce } : {}),
    ...(tst.tsaName ? { tsaName: nameToString(tst.tsaName) } : {}),
    signerCertificate: signer.der.slice(), // a copy: the parsed certificate is memoised
  };
}

/**
 * Verify a DER TimeStampResp: status granted, then the token as in {@link verifyTimestampToken}.
 * @returns the token bytes (a copy, as received) and what was verified.
 * @throws AtlogError `ERR_TSA_STATUS` when not granted, otherwise as {@link verifyTimestampToken}.
 */
export async function verifyTimestampResponse(resp: Uint8Array, opts: VerifyTokenOptions): Promise<VerifiedTimestamp & { token: Uint8Array }> {
  const { token, tokenNode } = grantedToken(resp);
  return { token: token.slice(), ...(await verifyGuarded(() => verifyChecked(tokenNode, opts), opts)) };
}
