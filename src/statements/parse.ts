import { hashAlgLength } from '../cose/algorithms.js';
import {
  CWT_ISS, CWT_SUB, HEADER_ALG, HEADER_CONTENT_TYPE, HEADER_CWT_CLAIMS, HEADER_KID, HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION, HEADER_PREIMAGE_CONTENT_TYPE, HEADER_X5CHAIN, HEADER_X5T,
} from '../cose/labels.js';
import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { AtlogError, type AtlogErrorCode } from '../errors.js';
import { normalizeCwtClaims, type CwtClaims } from './cwt.js';

/** RFC 9995 Hash Envelope parameters read from a protected header. */
export interface HashEnvelope {
  hashAlg: number;
  preimageContentType?: string | number;
  location?: string;
}

export interface ParsedStatement {
  sign1: Sign1;
  iss: string;
  sub: string;
  /** The protected kid; undefined only when x5chain (33) or x5t (34) identifies the key instead. */
  kid: Uint8Array | undefined;
  alg: number;
  contentType?: string | number;
  hashEnvelope?: HashEnvelope;
  /** Header 15 with NumericDates as plain numbers. */
  cwtClaims: CwtClaims;
}

export interface ParseStatementOptions {
  maxBytes?: number;
  /** Accept a statement with neither kid nor x5chain/x5t (some published vectors); default false. */
  allowMissingKid?: boolean;
  /** Accept a detached (nil) payload; default false (SCRAPI "Payload Missing"). */
  allowDetached?: boolean;
}

function fail(code: Extract<AtlogErrorCode, `ERR_STATEMENT_${string}`>, msg: string): never {
  throw new AtlogError(code, msg);
}

/**
 * Decodes a Signed Statement and enforces the RFC 9943 section 6.1 header profile, all in the protected header:
 * alg (1), CWT claims (15) holding iss (1) and sub (2) as text, kid (4) unless x5chain (33) / x5t (34); and
 * the RFC 9995 rules when 258 is present (known hash alg, no content type 3, payload of the digest length).
 * It does not verify the signature, and accepts algorithm ids atlog cannot verify (verifySign1 then throws
 * ERR_COSE_UNKNOWN_ALG).
 * @throws AtlogError ERR_STATEMENT_MISSING_ALG, ERR_STATEMENT_BAD_ALG (not an integer), ERR_STATEMENT_MISSING_CWT,
 *   ERR_STATEMENT_BAD_CWT, ERR_STATEMENT_MISSING_ISS, ERR_STATEMENT_MISSING_SUB, ERR_STATEMENT_MISSING_KID,
 *   ERR_STATEMENT_PAYLOAD_MISSING, ERR_STATEMENT_BAD_HASH_ENVELOPE, and decodeSign1's ERR_COSE_* / ERR_CBOR_*.
 */
export function parseStatement(input: Uint8Array | Sign1, options: ParseStatementOptions = {}): ParsedStatement {
  const sign1 = input instanceof Uint8Array ? decodeSign1(input, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) : input;
  const p = sign1.protected;

  if (!p.has(HEADER_ALG)) fail('ERR_STATEMENT_MISSING_ALG', 'protected header has no alg (1)');
  // The header profile needs an alg; whether atlog can verify it is verifySign1's question (a statement signed
  // with e.g. PS384 is still well-formed, and the CCF vectors carry one).
  const alg = p.get(HEADER_ALG);
  if (typeof alg !== 'number') fail('ERR_STATEMENT_BAD_ALG', 'alg (1) must be an integer algorithm id');

  const rawClaims = p.get(HEADER_CWT_CLAIMS);
  if (rawClaims === undefined) fail('ERR_STATEMENT_MISSING_CWT', 'protected header has no CWT claims (15)');
  if (!(rawClaims instanceof Map)) fail('ERR_STATEMENT_BAD_CWT', 'CWT claims (15) must be a map');
  const cwtClaims = normalizeCwtClaims(rawClaims);
  const iss = cwtClaims.get(CWT_ISS);
  if (iss === undefined) fail('ERR_STATEMENT_MISSING_ISS', 'CWT claims have no iss (1)');
  if (typeof iss !== 'string' || iss.length === 0) fail('ERR_STATEMENT_BAD_CWT', 'iss (1) must be non-empty text');
  const sub = cwtClaims.get(CWT_SUB);
  if (sub === undefined) fail('ERR_STATEMENT_MISSING_SUB', 'CWT claims have no sub (2)');
  if (typeof sub !== 'string' || sub.length === 0) fail('ERR_STATEMENT_BAD_CWT', 'sub (2) must be non-empty text');

  const kid = p.get(HEADER_KID) as Uint8Array | undefined; // type checked by decodeSign1
  if (kid === undefined && !p.has(HEADER_X5CHAIN) && !p.has(HEADER_X5T) && !options.allowMissingKid) {
    fail('ERR_STATEMENT_MISSING_KID', 'protected header has neither kid (4) nor x5chain (33) / x5t (34)');
  }
  if (sign1.payload === null && !options.allowDetached) fail('ERR_STATEMENT_PAYLOAD_MISSING', 'statement payload is detached');

  const out: ParsedStatement = { sign1, iss, sub, kid, alg, cwtClaims };
  const ct = p.get(HEADER_CONTENT_TYPE);
  if (ct !== undefined) out.contentType = ct as string | number;
  const he = hashEnvelopeOf(sign1);
  if (he) out.hashEnvelope = he;
  return out;
}

/** RFC 9995 section 4 checks; undefined when the statement is not a Hash Envelope. */
function hashEnvelopeOf(sign1: Sign1): HashEnvelope | undefined {
  const p = sign1.protected;
  const hashAlg = p.get(HEADER_PAYLOAD_HASH_ALG);
  const pct = p.get(HEADER_PREIMAGE_CONTENT_TYPE);
  const loc = p.get(HEADER_PAYLOAD_LOCATION);
  if (hashAlg === undefined) {
    if (pct !== undefined || loc !== undefined) fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', '259/260 without payload-hash-alg (258)');
    for (const l of [HEADER_PAYLOAD_HASH_ALG, HEADER_PREIMAGE_CONTENT_TYPE, HEADER_PAYLOAD_LOCATION]) {
      if (sign1.unprotected.has(l)) fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', `Hash Envelope label ${l} must be protected`);
    }
    return undefined;
  }
  const len = hashAlgLength(hashAlg);
  if (len === undefined) fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', `unsupported payload-hash-alg ${String(hashAlg)}`);
  if (p.has(HEADER_CONTENT_TYPE) || sign1.unprotected.has(HEADER_CONTENT_TYPE)) {
    fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', 'a Hash Envelope must not carry content type (3)');
  }
  if (pct !== undefined && typeof pct !== 'string' && !(typeof pct === 'number' && Number.isSafeInteger(pct) && pct >= 0)) {
    fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', 'preimage content type (259) must be tstr or uint');
  }
  if (loc !== undefined && typeof loc !== 'string') fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', 'payload location (260) must be tstr');
  if (sign1.payload !== null && sign1.payload.length !== len) {
    fail('ERR_STATEMENT_BAD_HASH_ENVELOPE', `payload must be the ${len}-byte digest of the preimage`);
  }
  const he: HashEnvelope = { hashAlg: hashAlg as number };
  if (pct !== undefined) he.preimageContentType = pct as string | number;
  if (loc !== undefined) he.location = loc as string;
  return he;
}
