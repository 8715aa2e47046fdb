import { hashAlgLength, HASH_SHA256, type HashAlg } from '../cose/algorithms.js';
import {
  CWT_AUD, CWT_CTI, CWT_EXP, CWT_IAT, CWT_ISS, CWT_NBF, CWT_SUB, HEADER_CONTENT_TYPE, HEADER_CWT_CLAIMS, HEADER_KID,
  HEADER_PAYLOAD_HASH_ALG, HEADER_PAYLOAD_LOCATION, HEADER_PREIMAGE_CONTENT_TYPE,
} from '../cose/labels.js';
import { signSign1, type HeaderMap } from '../cose/sign1.js';
import { digest } from '../crypto/digest.js';
import { AtlogError } from '../errors.js';
import type { PrivateKey } from '../keys/types.js';
import { toNumericDate } from './cwt.js';

/** RFC 9995 Hash Envelope parameters: the payload becomes the digest of the preimage. */
export interface HashEnvelopeInput {
  /** Content type of the preimage (label 259), e.g. "application/aat+json". */
  preimageContentType: string | number;
  /** Payload hash algorithm (label 258): -16 SHA-256 (default), -43 SHA-384, -44 SHA-512. */
  hashAlg?: HashAlg;
  /** Where the preimage can be fetched (label 260). */
  location?: string;
}

export interface BuildStatementInput {
  key: PrivateKey;
  /** CWT iss (1): the issuer, e.g. the agent_id URI. */
  iss: string;
  /** CWT sub (2): what the statement is about, e.g. urn:uuid:<session_id>. */
  sub: string;
  /** The payload, or the preimage when `hashEnvelope` is given. */
  payload: Uint8Array;
  /** Content type (3) of the payload; required unless `hashEnvelope` is given, forbidden with it. */
  contentType?: string | number;
  hashEnvelope?: HashEnvelopeInput;
  /** Optional CWT claims; NumericDates are written as untagged integer seconds. */
  iat?: number | Date;
  exp?: number | Date;
  nbf?: number | Date;
  aud?: string;
  cti?: Uint8Array;
  /** Extra protected header parameters (must not collide with the ones built here). */
  extraProtected?: HeaderMap;
  unprotected?: HeaderMap;
}

/**
 * Builds and signs a Signed Statement (RFC 9943 section 6.1): protected header with alg (1, from the key), kid
 * (4, the key's kid), CWT claims (15) with iss and sub, and either content type (3) or the Hash Envelope
 * parameters 258/259/260 (RFC 9995; label 3 then absent, payload = digest of the preimage).
 * @throws AtlogError ERR_INVALID_ARGUMENT (missing iss/sub/content type, both content type and hash envelope,
 *   header collision), ERR_HASH_UNSUPPORTED (hash alg), and signSign1's errors.
 */
export function buildStatement(input: BuildStatementInput): Uint8Array {
  const { key, iss, sub, hashEnvelope } = input;
  if (typeof iss !== 'string' || iss.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'iss must be a non-empty string');
  if (typeof sub !== 'string' || sub.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'sub must be a non-empty string');
  if (!(input.payload instanceof Uint8Array)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'payload must be bytes');

  const claims = new Map<number, unknown>([[CWT_ISS, iss], [CWT_SUB, sub]]);
  if (input.aud !== undefined) claims.set(CWT_AUD, input.aud);
  if (input.exp !== undefined) claims.set(CWT_EXP, toNumericDate(input.exp));
  if (input.nbf !== undefined) claims.set(CWT_NBF, toNumericDate(input.nbf));
  if (input.iat !== undefined) claims.set(CWT_IAT, toNumericDate(input.iat));
  if (input.cti !== undefined) claims.set(CWT_CTI, input.cti);

  const prot: HeaderMap = new Map<number | string, unknown>([[1, key.alg], [HEADER_KID, key.kid], [HEADER_CWT_CLAIMS, claims]]);
  let payload = input.payload;
  if (hashEnvelope) {
    if (input.contentType !== undefined) {
      throw new AtlogError('ERR_INVALID_ARGUMENT', 'a Hash Envelope has no content type (3): use preimageContentType');
    }
    const hashAlg = hashEnvelope.hashAlg ?? HASH_SHA256;
    if (hashAlgLength(hashAlg) === undefined) throw new AtlogError('ERR_HASH_UNSUPPORTED', `unsupported payload hash alg ${hashAlg}`);
    payload = digest(hashAlg, input.payload);
    prot.set(HEADER_PAYLOAD_HASH_ALG, hashAlg);
    prot.set(HEADER_PREIMAGE_CONTENT_TYPE, hashEnvelope.preimageContentType);
    if (hashEnvelope.location !== undefined) prot.set(HEADER_PAYLOAD_LOCATION, hashEnvelope.location);
  } else {
    if (input.contentType === undefined || input.contentType === '') {
      throw new AtlogError('ERR_INVALID_ARGUMENT', 'contentType is required (or use hashEnvelope)');
    }
    prot.set(HEADER_CONTENT_TYPE, input.contentType);
  }
  for (const [k, v] of input.extraProtected ?? []) {
    if (prot.has(k)) throw new AtlogError('ERR_INVALID_ARGUMENT', `extraProtected collides with header ${k}`);
    prot.set(k, v);
  }
  return signSign1({ protected: prot, unprotected: input.unprotected ?? new Map(), payload, key });
}
