import { AtlogError } from '../errors.js';
import { assertBytes } from '../util/bytes.js';
import { TAG, children, decodeUint, readOne, seq, tlv, uint } from './der.js';

/**
 * RFC 3161 section 2.4.2 TimeStampResp:
 * ```
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 * PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }
 * ```
 */

/** PKIStatus values (RFC 3161 2.4.2). */
export const PKI_STATUS = { granted: 0, grantedWithMods: 1, rejection: 2, waiting: 3 } as const;

/** PKIFailureInfo bit numbers (RFC 3161 2.4.2). */
export const FAIL_INFO = { badAlg: 0, badRequest: 2, badDataFormat: 5, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, systemFailure: 25 } as const;

export interface ParsedTimestampResponse {
  readonly status: number;
  readonly statusStrings: string[];
  /** The DER TimeStampToken (a CMS ContentInfo), present when status is granted or grantedWithMods. */
  readonly token?: Uint8Array;
}

/**
 * Parse a DER TimeStampResp without judging it.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the bytes are not a TimeStampResp.
 */
export function parseTimestampResponse(der: Uint8Array): ParsedTimestampResponse {
  assertBytes(der, undefined, 'response');
  const [statusInfo, token, extra] = children(readOne(der, TAG.SEQUENCE, 'TimeStampResp'));
  if (!statusInfo || statusInfo.tag !== TAG.SEQUENCE || extra) throw new AtlogError('ERR_TSA_MALFORMED', 'bad TimeStampResp');
  const [status, ...rest] = children(statusInfo);
  if (!status) throw new AtlogError('ERR_TSA_MALFORMED', 'missing PKIStatus');
  const statusStrings: string[] = [];
  if (rest[0]?.tag === TAG.SEQUENCE) {
    for (const s of children(rest[0])) if (s.tag === TAG.UTF8) statusStrings.push(new TextDecoder().decode(s.value));
  }
  if (token && token.tag !== TAG.SEQUENCE) throw new AtlogError('ERR_TSA_MALFORMED', 'timeStampToken is not a ContentInfo');
  return { status: Number(decodeUint(status)), statusStrings, ...(token ? { token: token.bytes } : {}) };
}

/**
 * Return the token of a granted response.
 * @throws AtlogError `ERR_TSA_STATUS` when the status is not granted/grantedWithMods or no token is present;
 *   `ERR_TSA_MALFORMED` when the bytes do not parse.
 */
export function tokenFromResponse(der: Uint8Array): Uint8Array {
  const r = parseTimestampResponse(der);
  if ((r.status !== PKI_STATUS.granted && r.status !== PKI_STATUS.grantedWithMods) || !r.token) {
    throw new AtlogError('ERR_TSA_STATUS', `TSA did not grant the request (status ${r.status}${r.statusStrings.length ? `: ${r.statusStrings.join('; ')}` : ''})`, {
      details: { status: r.status, statusStrings: r.statusStrings },
    });
  }
  return r.token;
}

/** Encode a granted TimeStampResp around a DER token. */
export function encodeGrantedResponse(token: Uint8Array): Uint8Array {
  return seq(seq(uint(0n)), token);
}

/** Encode a rejection (status 2) with a failure bit and a human-readable reason. */
export function encodeRejection(failBit: number, reason: string): Uint8Array {
  // PKIFailureInfo is a named BIT STRING: DER drops trailing zero bits (X.690 11.2.2).
  const nbytes = Math.floor(failBit / 8) + 1;
  const bits = new Uint8Array(nbytes);
  bits[nbytes - 1] = 0x80 >> (failBit % 8);
  const unused = 7 - (failBit % 8);
  const failInfo = tlv(TAG.BIT_STRING, Uint8Array.of(unused), bits);
  const text = seq(tlv(TAG.UTF8, new TextEncoder().encode(reason)));
  return seq(seq(uint(BigInt(PKI_STATUS.rejection)), text, failInfo));
}
