import { ContentInfo, DigestAlgorithmIdentifiers, EncapsulatedContentInfo } from '@peculiar/asn1-cms';
import { MessageImprint } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Name } from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { TAG, children, contents, decode, der, expectShape, isContext, isSequence, isUniversal, oidOf, parseDer, shape, type Node } from '../x509/asn1.js';

/**
 * A TimeStampToken (RFC 3161 section 2.4.2): a CMS ContentInfo holding SignedData (RFC 5652 section 5) over a
 * TSTInfo. @peculiar/asn1-cms and asn1-tsp check the structure and read the values; the byte slices the
 * verifier hashes and checks (the TSTInfo, the signed attributes, the certificates) are the received bytes,
 * taken from the parse tree, never re-encoded. Pure; structural problems throw `ERR_TSA_MALFORMED`.
 */

export interface SignerInfoParts {
  readonly sid: { kind: 'issuerSerial'; issuer: Uint8Array; serial: Uint8Array } | { kind: 'ski'; ski: Uint8Array };
  readonly digestAlgorithm: string;
  /** The signed attributes exactly as received, outer tag [0] (0xA0) included. */
  readonly signedAttrsRaw: Uint8Array;
  /** attrType OID -> attrValues, each the DER of one value as received. */
  readonly signedAttrs: ReadonlyMap<string, Uint8Array[]>;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export interface SignedDataParts {
  readonly contentType: string;
  readonly eContentType: string;
  /** The TSTInfo DER as received: the contents of the eContent OCTET STRING. */
  readonly eContent: Uint8Array;
  /** The certificates of the token, each as received (other CertificateChoices are skipped). */
  readonly certificates: Uint8Array[];
  readonly signerInfo: SignerInfoParts;
}

const bad = (msg: string): AtlogError => new AtlogError('ERR_TSA_MALFORMED', msg);

/** The digest OID of a digest AlgorithmIdentifier, whose parameters are absent or NULL (RFC 5754 section 2). */
export function digestOid(alg: AlgorithmIdentifier, name: string): string {
  if (alg.parameters !== undefined && alg.parameters !== null) throw bad(`bad ${name} parameters`);
  return alg.algorithm;
}

/** A non-negative INTEGER's contents octets as a bigint. @throws AtlogError `ERR_TSA_MALFORMED` when negative. */
export function uintOf(bytes: ArrayBuffer | Uint8Array, name: string): bigint {
  const b = new Uint8Array(bytes);
  if (b.length === 0 || b[0]! & 0x80) throw bad(`${name} must be a positive INTEGER`);
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

/**
 * Split a DER TimeStampToken (ContentInfo) into its SignedData parts.
 * @throws AtlogError `ERR_TSA_MALFORMED` on any structural problem, including more or fewer than one SignerInfo
 *   (RFC 3161 2.4.2: the token carries the TSA's signature only).
 */
export function parseSignedData(token: Uint8Array | Node): SignedDataParts {
  const root = token instanceof Uint8Array ? parseDer(token, 'TimeStampToken') : token;
  const ci = decode(root, ContentInfo, 'ContentInfo');
  // Layouts: ContentInfo { contentType, [0] EXPLICIT content }; SignedData { version, digestAlgorithms SET,
  // encapContentInfo, certificates [0] OPTIONAL, crls [1] OPTIONAL, signerInfos SET }. SignedData's parts are
  // mapped one by one so that the certificates (parseCertificate memoises them) are not mapped for every token.
  const [, wrapper] = children(expectShape(root, /^u6 c0$/, 'ContentInfo'));
  const [sdNode] = children(expectShape(wrapper, /^u16$/, 'ContentInfo content', 'c0'));
  const [version, digestAlgs, eci, ...rest] = children(expectShape(sdNode, /^u2 u17 u16( c0)?( c1)? u17$/, 'SignedData'));
  // RFC 5652 5.1: version 3 whenever eContentType is not id-data (a TSTInfo never is).
  if (contents(version!).length !== 1 || contents(version!)[0] !== 3) throw bad('SignedData version must be 3');
  const [, eContentWrapper] = children(expectShape(eci, /^u6 c0$/, 'EncapsulatedContentInfo'));
  const [eContent] = children(expectShape(eContentWrapper, /^u4$/, 'eContent (a primitive OCTET STRING)', 'c0'));
  const encap = decode(eci!, EncapsulatedContentInfo, 'EncapsulatedContentInfo');
  const signerInfosNode = rest[rest.length - 1]!;
  if (children(signerInfosNode).length !== 1) throw bad(`expected exactly one SignerInfo, got ${children(signerInfosNode).length}`);
  const signerInfo = signerInfoParts(children(signerInfosNode)[0]!);
  // RFC 5652 5.1: digestAlgorithms lists the signer's digest algorithm.
  const digestAlgorithms = decode(expectShape(digestAlgs, /^u16( u16)*$/, 'digestAlgorithms', 'u17'), DigestAlgorithmIdentifiers, 'digestAlgorithms', TAG.SET);
  if (!digestAlgorithms.some((a) => digestOid(a, 'digestAlgorithm') === signerInfo.digestAlgorithm)) {
    throw bad('digestAlgorithms does not list the signer digest algorithm');
  }
  // CertificateChoices (RFC 5652 10.2.2): plain certificates are used, the other choices ([0] to [3]) skipped.
  const certNode = rest.find((o) => isContext(o, 0));
  if (certNode && !/^((u16|c[0-3]) ?)*$/.test(shape(certNode))) throw bad('bad CertificateChoices');
  return {
    contentType: ci.contentType,
    eContentType: encap.eContentType,
    eContent: contents(eContent!),
    certificates: certNode ? children(certNode).filter(isSequence).map(der) : [],
    signerInfo,
  };
}

function signerInfoParts(node: Node): SignerInfoParts {
  // SignerInfo ::= SEQUENCE { version, sid (IssuerAndSerialNumber or [0] SubjectKeyIdentifier), digestAlgorithm,
  //   signedAttrs [0] OPTIONAL, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] OPTIONAL }
  // It is read field by field: asn1-cms's SignerInfo class re-encodes and re-parses the signed attributes on
  // every decode, and of the sid only the bytes are compared (with the certificates' issuer and serial).
  const f = children(expectShape(node, /^u2 (u16|c0p) u16( c0)? u16 u4( c1)?$/, 'SignerInfo'));
  const version = contents(f[0]!);
  let sid: SignerInfoParts['sid'];
  // RFC 5652 5.3: version 1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
  if (isSequence(f[1])) {
    if (version.length !== 1 || version[0] !== 1) throw bad('SignerInfo version does not match its sid');
    const [issuer, serial] = children(expectShape(f[1], /^u16 u2$/, 'IssuerAndSerialNumber'));
    sid = { kind: 'issuerSerial', issuer: der(issuer!), serial: contents(serial!) };
  } else {
    if (version.length !== 1 || version[0] !== 3) throw bad('SignerInfo version does not match its sid');
    sid = { kind: 'ski', ski: contents(f[1]!) };
  }
  const attrsNode = isContext(f[3], 0) ? f[3]! : undefined;
  if (!attrsNode) throw bad('SignerInfo without signed attributes (RFC 3161 requires them)');
  const signedAttrs = new Map<string, Uint8Array[]>();
  for (const a of children(expectShape(attrsNode, /^u16( u16)*$/, 'signed attributes', 'c0'))) {
    const [type, values] = children(expectShape(a, /^u6 u17$/, 'Attribute'));
    const id = oidOf(type);
    // RFC 5652 5.3: each attribute type appears at most once among the signed attributes.
    if (signedAttrs.has(id)) throw bad(`duplicate signed attribute ${id}`);
    signedAttrs.set(id, children(values!).map(der));
  }
  return {
    sid,
    digestAlgorithm: digestOid(decode(f[2]!, AlgorithmIdentifier, 'digestAlgorithm'), 'digestAlgorithm'),
    signedAttrsRaw: der(attrsNode),
    signedAttrs,
    signatureAlgorithm: decode(f[4]!, AlgorithmIdentifier, 'signatureAlgorithm'),
    signature: contents(f[5]!),
  };
}

export interface TstInfo {
  readonly policy: string;
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  readonly serialNumber: bigint;
  readonly genTime: Date;
  readonly nonce?: bigint;
  /** The TSA's name, when its GeneralName is a directoryName. */
  readonly tsaName?: Name;
}

/**
 * RFC 3161 2.4.2: genTime is GeneralizedTime in UTC ("Z"), with seconds and an optional fraction without
 * trailing zeros. asn1js also reads local times and offsets, so the text is checked here.
 */
function genTimeOf(node: Node): Date {
  const s = new TextDecoder().decode(contents(node));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(s);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + Math.floor(Number(`0.${m[7] ?? 0}`) * 1000) : NaN;
  const d = new Date(ms);
  if (!m || Number.isNaN(ms) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) throw bad(`bad genTime "${s}"`);
  return d;
}

/**
 * Parse TSTInfo (RFC 3161 2.4.2). It is read field by field against its layout, the structured fields with
 * asn1-tsp's MessageImprint and asn1-x509's Name: asn1-tsp's TSTInfo class would map the tsa GeneralName (a
 * CHOICE of nine) on every token, which costs more than all the rest, and the fields the verifier needs are
 * few: the policy read exactly, the strict genTime, the integers and the TSA's directoryName.
 * @throws AtlogError `ERR_TSA_MALFORMED`
 */
export function parseTstInfo(bytes: Uint8Array): TstInfo {
  const node = parseDer(bytes, 'TSTInfo');
  // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime GeneralizedTime,
  //   accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL, extensions [1] OPTIONAL }
  const f = children(expectShape(node, /^u2 u6 u16 u2 u24( u16)?( u1)?( u2)?( c0)?( c1)?$/, 'TSTInfo'));
  const version = contents(f[0]!);
  if (version.length !== 1 || version[0] !== 1) throw bad('TSTInfo version must be 1');
  const imprint = decode(expectShape(f[2], /^u16 u4$/, 'MessageImprint'), MessageImprint, 'MessageImprint');
  const rest = f.slice(5);
  const nonce = rest.find((x) => isUniversal(x, TAG.INTEGER));
  // tsa [0] EXPLICIT GeneralName; a directoryName is [4] EXPLICIT Name.
  const general = rest.find((x) => isContext(x, 0));
  const directoryName = general && children(expectShape(general, /^c\d+p?$/, 'tsa', 'c0')).find((g) => isContext(g, 4));
  return {
    policy: oidOf(f[1]), // exactly: policies under 2.25 have arcs beyond 2^53
    hashAlgorithm: digestOid(imprint.hashAlgorithm, 'hashAlgorithm'),
    hashedMessage: new Uint8Array(imprint.hashedMessage.buffer),
    serialNumber: uintOf(contents(f[3]!), 'serialNumber'),
    genTime: genTimeOf(f[4]!),
    ...(nonce ? { nonce: uintOf(contents(nonce), 'nonce') } : {}),
    ...(directoryName ? { tsaName: decode(children(expectShape(directoryName, /^u16$/, 'directoryName', 'c4'))[0]!, Name, 'directoryName') } : {}),
  };
}
