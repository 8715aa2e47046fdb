import { AtlogError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import type { PrivateKey, PublicKey } from '../keys/types.js';
import { requireAlg } from './algorithms.js';
import { cborDecode, cborEncode, isTag, Tag } from './cbor.js';
import { COSE_SIGN1_TAG, HEADER_ALG, SIGNATURE1_CONTEXT } from './labels.js';
import { checkCrit, validateHeaders, type HeaderMap } from './headers.js';

export type { HeaderMap };

/** A decoded COSE_Sign1 (RFC 9052 section 4.2). `protectedBytes` are the bytes as received, never re-encoded. */
export interface Sign1 {
  protectedBytes: Uint8Array;
  protected: HeaderMap;
  unprotected: HeaderMap;
  /** null when the payload is detached. */
  payload: Uint8Array | null;
  signature: Uint8Array;
}

export interface DecodeSign1Options {
  /** Largest accepted message in bytes (default 16 MiB). */
  maxBytes?: number;
}

const EMPTY = new Uint8Array(0);

function malformed(msg: string): AtlogError {
  return new AtlogError('ERR_COSE_MALFORMED', msg);
}

/**
 * Decodes a tagged COSE_Sign1: `18([protected: bstr .cbor map, unprotected: map, payload: bstr / nil,
 * signature: bstr])`. An empty protected bstr is an empty map. Labels must be int or tstr and may not appear
 * in both buckets (RFC 9052 section 3).
 * @throws AtlogError ERR_COSE_NOT_SIGN1 (missing or wrong tag), ERR_COSE_MALFORMED (structure),
 *   ERR_COSE_DUPLICATE_LABEL, ERR_COSE_BAD_HEADER, ERR_CBOR_* (malformed CBOR, also inside protected).
 */
export function decodeSign1(bytes: Uint8Array, options: DecodeSign1Options = {}): Sign1 {
  const top = cborDecode(bytes, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  if (!isTag(top, COSE_SIGN1_TAG)) throw new AtlogError('ERR_COSE_NOT_SIGN1', 'not a tag-18 COSE_Sign1');
  const arr: unknown = top.value;
  if (!Array.isArray(arr) || arr.length !== 4) throw malformed('COSE_Sign1 must be an array of 4 items');
  const [pb, unprotected, payload, signature] = arr as unknown[];
  if (!(pb instanceof Uint8Array)) throw malformed('protected header must be a bstr');
  if (!(unprotected instanceof Map)) throw malformed('unprotected header must be a map');
  if (payload !== null && !(payload instanceof Uint8Array)) throw malformed('payload must be a bstr or nil');
  if (!(signature instanceof Uint8Array)) throw malformed('signature must be a bstr');
  const prot = pb.length === 0 ? new Map() : cborDecode(pb);
  if (!(prot instanceof Map)) throw malformed('protected header must hold a map');
  validateHeaders(prot as HeaderMap, unprotected as HeaderMap);
  return { protectedBytes: pb, protected: prot as HeaderMap, unprotected: unprotected as HeaderMap, payload, signature };
}

/** Serializes a COSE_Sign1 with tag 18; `protectedBytes` are written unchanged. */
export function encodeSign1(msg: Sign1 | Omit<Sign1, 'protected'>): Uint8Array {
  return cborEncode(new Tag([msg.protectedBytes, msg.unprotected, msg.payload, msg.signature], COSE_SIGN1_TAG));
}

/**
 * Deterministic encoding of a protected header map; an empty map is the empty bstr content (RFC 9052 3).
 * @throws AtlogError ERR_CBOR_UNSUPPORTED_TYPE / ERR_CBOR_DUPLICATE_KEY for values that cannot be encoded.
 */
export function encodeProtected(map: HeaderMap): Uint8Array {
  return map.size === 0 ? EMPTY : cborEncode(map);
}

/**
 * The Sig_structure of RFC 9052 section 4.4 for COSE_Sign1:
 * `["Signature1", body_protected (as received), external_aad, payload]`.
 */
export function toBeSigned(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  return cborEncode([SIGNATURE1_CONTEXT, protectedBytes, externalAad, payload]);
}

export interface SignSign1Input {
  /** Protected header; `alg` (1) is filled in from the key when absent. */
  protected: HeaderMap;
  unprotected?: HeaderMap;
  payload: Uint8Array;
  /** When true the message carries a nil payload (the signature still covers `payload`). */
  detached?: boolean;
  key: PrivateKey;
  externalAad?: Uint8Array;
}

/**
 * Signs a COSE_Sign1 and returns its tagged bytes.
 * @throws AtlogError ERR_COSE_ALG_MISMATCH (header alg does not fit the key), ERR_COSE_UNKNOWN_ALG,
 *   ERR_COSE_DUPLICATE_LABEL / ERR_COSE_BAD_HEADER (invalid headers), ERR_INVALID_ARGUMENT (payload not bytes).
 */
export function signSign1(input: SignSign1Input): Uint8Array {
  if (!(input.payload instanceof Uint8Array)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'payload must be bytes');
  const prot: HeaderMap = new Map(input.protected);
  if (!prot.has(HEADER_ALG)) prot.set(HEADER_ALG, input.key.alg);
  const alg = requireAlg(prot.get(HEADER_ALG));
  if (!input.key.supportsAlg(alg.id)) {
    throw new AtlogError('ERR_COSE_ALG_MISMATCH', `alg ${alg.name} does not fit this ${input.key.family} key`);
  }
  const unprotected: HeaderMap = input.unprotected ?? new Map();
  validateHeaders(prot, unprotected);
  const protectedBytes = encodeProtected(prot);
  const signature = input.key.sign(toBeSigned(protectedBytes, input.payload, input.externalAad), alg.id);
  return encodeSign1({ protectedBytes, unprotected, payload: input.detached ? null : input.payload, signature });
}

export interface VerifySign1Options {
  /** The payload of a detached message (payload nil). */
  detachedPayload?: Uint8Array;
  externalAad?: Uint8Array;
  /** Extra header labels this caller processes and so accepts in `crit`. */
  critLabels?: readonly (number | string)[];
}

/**
 * Verifies a COSE_Sign1 with `key`. The algorithm is read from the protected header only.
 * @returns true for a valid signature, false for a bad one.
 * @throws AtlogError ERR_COSE_MISSING_ALG, ERR_COSE_UNKNOWN_ALG, ERR_COSE_ALG_MISMATCH (alg does not fit the
 *   key), ERR_COSE_CRIT_UNSUPPORTED, ERR_COSE_PAYLOAD_MISSING (detached and none given),
 *   ERR_COSE_PAYLOAD_CONFLICT (attached and a different detached payload given), ERR_COSE_BAD_SIGNATURE_LENGTH
 *   (not the algorithm's fixed length, e.g. a DER ECDSA signature), and decodeSign1's errors for bytes.
 */
export function verifySign1(msg: Uint8Array | Sign1, key: PublicKey, options: VerifySign1Options = {}): boolean {
  const s = msg instanceof Uint8Array ? decodeSign1(msg) : msg;
  const algId = s.protected.get(HEADER_ALG);
  if (algId === undefined) throw new AtlogError('ERR_COSE_MISSING_ALG', 'protected header has no alg (1)');
  const alg = requireAlg(algId);
  if (!key.supportsAlg(alg.id)) {
    throw new AtlogError('ERR_COSE_ALG_MISMATCH', `alg ${alg.name} does not fit this ${key.family} key`);
  }
  checkCrit(s.protected, options.critLabels);
  let payload = s.payload;
  if (payload === null) {
    if (!options.detachedPayload) throw new AtlogError('ERR_COSE_PAYLOAD_MISSING', 'detached payload not supplied');
    payload = options.detachedPayload;
  } else if (options.detachedPayload && !equalBytes(options.detachedPayload, payload)) {
    throw new AtlogError('ERR_COSE_PAYLOAD_CONFLICT', 'message has a payload and a different one was supplied');
  }
  if (s.signature.length !== alg.sigLen) {
    throw new AtlogError('ERR_COSE_BAD_SIGNATURE_LENGTH', `${alg.name} signature must be ${alg.sigLen} bytes, got ${s.signature.length}`);
  }
  return key.verify(toBeSigned(s.protectedBytes, payload, options.externalAad), s.signature, alg.id);
}
