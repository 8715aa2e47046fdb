/** The offline verifier (docs/auditor.md). Pure: no I/O, runs in a browser. */
export { ReportBuilder, type Check, type Failure, type VerificationReport } from './report.js';
export { PUBLISHED_FAILURE_CODES } from './codes.js';
export { verifyTransparentStatement, type VerifyStatementOptions, type StatementReport } from './statement.js';
export { statementEntryHash, statementFacts, embeddedReceipts, type StatementFacts } from './entry.js';
export { ccfTrustStoreKeys } from './ccf-trust.js';
export { verifyTreeHeadConsistency, verifyCheckpoint, type VerifyConsistencyOptions } from './consistency.js';
export { encodeBundle, decodeBundle, assembleBundle, BUNDLE_VERSION, type SessionBundle, type BundleEntry } from './bundle-format.js';
export { verifySessionBundle, type BundleVerifyOptions, type SessionReport } from './session.js';
export { verifyDelegation } from './delegation.js';
