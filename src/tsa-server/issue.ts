import { sha256 } from '@noble/hashes/sha2.js';
import { Attribute, IssuerAndSerialNumber, MessageDigest, id_contentType, id_messageDigest, id_signedData } from '@peculiar/asn1-cms';
import { OctetString } from '@peculiar/asn1-schema';
import { id_sha256 } from '@peculiar/asn1-rsa';
import { Accuracy, MessageImprint, TSTInfo, id_ct_tstInfo } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { EssCertIdV2, IssuerSerial, SigningCertificateV2, id_aa_signingCertificateV2 } from '../tsa/ess.js';
import { digestAlgorithm, uintBytes, type ParsedTimestampRequest } from '../tsa/request.js';
import { derContents, derElement, encode } from '../x509/asn1.js';
import { parseCertificate, type ParsedCertificate } from '../x509/certificate.js';

/**
 * Build TimeStampTokens (RFC 3161 2.4.2): a CMS SignedData (RFC 5652 5) over a DER TSTInfo, signed by the TSA key
 * through a callback, with signed attributes contentType, messageDigest and signingCertificateV2 (RFC 5035,
 * ESSCertIDv2 with the default SHA-256 and issuerSerial). Pure: signing is the caller's job.
 *
 * Every structure with content is built with @peculiar/asn1-tsp, -cms and -x509 classes. What does not change
 * between tokens of one certificate (its attributes, signer identifier, the certificate itself) is encoded once,
 * and the SignedData layers that only wrap final bytes are written with `derElement`, so a token costs one
 * TSTInfo and one messageDigest encoding. The embedded TSA verifies its first token in full (a self-test), so a slip fails there.
 */

export interface TokenSigner {
  /** DER of the TSA certificate. */
  readonly certDer: Uint8Array;
  /** The signature AlgorithmIdentifier, e.g. ecdsa-with-SHA256 without parameters (RFC 5758 3.2). */
  readonly signatureAlgorithm: AlgorithmIdentifier;
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

const TAG = { SEQUENCE: 0x30, SET: 0x31, CTX0: 0xa0 } as const;
const buffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;
const oid = (dotted: string): Uint8Array => new Uint8Array(new asn1js.ObjectIdentifier({ value: dotted }).toBER());
const integer = (n: number): Uint8Array => new Uint8Array(new asn1js.Integer({ value: n }).toBER());
/** The constant leaves of every token, encoded once. */
const LEAF = { v1: integer(1), v3: integer(3), signedData: oid(id_signedData), tstInfo: oid(id_ct_tstInfo) };

/** X.690 11.6: a DER SET OF lists its elements in the order of their encodings. */
function derOrder(elements: Uint8Array[]): Uint8Array[] {
  return [...elements].sort((x, y) => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  });
}

/** Issues tokens for one TSA certificate. */
export class TokenIssuer {
  private readonly cert: ParsedCertificate;
  private readonly fixedAttrs: Uint8Array[];
  private readonly sid: Uint8Array;
  private readonly sha256Alg = encode(new AlgorithmIdentifier({ algorithm: id_sha256 }));
  private readonly signatureAlgorithm: Uint8Array;
  private readonly certificates: Uint8Array;
  private readonly tsaField: Uint8Array;

