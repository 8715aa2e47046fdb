import { AtlogError } from '../errors.js';
import { TAG, children, decodeOid, decodeUint, readOne, type Tlv } from './der.js';
import { parseMessageImprint } from './request.js';

/**
 * The CMS SignedData (RFC 5652 section 5) of a TimeStampToken and its TSTInfo (RFC 3161 2.4.2), read into the
 * original byte slices that the verifier hashes and checks. Pure; structural problems throw `ERR_TSA_MALFORMED`.
 */

export interface SignerInfoParts {
  readonly sid: { kind: 'issuerSerial'; issuer: Uint8Array; serial: Uint8Array } | { kind: 'ski'; ski: Uint8Array };
  readonly digestAlgorithm: string;
  /** The signed attributes exactly as received, outer tag [0] (0xA0) included. */
  readonly signedAttrsRaw: Uint8Array;
  /** attrType OID -> attrValues (each a DER element). */
  readonly signedAttrs: ReadonlyMap<string, Tlv[]>;
  readonly signatureAlgorithm: Tlv;
  readonly signature: Uint8Array;
}

export interface SignedDataParts {
  readonly contentType: string;
  readonly eContentType: string;
  /** The TSTInfo DER, the content of the eContent OCTET STRING. */
  readonly eContent: Uint8Array;
  readonly certificates: Uint8Array[];
  readonly signerInfo: SignerInfoParts;
}

const bad = (msg: string): AtlogError => new AtlogError('ERR_TSA_MALFORMED', msg);

/** A digest AlgorithmIdentifier: parameters absent or NULL (RFC 5754 section 2). */
function algOid(t: Tlv | undefined, name: string): string {
  if (!t || t.tag !== TAG.SEQUENCE) throw bad(`missing ${name}`);
  const [o, params, extra] = children(t);
  if (!o || extra || (params && (params.tag !== TAG.NULL || params.value.length !== 0))) throw bad(`bad ${name}`);
  return decodeOid(o);
}

function parseSignerInfo(si: Tlv): SignerInfoParts {
  if (si.tag !== TAG.SEQUENCE) throw bad('SignerInfo is not a SEQUENCE');
  const f = children(si);
  const [versionT, sidT, digAlg] = f;
  let i = 3;
  if (!versionT || !sidT || !digAlg) throw bad('truncated SignerInfo');
  // RFC 5652 5.3: version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
  if (decodeUint(versionT) !== (sidT.tag === TAG.SEQUENCE ? 1n : 3n)) throw bad('SignerInfo version does not match its sid');
  let sid: SignerInfoParts['sid'];
  if (sidT.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(sidT);
    if (!issuer || issuer.tag !== TAG.SEQUENCE || !serial || serial.tag !== TAG.INTEGER) throw bad('bad IssuerAndSerialNumber');
    sid = { kind: 'issuerSerial', issuer: issuer.bytes, serial: serial.value };
  } else if (sidT.tag === 0x80) {
    sid = { kind: 'ski', ski: sidT.value };
  } else throw bad('bad SignerIdentifier');
  const attrsT = f[i];
  if (!attrsT || attrsT.tag !== 0xa0) throw bad('SignerInfo without signed attributes (RFC 3161 requires them)');
  i++;
  const signedAttrs = new Map<string, Tlv[]>();
  for (const a of children(attrsT)) {
    if (a.tag !== TAG.SEQUENCE) throw bad('Attribute is not a SEQUENCE');
    const [type, values] = children(a);
    if (!type || !values || values.tag !== TAG.SET) throw bad('bad Attribute');
    const id = decodeOid(type);
    // RFC 5652 5.3: each attribute type appears at most once among the signed attributes.
    if (signedAttrs.has(id)) throw bad(`duplicate signed attribute ${id}`);
    signedAttrs.set(id, children(values));
  }
  const sigAlg = f[i++];
  const sig = f[i++];
  if (!sigAlg || sigAlg.tag !== TAG.SEQUENCE || !sig || sig.tag !== TAG.OCTET_STRING) throw bad('bad SignerInfo signature');
  if (f.length > i + 1 || (f[i] && f[i]!.tag !== 0xa1)) throw bad('unexpected fields in SignerInfo');
  return { sid, digestAlgorithm: algOid(digAlg, 'digestAlgorithm'), signedAttrsRaw: attrsT.bytes, signedAttrs, signatureAlgorithm: sigAlg, signature: sig.value };
}

