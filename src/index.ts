/**
 * atlog's public API, the package entry `atlog` (docs/library.md): `import { … } from 'atlog'`.
 *
 * - Agent Audit Trail records: builders, validation, canonical JSON, hashes, in-record signatures, chains and
 *   delegation (src/aat, spec/aat.md).
 * - Signed Statements: building and signing (an AAT record with `buildRecordStatement`), parsing, registration
 *   entries and Transparent Statements (src/statements, spec/statements.md).
 * - Keys: generation, COSE_Key / COSE_KeySet / PEM import and export, thumbprints (src/keys, spec/cose.md).
 * - Receipts: signed tree heads, inclusion and consistency receipts, their verification (src/receipts), and the
 *   RFC 9162 Merkle hashing and proof checks under them (src/merkle, spec/hashing.md).
 * - The offline verifier (src/verify, docs/auditor.md); `atlog/verify` exports it alone.
 * - Errors: every failure is an `AtlogError` with a stable `code`.
 *
 * Nothing here starts a server or touches the disk; the service, the log and the CLI are not part of the API.
 */
export { AtlogError, isAtlogError, type AtlogErrorCode } from './errors.js';
export * from './aat/index.js';
export * from './statements/index.js';
export * from './keys/index.js';
export * from './receipts/index.js';
export { leafHash, nodeHash, emptyRoot, rootFromLeafHashes, rootFromInclusionProof, verifyInclusion, verifyConsistency } from './merkle/index.js';
export * from './verify/index.js';
