import { createPrivateKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { id_ecdsaWithSHA256 } from '@peculiar/asn1-ecc';
import { id_sha256, id_sha384, id_sha512 } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { buildTimestampRequest, parseTimestampRequest } from '../tsa/request.js';
import { FAIL_INFO, encodeGrantedResponse, encodeRejection } from '../tsa/response.js';
import type { Timestamper } from '../tsa/timestamper.js';
import { verifyTimestampResponse } from '../tsa/verify.js';
import { assertEncodableOid } from '../x509/asn1.js';
import { parseCertificate } from '../x509/certificate.js';
import { certificateToPem } from '../x509/pem.js';
import type { TsaCredentials } from './credentials.js';
import { TokenIssuer } from './issue.js';
import { loadOrCreateCredentials } from './store.js';

/**
 * An RFC 3161 TSA inside the atlog process (Node-only: node:crypto signs). It implements `Timestamper` for the
 * sequencer and `respond(req) -> resp` for HTTP (createTsaRouter), so other tools can use it as a TSA too.
 */

export interface EmbeddedTsaOptions {
  /** TSA policy OID put in every TSTInfo. Default {@link DEFAULT_TSA_POLICY}. */
  policy?: string;
  /** Clock for genTime; tests move it to make expired tokens. Default `() => new Date()`. */
  clock?: () => Date;
  /** Accuracy claimed, in seconds. Default 1. */
  accuracySeconds?: number;
}

/** Policy OID of the embedded TSA (a UUID-derived OID under 2.25, ITU-T X.667, so no registration is needed). */
export const DEFAULT_TSA_POLICY = '2.25.266609495170829544916465184776999607126';

/** Imprint lengths by hash OID that the embedded TSA accepts (RFC 3161 2.4.1: the length must match). */
const ACCEPTED_HASHES: Record<string, number> = { [id_sha256]: 32, [id_sha384]: 48, [id_sha512]: 64 };

/** ecdsa-with-SHA256 without parameters (RFC 5758 3.2): how the embedded TSA signs. */
const ECDSA_SHA256 = new AlgorithmIdentifier({ algorithm: id_ecdsaWithSHA256 });

export class EmbeddedTsa implements Timestamper {
  readonly name = 'embedded';
  readonly policy: string;
  private readonly issuer: TokenIssuer;
  private readonly clock: () => Date;
  private readonly accuracySeconds: number;
  /** Validity windows (ms) of the TSA certificate and its root: a token's genTime must fall inside both. */
  private readonly validity: ReadonlyArray<{ notBefore: number; notAfter: number }>;
  /** Set once a token of this instance has passed the full verifier (the start-up self-test). */
  private selfTested = false;

  /**
   * @throws AtlogError `ERR_TSA_MALFORMED` when the credentials do not parse; `ERR_INVALID_ARGUMENT` for a policy
   *   that is not a dotted OID atlog can encode.
   */
  constructor(readonly credentials: TsaCredentials, opts: EmbeddedTsaOptions = {}) {
    const root = parseCertificate(credentials.rootDer);
    const leaf = parseCertificate(credentials.tsaDer);
    this.validity = [root, leaf].map((c) => ({ notBefore: c.notBefore.getTime(), notAfter: c.notAfter.getTime() }));
    const key: KeyObject = createPrivateKey({ key: Buffer.from(credentials.tsaKeyPkcs8), format: 'der', type: 'pkcs8' });
    this.issuer = new TokenIssuer({ certDer: credentials.tsaDer, signatureAlgorithm: ECDSA_SHA256, sign: (data) => new Uint8Array(nodeSign('sha256', data, key)) });
    this.policy = opts.policy ?? DEFAULT_TSA_POLICY;
    assertEncodableOid(this.policy, 'policy');
    this.clock = opts.clock ?? (() => new Date());
    this.accuracySeconds = opts.accuracySeconds ?? 1;
  }

  /**
   * Open the embedded TSA of a data directory, creating its root CA and TSA certificate on first start.
   * @throws AtlogError `ERR_TSA_STORE` on a damaged `<dataDir>/tsa/`.
   */
  static async open(dataDir: string, opts: EmbeddedTsaOptions = {}): Promise<EmbeddedTsa> {
    const { credentials } = await loadOrCreateCredentials(dataDir, (opts.clock ?? (() => new Date()))());
    return new EmbeddedTsa(credentials, opts);
  }

  /** DER of the root CA certificate (the trust anchor auditors pin). */
  get rootDer(): Uint8Array {
    return this.credentials.rootDer;
  }

  /** The root CA certificate as PEM, as served at `GET /tsa/root.pem`. */
  get rootPem(): string {
    return certificateToPem(this.credentials.rootDer);
  }

  /**
   * Answer a DER TimeStampReq with a DER TimeStampResp. Never throws on bad input: refusals are TimeStampResp
   * rejections with a PKIFailureInfo bit (RFC 3161 2.4.2).
   * @returns `{ resp, ok }`; `ok` is false when the request was refused (`malformed` when it did not parse).
   */
  handle(reqDer: Uint8Array): { resp: Uint8Array; ok: boolean; malformed: boolean } {
    const r = this.decide(reqDer);
    return 'token' in r ? { resp: encodeGrantedResponse(r.token), ok: true, malformed: false } : { resp: r.rejection, ok: false, malformed: r.malformed };
  }

  /** The TimeStampToken for a request, or the rejection response (RFC 3161 2.4.2) with its PKIFailureInfo. */
  private decide(reqDer: Uint8Array): { token: Uint8Array } | { rejection: Uint8Array; malformed: boolean } {
    let req;
    try {
      req = parseTimestampRequest(reqDer);
    } catch {
      return { rejection: encodeRejection(FAIL_INFO.badDataFormat, 'request is not a DER TimeStampReq'), malformed: true };
    }
    const refuse = (bit: number, why: string): { rejection: Uint8Array; malformed: boolean } => ({ rejection: encodeRejection(bit, why), malformed: false });
    const len = ACCEPTED_HASHES[req.hashAlgorithm];
    if (len === undefined) return refuse(FAIL_INFO.badAlg, 'hash algorithm not accepted');
    if (req.hashedMessage.length !== len) return refuse(FAIL_INFO.badDataFormat, 'imprint length does not match its hash algorithm');
    if (req.policy !== undefined && req.policy !== this.policy) return refuse(FAIL_INFO.unacceptedPolicy, 'policy not supported');
    if (req.hasExtensions) return refuse(FAIL_INFO.unacceptedExtension, 'extensions not supported');
    return { token: this.issuer.issue(req, { genTime: this.clock(), serialNumber: randomSerial(), policy: this.policy, accuracySeconds: this.accuracySeconds }) };
  }

  /** Answer a DER TimeStampReq with a DER TimeStampResp (granted or rejection). */
  respond(reqDer: Uint8Array): Uint8Array {
    return this.handle(reqDer).resp;
  }

  /**
   * Timestamper: issue a token for a 32-byte SHA-256 imprint. The first token of this instance goes through the
   * full verifier against this TSA's own root (a self-test: a broken key, certificate or encoder fails here, not in
   * an auditor's hands). Later tokens come from the same key, certificate and code, so only what can change
   * between them is checked: the clock must lie inside both certificates' validity (an expired TSA certificate
   * makes tokens no auditor accepts). Full verification per token cost about 3x the issuing (docs/benchmarks.md).
   * @throws AtlogError `ERR_INVALID_ARGUMENT` for a bad imprint; `ERR_TSA_CERT_EXPIRED` when the clock is outside
   *   a certificate's validity; `ERR_TSA_*` if the self-test token does not verify.
   */
  async timestamp(imprint: Uint8Array): Promise<Uint8Array> {
    const req = buildTimestampRequest(imprint);
    if (!this.selfTested) {
      const { token } = await verifyTimestampResponse(this.respond(req.der), { imprint, roots: [this.credentials.rootDer], nonce: req.nonce, policy: this.policy });
      this.selfTested = true;
      return token;
    }
    const now = this.clock().getTime();
    if (this.validity.some((v) => now < v.notBefore || now > v.notAfter)) {
      throw new AtlogError('ERR_TSA_CERT_EXPIRED', 'the clock is outside the embedded TSA certificate validity: its tokens would not verify');
    }
    const r = this.decide(req.der);
    if (!('token' in r)) throw new AtlogError('ERR_TSA_STATUS', 'the embedded TSA refused its own request');
    return r.token;
  }
}

/** A random positive 127-bit serial: unique without shared state (RFC 3161 2.4.2 allows up to 160 bits). */
function randomSerial(): bigint {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  const n = BigInt(`0x${b.toString('hex')}`);
  if (n === 0n) throw new AtlogError('ERR_TSA_INTERNAL', 'zero serial'); // 2^-127: never in practice
  return n;
}