/**
 * Split a DER TimeStampToken (ContentInfo) into its SignedData parts.
 * @throws AtlogError `ERR_TSA_MALFORMED` on any structural problem, including more or fewer than one SignerInfo
 *   (RFC 3161 2.4.2: the token carries the TSA's signature only).
 */
export function parseSignedData(token: Uint8Array): SignedDataParts {
  const [ctT, content, extra] = children(readOne(token, TAG.SEQUENCE, 'ContentInfo'));
  if (!ctT || !content || content.tag !== 0xa0 || extra) throw bad('bad ContentInfo');
  const contentType = decodeOid(ctT);
  const [sd, extra2] = children(content);
  if (!sd || sd.tag !== TAG.SEQUENCE || extra2) throw bad('bad SignedData');
  const f = children(sd);
  const [versionT, digestAlgs, eci] = f;
  if (!versionT || !digestAlgs || digestAlgs.tag !== TAG.SET || !eci || eci.tag !== TAG.SEQUENCE) throw bad('bad SignedData fields');
  // RFC 5652 5.1: version 3 whenever eContentType is not id-data (a TSTInfo never is).
  if (decodeUint(versionT) !== 3n) throw bad('SignedData version must be 3');
  const [ectT, ecT] = children(eci);
  if (!ectT) throw bad('missing eContentType');
  const eContentType = decodeOid(ectT);
  if (!ecT || ecT.tag !== 0xa0) throw bad('missing eContent');
  const [octs] = children(ecT);
  if (!octs || octs.tag !== TAG.OCTET_STRING) throw bad('eContent is not a primitive OCTET STRING');
  let i = 3;
  const certificates: Uint8Array[] = [];
  if (f[i]?.tag === 0xa0) {
    for (const c of children(f[i]!)) {
      // CertificateChoices (RFC 5652 10.2.2): certificate, or [0]..[3] alternatives that are skipped.
      if (c.tag === TAG.SEQUENCE) certificates.push(c.bytes);
      else if (c.tag < 0xa0 || c.tag > 0xa3) throw bad('bad CertificateChoices');
    }
    i++;
  }
  if (f[i]?.tag === 0xa1) i++; // crls: not used for revocation here (docs/trusted-time.md)
  const sis = f[i++];
  if (!sis || sis.tag !== TAG.SET || i !== f.length) throw bad('bad signerInfos');
  const list = children(sis);
  if (list.length !== 1) throw bad(`expected exactly one SignerInfo, got ${list.length}`);
  const signerInfo = parseSignerInfo(list[0]!);
  // RFC 5652 5.1: digestAlgorithms lists the signer's digest algorithm.
  if (!children(digestAlgs).some((a) => algOid(a, 'digestAlgorithm') === signerInfo.digestAlgorithm)) {
    throw bad('digestAlgorithms does not list the signer digest algorithm');
  }
  return { contentType, eContentType, eContent: octs.value, certificates, signerInfo };
}

export interface TstInfo {
  readonly policy: string;
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  readonly serialNumber: bigint;
  readonly genTime: Date;
  readonly nonce?: bigint;
  /** DER GeneralName of the TSA, when present. */
  readonly tsa?: Uint8Array;
}

/**
 * Parse TSTInfo (RFC 3161 2.4.2); genTime must be GeneralizedTime ending in Z.
 * @throws AtlogError `ERR_TSA_MALFORMED`
 */
export function parseTstInfo(der: Uint8Array, decodeTime: (t: Tlv) => Date): TstInfo {
  const f = children(readOne(der, TAG.SEQUENCE, 'TSTInfo'));
  const [version, policy, mi, serial, genTime] = f;
  if (!version || decodeUint(version) !== 1n) throw bad('TSTInfo version must be 1');
  if (!policy || !mi || !serial || !genTime || genTime.tag !== TAG.GENERALIZED_TIME) throw bad('truncated TSTInfo');
  const { hashAlgorithm, hashedMessage } = parseMessageImprint(mi);
  let nonce: bigint | undefined;
  let tsa: Uint8Array | undefined;
  for (const t of f.slice(5)) {
    if (t.tag === TAG.INTEGER) nonce = decodeUint(t);
    else if (t.tag === 0xa0) tsa = children(t)[0]?.bytes;
    else if (t.tag !== TAG.SEQUENCE && t.tag !== TAG.BOOLEAN && t.tag !== 0xa1) throw bad('unexpected field in TSTInfo');
  }
  return {
    policy: decodeOid(policy),
    hashAlgorithm,
    hashedMessage,
    serialNumber: decodeUint(serial),
    genTime: decodeTime(genTime),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(tsa ? { tsa } : {}),
  };
}
