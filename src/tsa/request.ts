import { AtlogError } from '../errors.js';
import { assertBytes } from '../util/bytes.js';
import { TAG, bool, children, decodeOid, decodeUint, derNull, octets, oid, readOne, seq, uint, type Tlv } from './der.js';
import { OID } from './oids.js';

/**
 * RFC 3161 section 2.4.1 TimeStampReq:
 * ```
 * TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *   reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
 *   extensions [0] IMPLICIT Extensions OPTIONAL }
 * MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 * ```
 * atlog only asks for SHA-256 imprints (RFC 9921 3161-ctt over a tree head signature).
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

/**
 * Build a DER TimeStampReq for a SHA-256 digest with certReq TRUE and a random 64-bit nonce.
 * @param imprint the 32-byte SHA-256 digest to be timestamped.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `imprint` is not 32 bytes or `policy` is not a dotted OID.
 */
export function buildTimestampRequest(imprint: Uint8Array, opts: { nonce?: bigint; policy?: string } = {}): TimestampRequest {
  assertBytes(imprint, 32, 'imprint');
  const nonce = opts.nonce ?? randomNonce();
  if (opts.policy !== undefined && !/^\d+(\.\d+)+$/.test(opts.policy)) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', 'policy must be a dotted OID');
  }
  const der = seq(
    uint(1n),
    seq(seq(oid(OID.sha256), derNull()), octets(imprint)),
    ...(opts.policy ? [oid(opts.policy)] : []),
    uint(nonce),
    bool(true),
  );
  return { der, nonce };
}

/** A parsed TimeStampReq, as the embedded TSA sees it. */
export interface ParsedTimestampRequest {
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  readonly policy?: string;
  /** The nonce INTEGER's content bytes, echoed unchanged into TSTInfo. */
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
  const fields = children(readOne(der, TAG.SEQUENCE, 'TimeStampReq'));
  let i = 0;
  const next = (): Tlv | undefined => fields[i];
  const version = fields[i++];
  if (!version || decodeUint(version) !== 1n) throw new AtlogError('ERR_TSA_MALFORMED', 'TimeStampReq version must be 1');
  const mi = fields[i++];
  if (!mi || mi.tag !== TAG.SEQUENCE) throw new AtlogError('ERR_TSA_MALFORMED', 'missing messageImprint');
  const { hashAlgorithm, hashedMessage } = parseMessageImprint(mi);
  let policy: string | undefined;
  let nonce: Uint8Array | undefined;
  let certReq = false;
  let hasExtensions = false;
  if (next()?.tag === TAG.OID) policy = decodeOid(fields[i++]!);
  if (next()?.tag === TAG.INTEGER) {
    const n = fields[i++]!;
    decodeUint(n); // RFC 3161 does not forbid negative nonces, but we only ever echo positive ones
    nonce = n.value;
  }
  if (next()?.tag === TAG.BOOLEAN) {
    const b = fields[i++]!;
    if (b.value.length !== 1 || (b.value[0] !== 0 && b.value[0] !== 0xff)) throw new AtlogError('ERR_TSA_MALFORMED', 'bad BOOLEAN');
    certReq = b.value[0] === 0xff;
  }
  if (next()?.tag === 0xa0) {
    hasExtensions = true;
    i++;
  }
  if (i !== fields.length) throw new AtlogError('ERR_TSA_MALFORMED', 'unexpected fields in TimeStampReq');
  return { hashAlgorithm, hashedMessage, ...(policy ? { policy } : {}), ...(nonce ? { nonce } : {}), certReq, hasExtensions };
}

/**
 * Parse a MessageImprint; the AlgorithmIdentifier parameters must be absent or NULL.
 * @throws AtlogError `ERR_TSA_MALFORMED`
 */
export function parseMessageImprint(mi: Tlv): { hashAlgorithm: string; hashedMessage: Uint8Array } {
  const [alg, hashed, extra] = children(mi);
  if (!alg || alg.tag !== TAG.SEQUENCE || !hashed || hashed.tag !== TAG.OCTET_STRING || extra) {
    throw new AtlogError('ERR_TSA_MALFORMED', 'bad MessageImprint');
  }
  const [algOid, params, more] = children(alg);
  if (!algOid || more || (params && params.tag !== TAG.NULL)) throw new AtlogError('ERR_TSA_MALFORMED', 'bad hashAlgorithm');
  return { hashAlgorithm: decodeOid(algOid), hashedMessage: hashed.value };
}