  /** @throws AtlogError `ERR_TSA_MALFORMED` when the signer certificate does not parse. */
  constructor(private readonly signer: TokenSigner) {
    this.cert = parseCertificate(signer.certDer);
    const { issuer } = this.cert.asn.tbsCertificate;
    const issuerSerial = new IssuerSerial({ issuer: buffer(encode(new GeneralNames([new GeneralName({ directoryName: issuer })]))), serialNumber: buffer(this.cert.serial) });
    // ESSCertIDv2 with the DEFAULT hashAlgorithm (SHA-256) left out, as DER requires (RFC 5035 3).
    const signingCertificate = new SigningCertificateV2({ certs: [new EssCertIdV2({ certHash: new OctetString(sha256(signer.certDer)), issuerSerial })] });
    this.fixedAttrs = [
      encode(new Attribute({ attrType: id_contentType, attrValues: [buffer(LEAF.tstInfo)] })),
      encode(new Attribute({ attrType: id_aa_signingCertificateV2, attrValues: [buffer(encode(signingCertificate))] })),
    ];
    this.sid = encode(new IssuerAndSerialNumber({ issuer, serialNumber: buffer(this.cert.serial) }));
    this.signatureAlgorithm = encode(signer.signatureAlgorithm);
    // certificates [0] IMPLICIT CertificateSet: the TSA certificate exactly as issued.
    this.certificates = derElement(TAG.CTX0, signer.certDer);
    // TSTInfo's tsa [0] EXPLICIT GeneralName: the directoryName of the certificate subject.
    this.tsaField = derElement(TAG.CTX0, encode(new GeneralName({ directoryName: this.cert.asn.tbsCertificate.subject })));
  }

  /** Issue a DER TimeStampToken for an already validated request. */
  issue(req: ParsedTimestampRequest, opts: IssueOptions): Uint8Array {
    // asn1-tsp writes every field but tsa, which is the same in every token and the last one atlog writes, so its
    // bytes (encoded once; mapping the Name costs more than the rest of the TSTInfo) end the SEQUENCE.
    const withoutTsa = encode(
      new TSTInfo({
        version: 1,
        policy: opts.policy,
        messageImprint: new MessageImprint({ hashAlgorithm: digestAlgorithm(req.hashAlgorithm), hashedMessage: new OctetString(req.hashedMessage) }),
        serialNumber: buffer(uintBytes(opts.serialNumber)),
        genTime: opts.genTime,
        ...(opts.accuracySeconds !== undefined ? { accuracy: new Accuracy({ seconds: opts.accuracySeconds }) } : {}),
        // ordering FALSE is the DEFAULT and so left out; the nonce is echoed byte for byte.
        ...(req.nonce ? { nonce: buffer(req.nonce) } : {}),
      }),
    );
    const tstInfo = derElement(TAG.SEQUENCE, derContents(withoutTsa), this.tsaField);
    const messageDigest = encode(new Attribute({ attrType: id_messageDigest, attrValues: [buffer(encode(new MessageDigest(sha256(tstInfo))))] }));
    const attrs = derOrder([...this.fixedAttrs, messageDigest]);
    // RFC 5652 5.4: the signature is over the SET OF encoding; in the SignerInfo the same octets are tagged [0].
    const signature = this.signer.sign(derElement(TAG.SET, ...attrs));
    const signerInfo = derElement(
      TAG.SEQUENCE,
      LEAF.v1, // version 1: the sid is issuerAndSerialNumber (RFC 5652 5.3)
      this.sid,
      this.sha256Alg,
      derElement(TAG.CTX0, ...attrs),
      this.signatureAlgorithm,
      encode(new OctetString(signature)),
    );
    const signedData = derElement(
      TAG.SEQUENCE,
      LEAF.v3, // RFC 5652 5.1: eContentType is not id-data
      derElement(TAG.SET, this.sha256Alg),
      derElement(TAG.SEQUENCE, LEAF.tstInfo, derElement(TAG.CTX0, encode(new OctetString(tstInfo)))),
      // certReq TRUE: include the TSA certificate (RFC 3161 2.4.1); the root is pinned by verifiers, not shipped.
      ...(req.certReq ? [this.certificates] : []),
      derElement(TAG.SET, signerInfo),
    );
    return derElement(TAG.SEQUENCE, LEAF.signedData, derElement(TAG.CTX0, signedData));
  }
}

/**
 * Issue one DER TimeStampToken (see {@link TokenIssuer}; a TSA issuing many keeps one issuer).
 * @throws AtlogError `ERR_TSA_MALFORMED` only if the signer certificate does not parse.
 */
export function issueToken(req: ParsedTimestampRequest, signer: TokenSigner, opts: IssueOptions): Uint8Array {
  return new TokenIssuer(signer).issue(req, opts);
}
