/**
 * Failure codes the verifier reports, and the mapping from the published scitt-rfc9162 vectors' failure codes
 * (action-state-group/scitt-cose `expected.json`) to atlog's. docs/auditor.md explains each code.
 */

/** The issuer's signature does not verify with any given issuer key. */
export const ERR_STATEMENT_BAD_SIGNATURE = 'ERR_STATEMENT_BAD_SIGNATURE';
/** No given issuer key has the statement's algorithm. */
export const ERR_STATEMENT_UNKNOWN_KEY = 'ERR_STATEMENT_UNKNOWN_KEY';
/** No receipt given and none under label 394. */
export const ERR_VERIFY_NO_RECEIPT = 'ERR_VERIFY_NO_RECEIPT';
/** An issuer signature was required (requireIssuerSignature) but no issuer key was given. */
export const ERR_VERIFY_NO_ISSUER_KEY = 'ERR_VERIFY_NO_ISSUER_KEY';
/** TSA roots were given but a receipt carries no 3161-ctt token. */
export const ERR_VERIFY_NO_TIMESTAMP = 'ERR_VERIFY_NO_TIMESTAMP';
/** requireAlgs names an algorithm no verified receipt uses. */
export const ERR_VERIFY_MISSING_ALG = 'ERR_VERIFY_MISSING_ALG';

/** scitt-rfc9162 `failure_code` -> atlog report `failure.code` (1:1; test/vectors asserts it). */
export const PUBLISHED_FAILURE_CODES: Readonly<Record<string, string>> = {
  TAMPERED_INCLUSION_PATH: 'ERR_RECEIPT_INCLUSION_INVALID',
  UNSUPPORTED_VDS: 'ERR_RECEIPT_UNSUPPORTED_VDS',
  BAD_STATEMENT_SIGNATURE: ERR_STATEMENT_BAD_SIGNATURE,
};
