import { isTag } from '../cose/cbor.js';
import { CWT_EXP, CWT_IAT, CWT_NBF } from '../cose/labels.js';
import { AtlogError } from '../errors.js';

/** CWT claims (RFC 8392) as carried in COSE header 15 (RFC 9597). */
export type CwtClaims = Map<number | string, unknown>;

const NUMERIC_DATE_CLAIMS = [CWT_EXP, CWT_NBF, CWT_IAT];

/** A NumericDate to emit: integer seconds since the epoch, never tag 1 (STANDARDS.md). */
export function toNumericDate(d: number | Date): number {
  const s = d instanceof Date ? Math.floor(d.getTime() / 1000) : d;
  if (!Number.isSafeInteger(s)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'NumericDate must be integer seconds');
  return s;
}

/**
 * Validates the claims map of a received header 15 and returns a copy whose NumericDate claims (exp, nbf, iat)
 * are plain numbers: RFC 8392 writes them untagged, but tag 1 is accepted on input (STANDARDS.md).
 * @throws AtlogError ERR_STATEMENT_BAD_CWT when a label is not int/tstr or a NumericDate is not a number.
 */
export function normalizeCwtClaims(claims: Map<unknown, unknown>): CwtClaims {
  const out: CwtClaims = new Map();
  for (const [k, v] of claims) {
    if (!(typeof k === 'number' || typeof k === 'string')) {
      throw new AtlogError('ERR_STATEMENT_BAD_CWT', 'CWT claim labels must be int or tstr');
    }
    let val = v;
    if (typeof k === 'number' && NUMERIC_DATE_CLAIMS.includes(k)) {
      if (isTag(val, 1)) val = val.value;
      if (typeof val !== 'number' || !Number.isFinite(val)) {
        throw new AtlogError('ERR_STATEMENT_BAD_CWT', `CWT claim ${k} must be a NumericDate`);
      }
    }
    out.set(k, val);
  }
  return out;
}
