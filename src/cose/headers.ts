import { AtlogError } from '../errors.js';
import {
  HEADER_ALG, HEADER_CONTENT_TYPE, HEADER_CRIT, HEADER_CWT_CLAIMS, HEADER_KID, HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION, HEADER_PREIMAGE_CONTENT_TYPE, HEADER_RECEIPTS, HEADER_VDP, HEADER_VDS,
} from './labels.js';

/** A COSE header map: labels are int or tstr (RFC 9052 section 3). */
export type HeaderMap = Map<number | string, unknown>;

/**
 * Header labels atlog itself processes, and so accepts when a sender marks them critical (RFC 9052 3.1:
 * a recipient MUST reject a message whose crit lists a label it does not understand).
 */
export const UNDERSTOOD_CRIT_LABELS: readonly number[] = [
  HEADER_ALG, HEADER_CONTENT_TYPE, HEADER_KID, HEADER_CWT_CLAIMS, HEADER_PAYLOAD_HASH_ALG,
  HEADER_PREIMAGE_CONTENT_TYPE, HEADER_PAYLOAD_LOCATION, HEADER_VDS, HEADER_VDP,
];

function bad(msg: string): AtlogError {
  return new AtlogError('ERR_COSE_BAD_HEADER', msg);
}

function isLabel(k: unknown): k is number | string {
  return (typeof k === 'number' && Number.isSafeInteger(k)) || typeof k === 'string';
}

/**
 * Structural header rules of RFC 9052 section 3 and 3.1: int/tstr labels, no label in both buckets, crit only
 * protected, and the types of the common parameters (alg int/tstr, crit non-empty array, content type
 * uint/tstr, kid bstr, receipts array of bstr).
 * @throws AtlogError ERR_COSE_DUPLICATE_LABEL, ERR_COSE_BAD_HEADER.
 */
export function validateHeaders(prot: HeaderMap, unprot: HeaderMap): void {
  for (const k of prot.keys()) if (!isLabel(k)) throw bad('protected header label is not int or tstr');
  for (const k of unprot.keys()) {
    if (!isLabel(k)) throw bad('unprotected header label is not int or tstr');
    if (prot.has(k)) throw new AtlogError('ERR_COSE_DUPLICATE_LABEL', `label ${k} is in both header buckets`);
  }
  if (unprot.has(HEADER_CRIT)) throw bad('crit (2) must be protected');
  for (const h of [prot, unprot]) {
    const alg = h.get(HEADER_ALG);
    if (alg !== undefined && !isLabel(alg)) throw bad('alg (1) must be int or tstr');
    const ct = h.get(HEADER_CONTENT_TYPE);
    if (ct !== undefined && !(typeof ct === 'string' || (typeof ct === 'number' && Number.isSafeInteger(ct) && ct >= 0))) {
      throw bad('content type (3) must be uint or tstr');
    }
    const kid = h.get(HEADER_KID);
    if (kid !== undefined && !(kid instanceof Uint8Array)) throw bad('kid (4) must be a bstr');
  }
  const crit = prot.get(HEADER_CRIT);
  if (crit !== undefined && (!Array.isArray(crit) || crit.length === 0 || !crit.every(isLabel))) {
    throw bad('crit (2) must be a non-empty array of labels');
  }
  const receipts = unprot.get(HEADER_RECEIPTS);
  if (receipts !== undefined && (!Array.isArray(receipts) || !receipts.every((r) => r instanceof Uint8Array))) {
    throw bad('receipts (394) must be an array of bstr');
  }
}

/**
 * Enforces crit (RFC 9052 3.1): every listed label is present in the protected header and understood
 * (UNDERSTOOD_CRIT_LABELS plus `extra`).
 * @throws AtlogError ERR_COSE_CRIT_UNSUPPORTED for a label not understood, ERR_COSE_BAD_HEADER for a
 *   malformed crit or a listed label that is absent.
 */
export function checkCrit(prot: HeaderMap, extra: readonly (number | string)[] = []): void {
  const crit = prot.get(HEADER_CRIT);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0 || !crit.every(isLabel)) throw bad('crit (2) must be a non-empty array of labels');
  for (const l of crit) {
    if (!prot.has(l)) throw bad(`crit lists label ${l} which is not in the protected header`);
    if (!UNDERSTOOD_CRIT_LABELS.includes(l as number) && !extra.includes(l)) {
      throw new AtlogError('ERR_COSE_CRIT_UNSUPPORTED', `critical header ${l} is not understood`, { details: { label: l } });
    }
  }
}
