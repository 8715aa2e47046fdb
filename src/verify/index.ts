/** The offline verifier (docs/auditor.md), the package entry `atlog/verify`. Pure: no I/O, runs in a browser. */
export { ReportBuilder, type Check, type CheckStatus, type Failure, type VerificationReport } from './report.js';
export { PUBLISHED_FAILURE_CODES } from './codes.js';
export { verifyTransparentStatement, type VerifyStatementOptions, type StatementReport } from './statement.js';
export { statementEntryHash, statementFacts, embeddedReceipts, type StatementFacts } from './entry.js';
export { ccfTrustStoreKeys } from './ccf-trust.js';
export { verifyTreeHeadConsistency, verifyCheckpoint, verifyTreeHeads, type VerifyConsistencyOptions } from './consistency.js';
export { encodeBundle, decodeBundle, assembleBundle, BUNDLE_VERSION, type SessionBundle, type BundleEntry } from './bundle-format.js';
export { verifySessionBundle, type BundleVerifyOptions, type SessionReport } from './session.js';
export { verifyDelegation } from './delegation.js';
export { checkSessionRecords, recordKey, signatureVerdict, type RecordKey, type RecordCheckOptions, type SignatureVerdict } from './records.js';
export { parseAatRecords, verifyAatChain, type AatChainOptions, type AatChainReport } from './aat.js';
export { verifyTlog, type EntryBundleReader, type TlogReport, type VerifyTlogOptions } from './tlog.js';
// The C2SP note checkpoint and tile checks a monitor or a browser builds on (spec/tlog.md).
export { openCheckpoint, verifyCheckpointUpdate, verifierFromVkey, type CheckpointPolicy, type OpenedCheckpoint, type TileReader, type TreeHead } from '../tlog/index.js';
// What an offline verifier needs besides its checks (the `atlog/verify` entry exports this file alone): reading
// the keys it is given, the lower-level receipt checks, and the error type every check reports with.
export { parseKeyFile, parsePublicKeys, importPem, importCoseKey, importCoseKeySet, thumbprint, type PublicKey } from '../keys/index.js';
export { verifyReceipt, verifyConsistencyReceipt, verifyCcfReceipt, verifySignedTreeHead, parseReceipt } from '../receipts/index.js';
export type { ReceiptVerification, ConsistencyVerification, ParsedReceipt } from '../receipts/index.js';
export { AtlogError, isAtlogError, type AtlogErrorCode } from '../errors.js';
