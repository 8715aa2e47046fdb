import type { ChainBreakKind, DelegationBreakKind } from '../aat/index.js';
import type { AtlogErrorCode } from '../errors.js';

/**
 * The verifier's failure codes are AtlogErrorCodes (src/error-codes.ts holds each one's meaning; docs/auditor.md
 * explains them for auditors). Here: the codes derived from AAT break kinds, and the mapping from the published
 * scitt-rfc9162 vectors' failure codes (action-state-group/scitt-cose `expected.json`) to atlog's.
 */

/**
 * `ERR_AAT_CHAIN_<KIND>` of a chain break (spec/bundle.md section 2). The return type is checked against the
 * code table: a kind added to ChainBreakKind without its code there does not compile.
 */
export function chainBreakCode(kind: ChainBreakKind): Extract<AtlogErrorCode, `ERR_AAT_CHAIN_${Uppercase<ChainBreakKind>}`> {
  return `ERR_AAT_CHAIN_${kind.toUpperCase() as Uppercase<ChainBreakKind>}`;
}

/** `ERR_DELEGATION_<KIND>` of a delegation break (spec/bundle.md section 3); checked like {@link chainBreakCode}. */
export function delegationBreakCode(kind: DelegationBreakKind): Extract<AtlogErrorCode, `ERR_DELEGATION_${Uppercase<DelegationBreakKind>}`> {
  return `ERR_DELEGATION_${kind.toUpperCase() as Uppercase<DelegationBreakKind>}`;
}

/** scitt-rfc9162 `failure_code` -> atlog report `failure.code` (1:1; test/vectors asserts it). */
export const PUBLISHED_FAILURE_CODES: Readonly<Record<string, AtlogErrorCode>> = {
  TAMPERED_INCLUSION_PATH: 'ERR_RECEIPT_INCLUSION_INVALID',
  UNSUPPORTED_VDS: 'ERR_RECEIPT_UNSUPPORTED_VDS',
  BAD_STATEMENT_SIGNATURE: 'ERR_STATEMENT_BAD_SIGNATURE',
};
