import { PKIFailureInfo, PKIFreeText, PKIStatusInfo, TimeStampResp } from '@peculiar/asn1-tsp';
import { AtlogError } from '../errors.js';
import { assertBytes } from '../util/bytes.js';
import { children, decode, der, derElement, encode, expectShape, parseDer, type Node } from '../x509/asn1.js';

/**
 * RFC 3161 section 2.4.2 TimeStampResp, built and read with @peculiar/asn1-tsp:
 * ```
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 * PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }
 * ```
 * Pure, browser-safe.
 */

/** PKIStatus values (RFC 3161 2.4.2). */
export const PKI_STATUS = { granted: 0, grantedWithMods: 1, rejection: 2, waiting: 3 } as const;

/**
 * PKIFailureInfo bit numbers (RFC 3161 2.4.2). Not asn1-tsp's `PKIFailureInfoFlags`: most of its values are one
 * bit off the RFC's (unacceptedPolicy = 2^14 is bit 14, timeNotAvailable), so bits are set from these numbers.
 */
export const FAIL_INFO = { badAlg: 0, badRequest: 2, badDataFormat: 5, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, systemFailure: 25 } as const;

export interface ParsedTimestampResponse {
  readonly status: number;
  readonly statusStrings: string[];
  /** The DER TimeStampToken (a CMS ContentInfo) as received, present when the TSA sent one. */
  readonly token?: Uint8Array;
  /** The token's parse tree, so the verifier does not read the bytes twice. */
  readonly tokenNode?: Node;
}

/**
 * Parse a DER TimeStampResp without judging it.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the bytes are not a TimeStampResp.
 */
export function parseTimestampResponse(bytes: Uint8Array): ParsedTimestampResponse {
  assertBytes(bytes, undefined, 'response');
  const node = parseDer(bytes, 'TimeStampResp');
  expectShape(node, /^u16( u16)?$/, 'TimeStampResp'); // { status PKIStatusInfo, timeStampToken OPTIONAL }
  const r = decode(node, TimeStampResp, 'TimeStampResp');
  const tokenNode = r.timeStampToken ? children(node)[1] : undefined;
  return {
    status: r.status.status,
    statusStrings: [...(r.status.statusString ?? [])],
    ...(tokenNode ? { token: der(tokenNode), tokenNode } : {}),
  };
}

/**
 * Return the token of a granted response (with its parse tree).
 * @throws AtlogError `ERR_TSA_STATUS` when the status is not granted/grantedWithMods or no token is present;
 *   `ERR_TSA_MALFORMED` when the bytes do not parse.
 */
export function grantedToken(bytes: Uint8Array): { token: Uint8Array; tokenNode: Node } {
  const r = parseTimestampResponse(bytes);
  if ((r.status !== PKI_STATUS.granted && r.status !== PKI_STATUS.grantedWithMods) || !r.token || !r.tokenNode) {
    throw new AtlogError('ERR_TSA_STATUS', `TSA did not grant the request (status ${r.status}${r.statusStrings.length ? `: ${r.statusStrings.join('; ')}` : ''})`, {
      details: { status: r.status, statusStrings: r.statusStrings },
    });
  }
  return { token: r.token, tokenNode: r.tokenNode };
}

/**
 * Return the token of a granted response.
 * @throws AtlogError as {@link grantedToken}.
 */
export function tokenFromResponse(bytes: Uint8Array): Uint8Array {
  return grantedToken(bytes).token;
}

const GRANTED = encode(new PKIStatusInfo({ status: PKI_STATUS.granted }));

/** Encode a granted TimeStampResp around a DER token (placed as is, not re-encoded). */
export function encodeGrantedResponse(token: Uint8Array): Uint8Array {
  return derElement(0x30, GRANTED, token);
}

/** Encode a rejection (status 2) with a failure bit and a human-readable reason. */
export function encodeRejection(failBit: number, reason: string): Uint8Array {
  // PKIFailureInfo is a named BIT STRING; asn1-schema's BitString(number) drops trailing zero bits (X.690 11.2.2).
  const status = new PKIStatusInfo({ status: PKI_STATUS.rejection, statusString: new PKIFreeText([reason]), failInfo: new PKIFailureInfo(2 ** failBit) });
  return encode(new TimeStampResp({ status }));
}
