import { OctetString } from '@peculiar/asn1-schema';
import { id_sha256 } from '@peculiar/asn1-rsa';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { AtlogError } from '../errors.js';
import { assertBytes } from '../util/bytes.js';
import { assertEncodableOid, children, decode, encode, expectShape, oidOf, parseDer } from '../x509/asn1.js';
import { digestOid } from './token.js';

/**
 * RFC 3161 section 2.4.1 TimeStampReq, built and read with @peculiar/asn1-tsp:
 * ```
 * TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *   reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
 *   extensions [0] IMPLICIT Extensions OPTIONAL }
 * ```
 * atlog only asks for SHA-256 imprints (RFC 9921 3161-ctt over a tree head signature). Pure, browser-safe.
 */

export interface TimestampRequest {
  /** DER TimeStampReq, the body of an `application/timestamp-query` POST. */
  readonly der: Uint8Array;
  /** The nonce sent; the TSTInfo must echo it (RFC 3161 2.4.2). */
  readonly nonce: bigint;
}

/** A random positive 64-bit nonce (RFC 3161 2.4.1: "a large random number with a high probability..."). */
export function randomNonce(): bigint {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n === 0n ? 1n : n;
}

/** The contents octets of a non-negative DER INTEGER (a leading 0x00 when the high bit is set). */
export function uintBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new AtlogError('ERR_INVALID_ARGUMENT', 'negative INTEGER');
  const hex = n.toString(16);
  const padded = hex.length % 2 ? `0${hex}` : hex;
  const bytes = Uint8Array.from(padded.match(/../g)!, (h) => parseInt(h, 16));
  return bytes[0]! & 0x80 ? Uint8Array.of(0, ...bytes) : bytes;
}

/** A digest AlgorithmIdentifier with NULL parameters, as openssl and RFC 3161 examples write it. */
export function digestAlgorithm(oid: string): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: oid, parameters: null });
}

/**
 * Build a DER TimeStampReq for a SHA-256 digest with certReq TRUE and a random 64-bit nonce.
 * @param imprint the 32-byte SHA-256 digest to be timestamped.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `imprint` is not 32 bytes or `policy` is not a dotted OID.
 */
export function buildTimestampRequest(imprint: Uint8Array, opts: { nonce?: bigint; policy?: string } = {}): TimestampRequest {
  assertBytes(imprint, 32, 'imprint');
  const nonce = opts.nonce ?? randomNonce();
  if (opts.policy !== undefined) assertEncodableOid(opts.policy, 'policy');
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({ hashAlgorithm: digestAlgorithm(id_sha256), hashedMessage: new OctetString(imprint) }),
    ...(opts.policy !== undefined ? { reqPolicy: opts.policy } : {}),
    nonce: uintBytes(nonce).buffer as ArrayBuffer,
    certReq: true,
  });
  return { der: encode(req), nonce };
}

/** A parsed TimeStampReq, as the embedded TSA sees it. */
export interface ParsedTimestampRequest {
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  readonly policy?: string;
  /** The nonce INTEGER's contents octets, echoed unchanged into TSTInfo. */
  readonly nonce?: Uint8Array;
  readonly certReq: boolean;
  readonly hasExtensions: boolean;
}

/**
 * Parse a DER TimeStampReq strictly.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the bytes are not a v1 TimeStampReq.
 */
export function parseTimestampRequest(der: Uint8Array): ParsedTimestampRequest {
  assertBytes(der, undefined, 'request');
  const node = parseDer(der, 'TimeStampReq');
  // { version, messageImprint { hashAlgorithm, hashedMessage }, reqPolicy OPTIONAL, nonce OPTIONAL,
  //   certReq DEFAULT FALSE, extensions [0] OPTIONAL }
  expectShape(children(expectShape(node, /^u2 u16( u6)?( u2)?( u1)?( c0)?$/, 'TimeStampReq'))[1], /^u16 u4$/, 'MessageImprint');
  const req = decode(node, TimeStampReq, 'TimeStampReq');
  if (req.version !== 1) throw new AtlogError('ERR_TSA_MALFORMED', 'TimeStampReq version must be 1');
  const nonce = req.nonce && new Uint8Array(req.nonce);
  // RFC 3161 does not forbid negative nonces, but we only ever echo positive ones
  if (nonce && nonce[0]! & 0x80) throw new AtlogError('ERR_TSA_MALFORMED', 'negative nonce');
  const policyNode = req.reqPolicy !== undefined ? children(node)[2] : undefined;
  return {
    hashAlgorithm: digestOid(req.messageImprint.hashAlgorithm, 'hashAlgorithm'),
    hashedMessage: new Uint8Array(req.messageImprint.hashedMessage.buffer),
    ...(policyNode ? { policy: oidOf(policyNode) } : {}),
    ...(nonce ? { nonce } : {}),
    certReq: req.certReq,
    hasExtensions: req.extensions !== undefined,
  };
}
