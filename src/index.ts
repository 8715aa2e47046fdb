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
 * - The SCRAPI client `createClient` (src/client, docs/api.md "Client").
 * - The agent SDK (src/sdk, docs/agents.md): `openSession`, `loadKey`, sessions, `wrap`, tiers, delegation, the
 *   offline queue and `syncQueue`.
 * - Errors: every failure is an `AtlogError` with a stable `code`.
 *
 * Nothing here starts a server. The SDK's Node parts read and write files when asked to (`loadKey`, a policy
 * file, `queueDir`); `createSession` and the rest of the SDK core do no I/O of their own besides `fetch`. The
 * service, the log and the CLI are not part of the API.
 */
export { AtlogError, isAtlogError, type AtlogErrorCode } from './errors.js';
export * from './aat/index.js';
export * from './statements/index.js';
export * from './keys/index.js';
export * from './receipts/index.js';
export { leafHash, nodeHash, emptyRoot, rootFromLeafHashes, rootFromInclusionProof, verifyInclusion, verifyConsistency } from './merkle/index.js';
export * from './verify/index.js';
export * from './client/index.js';
export * from './sdk/index.js';
