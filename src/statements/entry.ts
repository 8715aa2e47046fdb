import { HEADER_RECEIPTS } from '../cose/labels.js';
import { decodeSign1, encodeSign1, type Sign1 } from '../cose/sign1.js';
import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';

/**
 * The registration entry of a Signed Statement (STANDARDS.md, Decision (leaf)): CBOR tag 18
 * `[protected (as received), {}, payload, signature]`, i.e. the statement with its unprotected header replaced
 * by an empty map, as RFC 9943 has the service do before appending.
 * @throws decodeSign1's errors when given bytes.
 */
export function registrationEntry(statement: Sign1 | Uint8Array): Uint8Array {
  const s = statement instanceof Uint8Array ? decodeSign1(statement) : statement;
  return encodeSign1({ protectedBytes: s.protectedBytes, unprotected: new Map(), payload: s.payload, signature: s.signature });
}

/**
 * The registration entry of a statement given as both its bytes and their decoding: the bytes themselves when
 * the unprotected header is already empty (the strict decoder accepts only minimal, definite-length heads, so
 * re-encoding would give the same bytes), else the re-encoding of {@link registrationEntry}.
 */
export function registrationEntryOf(bytes: Uint8Array, decoded: Sign1): Uint8Array {
  return decoded.unprotected.size === 0 ? bytes : registrationEntry(decoded);
}

/** The Merkle leaf data of an entry: SHA-256 over the entry bytes (leaf hash = SHA-256(0x00 || this)). */
export function entryHash(entry: Uint8Array): Uint8Array {
  if (!(entry instanceof Uint8Array)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'entry must be bytes');
  return sha256(entry);
}

/**
 * A Transparent Statement: the statement (or entry) with `receipts` appended to the array of bstr-wrapped
 * receipts under label 394 of its unprotected header (RFC 9943; RFC 9942 section 2). Receipts already there
 * are kept; each new one must be a COSE_Sign1.
 * @throws AtlogError ERR_INVALID_ARGUMENT (receipt not bytes), decodeSign1's errors (statement or receipt).
 */
export function toTransparentStatement(statementOrEntry: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  const s = decodeSign1(statementOrEntry);
  for (const r of receipts) {
    if (!(r instanceof Uint8Array)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'receipts must be bytes');
    decodeSign1(r);
  }
  const existing = (s.unprotected.get(HEADER_RECEIPTS) as Uint8Array[] | undefined) ?? [];
  const unprotected = new Map(s.unprotected);
  unprotected.set(HEADER_RECEIPTS, [...existing, ...receipts]);
  return encodeSign1({ ...s, unprotected });
}

/**
 * The receipts (label 394) of a Transparent Statement, in order; empty when there are none.
 * @throws decodeSign1's errors when given bytes (a malformed 394 is ERR_COSE_BAD_HEADER).
 */
export function receiptsOf(transparentStatement: Uint8Array | Sign1): Uint8Array[] {
  const s = transparentStatement instanceof Uint8Array ? decodeSign1(transparentStatement) : transparentStatement;
  const r = s.unprotected.get(HEADER_RECEIPTS);
  return Array.isArray(r) ? (r as Uint8Array[]).slice() : [];
}
