/** Signed Statements (RFC 9943), Hash Envelopes (RFC 9995), registration entries and Transparent Statements. */
export { buildStatement, type BuildStatementInput, type HashEnvelopeInput } from './build.js';
export { parseStatement, type HashEnvelope, type ParsedStatement, type ParseStatementOptions } from './parse.js';
export { entryHash, receiptsOf, registrationEntry, registrationEntryOf, toTransparentStatement } from './entry.js';
export { normalizeCwtClaims, toNumericDate, type CwtClaims } from './cwt.js';
export { AAT_CONTENT_TYPE, COSE_MEDIA_TYPE, RECEIPT_MEDIA_TYPE, STATEMENT_MEDIA_TYPE } from './media-types.js';
export { describeNonStatement } from './sniff.js';
export { buildRecordStatement, type RecordStatementOptions } from './record.js';
