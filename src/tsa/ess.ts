import { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, PolicyInformation } from '@peculiar/asn1-x509';

/**
 * The ESS signing-certificate attributes that bind a CMS signature to its signer certificate (RFC 2634
 * section 5.4, RFC 5035 section 3), declared as @peculiar/asn1-schema classes (the asn1-* packages do not ship
 * them). Decorators are applied as plain calls so no compiler flag is needed. Pure, browser-safe.
 */

/** id-aa-signingCertificate (RFC 2634 5.4) and id-aa-signingCertificateV2 (RFC 5035 3). */
export const id_aa_signingCertificate = '1.2.840.113549.1.9.16.2.12';
export const id_aa_signingCertificateV2 = '1.2.840.113549.1.9.16.2.47';

/**
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }. The issuer is kept as
 * its DER (ANY): it is compared bytewise with a certificate's issuer, and mapping GeneralNames (a CHOICE of
 * nine) on every token costs more than the rest of the attribute.
 */
export class IssuerSerial {
  issuer = new ArrayBuffer(0);
  serialNumber = new ArrayBuffer(0);
  constructor(params: Partial<IssuerSerial> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: AsnPropTypes.Any })(IssuerSerial.prototype, 'issuer');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(IssuerSerial.prototype, 'serialNumber');

/** ESSCertID ::= SEQUENCE { certHash Hash (SHA-1), issuerSerial IssuerSerial OPTIONAL } */
export class EssCertId {
  certHash = new OctetString();
  issuerSerial?: IssuerSerial;
  constructor(params: Partial<EssCertId> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: OctetString })(EssCertId.prototype, 'certHash');
AsnProp({ type: IssuerSerial, optional: true })(EssCertId.prototype, 'issuerSerial');

/** ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT id-sha256, certHash Hash, issuerSerial IssuerSerial OPTIONAL } */
export class EssCertIdV2 {
  /** Absent means the DEFAULT, SHA-256 (DER leaves it out). */
  hashAlgorithm?: AlgorithmIdentifier;
  certHash = new OctetString();
  issuerSerial?: IssuerSerial;
  constructor(params: Partial<EssCertIdV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: AlgorithmIdentifier, optional: true })(EssCertIdV2.prototype, 'hashAlgorithm');
AsnProp({ type: OctetString })(EssCertIdV2.prototype, 'certHash');
AsnProp({ type: IssuerSerial, optional: true })(EssCertIdV2.prototype, 'issuerSerial');

/** SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies SEQUENCE OF PolicyInformation OPTIONAL } */
export class SigningCertificate {
  certs: EssCertId[] = [];
  policies?: PolicyInformation[];
}
AsnProp({ type: EssCertId, repeated: 'sequence' })(SigningCertificate.prototype, 'certs');
AsnProp({ type: PolicyInformation, repeated: 'sequence', optional: true })(SigningCertificate.prototype, 'policies');

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF PolicyInformation OPTIONAL } */
export class SigningCertificateV2 {
  certs: EssCertIdV2[] = [];
  policies?: PolicyInformation[];
  constructor(params: Partial<SigningCertificateV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: EssCertIdV2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs');
AsnProp({ type: PolicyInformation, repeated: 'sequence', optional: true })(SigningCertificateV2.prototype, 'policies');
