import type { AtlogError } from '../errors.js';

/** Shapes the service hands to its callers (the HTTP layer and the CLI). */

/** A registered entry: where it sits in the log and its receipts. */
export interface RegisteredEntry {
  /** 64 lowercase hex characters: SHA-256 of the registered statement (STANDARDS.md Decision (leaf)). */
  entryId: string;
  /** Leaf index in the log. */
  index: number;
  /** Size of the signed tree head the receipts prove inclusion in. */
  treeSize: number;
  /** COSE_Sign1 receipts (RFC 9942): the P-256 one first, then the ML-DSA-65 one when enabled. */
  receipts: Uint8Array[];
}

/** What `submit` returns once a statement has passed every check that does not need ordering. */
export interface Submission {
  /** Identifier for `operation()` (and SCRAPI `/entries/{operation}`). */
  operationId: string;
  /** The entry hash the statement will have (or has) in the log. */
  entryId: string;
  /** True when the same entry is already in the log or already queued: no new entry is made. */
  duplicate: boolean;
  /**
   * Resolves once the entry and a signed tree head covering it are synced to disk; rejects with an
   * AtlogError (ERR_REG_REJECTED for chain checks done in order, or a storage error) otherwise.
   */
  done: Promise<RegisteredEntry>;
}

/** State of one registration operation. */
export interface OperationInfo {
  status: 'running' | 'succeeded' | 'failed';
  entryId: string;
  error?: AtlogError;
}

/** The newest signed checkpoint. */
export interface CheckpointInfo {
  treeSize: number;
  root: Uint8Array;
  /** Encoded signed tree heads, one per service key (P-256 first). */
  signedTreeHeads: Uint8Array[];
  /** True when every configured timestamper has returned a token for every signed tree head. */
  anchored: boolean;
}

/** Validity and status of an issuer key. */
export interface IssuerKeyOptions {
  status?: 'active' | 'revoked';
  /** Key not valid before this time. */
  notBefore?: Date;
  /** Key not valid after this time. */
  notAfter?: Date;
}

/** One issuer as `issuers.list()` reports it. */
export interface IssuerInfo {
  iss: string;
  status: 'active' | 'revoked';
  /** Where it came from: the policy file, the admin API, or both (admin entries override status). */
  source: 'policy' | 'admin' | 'both';
  keys: Array<{ kid: string; alg: number; status: 'active' | 'revoked'; notBefore?: string; notAfter?: string }>;
}

/** Counters and gauges for /metrics and /healthz. */
export interface ServiceStats {
  /** Registrations being verified or waiting for a batch. */
  queueDepth: number;
  queueLimit: number;
  batches: number;
  /** Entries appended since start. */
  entries: number;
  duplicates: number;
  /** Rejections since start by error code (ERR_REG_REJECTED, ERR_LOG_PUSHBACK, ...). */
  rejections: Record<string, number>;
  treeSize: number;
  /** Checkpoints whose tree heads still lack a token from some timestamper. */
  unanchoredCheckpoints: number;
  /** Names of timestampers whose last attempt failed. */
  timestampersDown: string[];
  /** True while the service accepts submissions. */
  open: boolean;
  policyHash: string;
}

/** What `policyInfo()` reports. */
export interface PolicyInfo {
  /** Lowercase hex SHA-256 of the canonical JSON of the policy (spec/policy.md). */
  hash: string;
  /** The file it came from, or undefined for the built-in default. */
  file: string | undefined;
  loadedAt: Date;
  /** The error of the last failed reload, kept until a reload succeeds. */
  lastError: string | undefined;
  rules: string[];
}
