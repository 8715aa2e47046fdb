import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import { assertBytes, concatBytes } from '../util/bytes.js';
import { verifyTimestampToken, type VerifiedTimestamp } from './verify.js';

/**
 * RFC 9921 `3161-ctt` (COSE header label 270): a timestamp over a COSE message's signature. The imprint is the
 * SHA-256 digest of the CBOR encoding of the `signature` field, that is the byte string *with its CBOR head*
 * (major type 2 and length). Pure and browser-safe.
 */

/** COSE header label of an RFC 9921 `3161-ctt` token (unprotected header). */
export const CTT_LABEL = 270;

/**
 * The CBOR head of a definite-length byte string (RFC 8949 3.1, major type 2), shortest form.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for a negative, fractional or 2^32-or-larger length.
 */
export function bstrHead(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new AtlogError('ERR_INVALID_ARGUMENT', `bad byte string length ${length}`);
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length < 0x100) return Uint8Array.of(0x58, length);
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  if (length < 0x100000000) return Uint8Array.of(0x5a, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  throw new AtlogError('ERR_INVALID_ARGUMENT', 'signature too long for a 32-bit CBOR length');
}

/**
 * The messageImprint for `3161-ctt`: SHA-256(bstr head || signature).
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `signature` is not bytes.
 */
export function cttImprint(signature: Uint8Array): Uint8Array {
  assertBytes(signature, undefined, 'signature');
  return sha256(concatBytes(bstrHead(signature.length), signature));
}

/**
 * Verify a `3161-ctt` token over a COSE signature against pinned TSA roots.
 * @returns the verified time and TSA details.
 * @throws AtlogError as `verifyTimestampToken` (`ERR_TSA_IMPRINT_MISMATCH` when the token covers other bytes).
 */
export function verifyCttToken(
  token: Uint8Array,
  signature: Uint8Array,
  roots: ReadonlyArray<Uint8Array | string>,
  opts: { policy?: string; now?: Date } = {},
): Promise<VerifiedTimestamp> {
  return verifyTimestampToken(token, { imprint: cttImprint(signature), roots, ...opts });
}
