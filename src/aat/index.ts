/**
 * Agent Audit Trail records (draft-sharif-agent-audit-trail): validation, RFC 8785 canonical bytes, record and
 * session hashes, in-record P-256 signatures, chain verification, the Registration Policy link check and
 * delegation chains. Pure: no I/O, runs in a browser. Profile: spec/aat.md.
 */
export * from './types.js';
export { canonicalBytes, canonicalString, assertJson, jsonProblems, type JsonProblem } from './jcs.js';
export { parseTimestamp, isTimestamp } from './time.js';
export { RECORD_MEMBERS } from './schema.js';
export { validateRecord, isValidRecord, recordErrors, resolveValidateOptions, LATEST_DRAFT, type ValidateOptions, type FieldError } from './validate.js';
export { recordHash, hashedContent, linkTo, sessionHash } from './hash.js';
export { checkLink, linkStateOf, type LinkState, type LinkResult, type LinkBreakKind } from './link.js';
export { genesisRecord, nextRecord, sessionEndRecord, newUuid, defaultPhase, type GenesisInput, type NextInput, type BuildOptions } from './build.js';
export {
  sessionCompleteness,
  tailCompleteness,
  heartbeatInterval,
  HEARTBEAT_GRACE,
  type Completeness,
  type CompletenessState,
  type CompletenessOptions,
  type SessionTail,
} from './completeness.js';
export {
  signRecord,
  verifyRecordSignature,
  jwkThumbprint,
  publicJwk,
  isHighS,
  RECORD_SIG_ALG,
  type SignRecordOptions,
  type VerifyRecordSignatureOptions,
  generateRecordKey,
  recordPublicKey,
  publicKeyBytes,
  signingInput,
  type EcJwk,
  type RecordPrivateKey,
  type RecordPublicKey,
} from './signature.js';
export { verifyChain, type ChainResult, type ChainBreak, type ChainBreakKind, type ChainOptions } from './chain.js';
export {
  verifyDelegationChain,
  type DelegationSession,
  type DelegationResult,
  type DelegationBreak,
  type DelegationBreakKind,
  type DelegationOptions,
} from './delegation.js';
