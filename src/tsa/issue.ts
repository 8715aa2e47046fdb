import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../util/bytes.js';
import { TAG, derNull, generalizedTime, octets, oid, seq, setOf, tlv, uint } from './der.js';
import { parseCert } from './cert.js';
import { OID } from './oids.js';
import type { ParsedTimestampRequest } from './request.js';

/**
 * Build a TimeStampToken (RFC 3161 2.4.2): a CMS SignedData (RFC 5652 5) over a DER TSTInfo, signed by the TSA
 * key through a callback, with signed attributes contentType, messageDigest and signingCertificateV2
 * (RFC 5035, ESSCertIDv2 with SHA-256). Pure: signing is the caller's job.
 */

export interface TokenSigner {
  /** DER of the TSA certificate. */
  readonly certDer: Uint8Array;
  /** DER AlgorithmIdentifier of the signature, e.g. ecdsa-with-SHA256 without parameters (RFC 5758 3.2). */
  readonly signatureAlgorithm: Uint8Array;
  /** Sign `data` (hashing it with SHA-256); ECDSA signatures in DER (X9.62 Ecdsa-Sig-Value). */
  sign(data: Uint8Array): Uint8Array;
}

export interface IssueOptions {
  readonly genTime: Date;
  /** A unique serial number (RFC 3161 2.4.2: unique per TSA, up to 160 bits). */
  readonly serialNumber: bigint;
  /** The TSA policy OID. */
  readonly policy: string;
  /** Accuracy in seconds; omitted when undefined. */
  readonly accuracySeconds?: number;
}

/** The ecdsa-with-SHA256 AlgorithmIdentifier: no parameters (RFC 5758 3.2). */
export const ECDSA_SHA256_ALG = seq(oid(OID.ecdsaWithSha256));

function attribute(type: string, value: Uint8Array): Uint8Array {
  return seq(oid(type), setOf(TAG.SET, [value]));
}

/**
 * Issue a DER TimeStampToken for an already validated request.
 * @throws AtlogError `ERR_TSA_MALFORMED` only if the signer certificate does not parse.
 */
export function issueToken(req: ParsedTimestampRequest, signer: TokenSigner, opts: IssueOptions): Uint8Array {
  const cert = parseCert(signer.certDer);
  const tstInfo = seq(
    uint(1n),
    oid(opts.policy),
    seq(seq(oid(req.hashAlgorithm), derNull()), octets(req.hashedMessage)),
    uint(opts.serialNumber),
    generalizedTime(opts.genTime),
    ...(opts.accuracySeconds !== undefined ? [seq(uint(BigInt(opts.accuracySeconds)))] : []),
    // ordering FALSE is the DEFAULT and so omitted in DER; the nonce is echoed byte for byte.
    ...(req.nonce ? [tlv(TAG.INTEGER, req.nonce)] : []),
    // tsa [0] GeneralName: directoryName [4] (EXPLICIT, as Name is a CHOICE) with the certificate subject.
    tlv(0xa0, tlv(0xa4, cert.subject)),
  );
  const issuerSerial = seq(seq(tlv(0xa4, cert.issuer)), tlv(TAG.INTEGER, cert.serial));
  // ESSCertIDv2 with the DEFAULT hashAlgorithm (SHA-256) omitted, as DER requires (RFC 5035 3).
  const essCertIdV2 = seq(octets(sha256(signer.certDer)), issuerSerial);
  const signedAttrs = setOf(TAG.SET, [
    attribute(OID.contentType, oid(OID.tstInfo)),
    attribute(OID.messageDigest, octets(sha256(tstInfo))),
    attribute(OID.signingCertificateV2, seq(seq(essCertIdV2))),
  ]);
  // RFC 5652 5.4: the signature is over the SET OF encoding; in the SignerInfo it is tagged [0] IMPLICIT.
  const signature = signer.sign(signedAttrs);
  const signedAttrsA0 = concatBytes(Uint8Array.of(0xa0), signedAttrs.subarray(1));
  const sha256Alg = seq(oid(OID.sha256));
  const signerInfo = seq(
    uint(1n),
    seq(cert.issuer, tlv(TAG.INTEGER, cert.serial)),
    sha256Alg,
    signedAttrsA0,
    signer.signatureAlgorithm,
    octets(signature),
  );
  const signedData = seq(
    uint(3n),
    setOf(TAG.SET, [sha256Alg]),
    seq(oid(OID.tstInfo), tlv(0xa0, octets(tstInfo))),
    // certReq TRUE: include the TSA certificate (RFC 3161 2.4.1); the root is pinned by verifiers, not shipped.
    ...(req.certReq ? [setOf(0xa0, [signer.certDer])] : []),
    setOf(TAG.SET, [signerInfo]),
  );
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}
