/**
 * Media types used with Signed Statements (STANDARDS.md). `application/aat+json` is atlog's name for an Agent
 * Audit Trail record (RFC 8785 JCS bytes); it is NOT a registered media type (spec/statements.md).
 */
export const AAT_CONTENT_TYPE = 'application/aat+json';
export const STATEMENT_MEDIA_TYPE = 'application/scitt-statement+cose';
export const RECEIPT_MEDIA_TYPE = 'application/scitt-receipt+cose';
export const COSE_MEDIA_TYPE = 'application/cose';
