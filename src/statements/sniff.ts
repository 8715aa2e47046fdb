import { looksLikeAatRecord } from '../aat/detect.js';
import { cborDecode, isTag } from '../cose/cbor.js';
import { COSE_SIGN1_TAG, HEADER_VDS, KEY_KTY } from '../cose/labels.js';
import { decodeSign1 } from '../cose/sign1.js';
import { fromBase64 } from '../util/bytes.js';
import { AAT_CONTENT_TYPE } from './media-types.js';

/**
 * What a file that should be a Signed Statement is when it is not one, in words a user can act on: the
 * commonest mistakes are registering the JSON record instead of the signed file, a key, or a receipt.
 * Used by `atlog register` before it sends anything, and by the service's "Malformed request" detail.
 */

const SIGN_FIRST = 'sign it first with atlog sign';

function describeText(text: string): string {
  const t = text.trim();
  if (t === '') return 'it holds only white space';
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(t);
  if (pem) return `it is a PEM file (${pem[1]}), not a COSE_Sign1`;
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      const j: unknown = JSON.parse(t);
      if (looksLikeAatRecord(j)) return `it is an AAT record in JSON: ${SIGN_FIRST} --content-type ${AAT_CONTENT_TYPE}`;
      return `it is JSON text: ${SIGN_FIRST}`;
    } catch {
      // not JSON after all: plain text below
    }
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) {
    try {
      decodeSign1(fromBase64(t));
      return 'it is a COSE_Sign1 in base64 text: decode it first (base64 -d)';
    } catch {
      // base64 of something else
    }
  }
  return 'it is text, not CBOR';
}

function describeCbor(v: unknown): string {
  if (isTag(v, COSE_SIGN1_TAG)) return 'it is tagged COSE_Sign1 but does not decode as one';
  if (v !== null && typeof v === 'object' && 'tag' in v && typeof (v as { tag: unknown }).tag === 'number') {
    return `it is CBOR tag ${(v as { tag: number }).tag}, not a COSE_Sign1 (tag 18)`;
  }
  if (Array.isArray(v) && v.length === 4 && v[0] instanceof Uint8Array) return 'it is an untagged COSE_Sign1: atlog needs the tag-18 form';
  if (v instanceof Map && v.has(KEY_KTY)) return 'it is a COSE_Key (a key file), not a Signed Statement';
  if (Array.isArray(v) && v.length > 0 && v.every((k) => k instanceof Map && k.has(KEY_KTY))) return 'it is a COSE_KeySet (a key file), not a Signed Statement';
  if (v instanceof Map && v.has('statements') && v.has('checkpoint')) return 'it is a session bundle: check it with atlog verify --bundle';
  if (v instanceof Map && v.has('treeSize')) return 'it is a checkpoint, not a Signed Statement';
  return 'it is CBOR, but not a COSE_Sign1';
}

/**
 * Describes bytes that are not a usable Signed Statement (e.g. "it is JSON text: sign it first with atlog
 * sign"), or returns undefined for a COSE_Sign1 that is not a receipt (the service judges the rest). Pure;
 * never throws.
 */
export function describeNonStatement(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  try {
    const s = decodeSign1(bytes);
    // A receipt is a COSE_Sign1 too: protected vds (RFC 9942) and a detached Merkle root as payload.
    if (s.protected.has(HEADER_VDS) && s.payload === null) return 'it is a receipt, not a Signed Statement: register the statement it belongs to';
    return undefined;
  } catch {
    // not a COSE_Sign1: find out what it is
  }
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  // Printable UTF-8 is text; CBOR almost never is (its heads are control bytes).
  if (text !== undefined && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return describeText(text);
  try {
    return describeCbor(cborDecode(bytes));
  } catch {
    return 'it is neither CBOR nor text';
  }
}
