import type { CompletenessState, TrustLevel } from '../aat/index.js';
import type { AtlogErrorCode } from '../errors.js';

/**
 * The result of an audit of an evidence file (`atlog audit FILE --json`; spec/bundle.md section 6). This is a
 * stable, versioned interface: the compliance report (`atlog report`) and other tools read it. Add members
 * only; a change of meaning or a removal bumps AUDIT_RESULT_VERSION.
 *
 * Sizes: the result holds one entry per check kind (not per entry), one summary per agent and session, one node
 * per session and one edge per delegation, and at most TREE_HEAD_LIST_LIMIT tree heads, so it stays small
 * whatever the number of entries audited.
 */

export const AUDIT_RESULT_VERSION = 1;

/** Tree heads listed in {@link AuditTreeHeads.list} at most (the final one always is). */
export const TREE_HEAD_LIST_LIMIT = 1000;

/** Findings listed per check at most; the rest are only counted ({@link AuditCheck.omitted}). */
export const FINDINGS_LIMIT = 20;

/**
 * `valid`: every check ran and passed (exit 0). `invalid`: at least one check failed (exit 1).
 * `cannot-evaluate`: nothing failed, but something that decides validity could not be evaluated (no pinned
 * service keys, a record that is not in the file, a link to a record outside it): exit 2. Fail closed: never
 * `valid` then.
 */
export type AuditVerdict = 'valid' | 'invalid' | 'cannot-evaluate';

/** `ok`: ran and passed everywhere; `fail`: failed somewhere; `skip`: not run (the detail says why). */
export type AuditCheckStatus = 'ok' | 'fail' | 'skip';

/** AAT -06 session completeness (src/aat completeness.ts): closed and committed, still running, or unknown. */
export type AuditCompletenessState = CompletenessState;

/** One place a check failed (or could not be evaluated). */
export interface AuditFinding {
  /** Where: `entry 17`, `checkpoint 1024`, `session urn:agent:a/5a1f...`, `delegation <record_id>`. */
  where: string;
  code: AtlogErrorCode;
  detail: string;
  /** True when this is "could not evaluate" rather than "failed" (it makes the verdict cannot-evaluate). */
  undetermined?: boolean;
}

/**
 * One kind of check, aggregated over every place it ran (e.g. `receipts.inclusion` over every receipt).
 * Stable names: see AUDIT_CHECKS in src/audit/checks.ts and spec/bundle.md section 5.
 */
export interface AuditCheck {
  name: string;
  status: AuditCheckStatus;
  /** The first finding's code, when the check failed (or was skipped for a coded reason). */
  code?: AtlogErrorCode;
  /** One sentence: what was checked and how it went (counts, or why it was skipped). */
  detail: string;
  /** What this check proves when it passes, in plain words (the report shows it next to the verdict). */
  proves: string;
  counts: { ok: number; fail: number; skip: number };
  /** The first FINDINGS_LIMIT failures (or undetermined places). */
  findings: AuditFinding[];
  /** Findings not listed. */
  omitted: number;
}

/** A time range from verified RFC 3161 tokens (ISO 8601 UTC). */
export interface AuditTimeRange {
  from: string;
  to: string;
}

/** A genesis record's `delegated_by` claim. */
export interface AuditDelegationRef {
  agent: string;
  record: string;
  entry: string;
}

export interface AuditSession {
  agent: string;
  session: string;
  /** Records of this session in the file. */
  records: number;
  /** Log indexes of its first and last record. */
  firstIndex: number;
  lastIndex: number;
  /** The records' own (agent-claimed) timestamps of the first and last record. */
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  /**
   * Trusted time from the RFC 3161 tokens of the checkpoints that first included the session's first and last
   * record: `from` = the first record was in the log by then, `to` = the last record was. Null when no token
   * was verified (no TSA root, or the checkpoints are not anchored).
   */
  anchored: AuditTimeRange | null;
  completeness: { state: AuditCompletenessState; detail: string };
  /** valid: every check of this session passed and it is complete (or incompleteness was allowed). */
  verdict: AuditVerdict;
  /** Highest trust_level any record of the session uses. */
  maxTrustLevel: TrustLevel | null;
  /** The session's first failures (at most FINDINGS_LIMIT). */
  findings: AuditFinding[];
  /** Its genesis's delegated_by, or null for a session nobody delegated. */
  delegatedBy: AuditDelegationRef | null;
  /** record_ids of the delegation records this session holds (edge ids in the graph). */
  delegations: string[];
}

export interface AuditAgent {
  agent: string;
  sessions: AuditSession[];
  records: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  anchored: AuditTimeRange | null;
  /** The worst verdict of its sessions. */
  verdict: AuditVerdict;
}

/** A session in the delegation graph. */
export interface AuditGraphNode {
  /** `<agent> <session>` (a space cannot occur in either). */
  id: string;
  agent: string;
  session: string;
  /** True when its genesis names no delegation. */
  root: boolean;
  maxTrustLevel: TrustLevel | null;
}

/**
 * A delegation record and the session it created. `from` is the delegator's node; null when a genesis names a
 * delegation that is not in the file (a dangling link). `to` is the delegate's node; null when no session in
 * the file claims this delegation.
 */
export interface AuditGraphEdge {
  /** The delegation's record_id (for a dangling link: the record_id the genesis names). */
  id: string;
  from: string | null;
  to: string | null;
  delegator: string;
  delegate: string;
  /** delegate_trust_level granted by the delegation (null for a dangling link). */
  trustLevel: TrustLevel | null;
  /** trust_level of the delegation record itself: what the delegator held when it delegated. */
  delegatorTrustLevel: TrustLevel | null;
  /** task_description_hash of the delegation (null for a dangling link). */
  taskHash: string | null;
  /** Log entry hash (hex) of the delegation statement. */
  entry: string;
  /** The delegation record's own timestamp. */
  at: string | null;
  status: AuditCheckStatus;
  code?: AtlogErrorCode;
  detail: string;
}

export interface AuditGraph {
  nodes: AuditGraphNode[];
  edges: AuditGraphEdge[];
}

/** A checkpoint of the file: its signed tree heads, and whether it is consistent with the final one. */
export interface AuditTreeHead {
  treeSize: number;
  /** RFC 9162 root, lowercase hex. */
  root: string;
  final: boolean;
  /** Its signed tree heads verified with a trusted service key. */
  signature: AuditCheckStatus;
  /** The consistency proof from it to the final checkpoint verified (ok for the final one itself). */
  consistent: AuditCheckStatus;
  /** Earliest verified RFC 3161 genTime over its tree heads, or null. */
  anchoredAt: string | null;
  /** Entries of the file whose receipts point at it. */
  entries: number;
}

export interface AuditTreeHeads {
  count: number;
  /** The first TREE_HEAD_LIST_LIMIT - 1 checkpoints in file order, then the final one. */
  list: AuditTreeHead[];
  omitted: number;
}

/** What the file says about itself (header and trailer), as read. */
export interface AuditEvidence {
  /** Evidence format version (spec/bundle.md section 4). */
  formatVersion: number | null;
  /** The exporter's selection, e.g. `{kind: "agent", agents: [...]}`, as written in the header. */
  selection: Record<string, unknown> | null;
  /** The service's issuer name (CWT iss of its verified final tree heads), when known. */
  service: string | null;
  /** The service URL the exporter read, as the header names it. */
  serviceUrl: string | null;
  exportedAt: string | null;
  finalTreeSize: number | null;
  /** File size in bytes, when the reader knows it. */
  bytes: number | null;
}

/** Where trust came from. `pinned`: given by the auditor; `file`: taken from the evidence file (not trusted). */
export interface AuditTrust {
  serviceKeys: 'pinned' | 'file' | 'none';
  tsaRoots: 'pinned' | 'file' | 'none';
  issuerKeys: number;
  recordKeys: number;
  /** The verification time (ISO), used for heartbeats (AAT -06 completeness). */
  at: string;
}

export interface AuditEntries {
  total: number;
  /** Statements carrying an AAT record in the clear. */
  aat: number;
  /** AAT records registered as Hash Envelopes: not in the file, so their chains cannot be checked. */
  hashEnvelope: number;
  /** Statements of other content types (verified as statements, not as records). */
  other: number;
  firstIndex: number | null;
  lastIndex: number | null;
}

export interface AuditResult {
  /** AUDIT_RESULT_VERSION. */
  version: number;
  verdict: AuditVerdict;
  /** The CLI's exit status for this verdict: 0 valid, 1 invalid, 2 cannot evaluate. */
  exitCode: 0 | 1 | 2;
  /** The first failure (or, when cannot-evaluate, the first undetermined finding). */
  failure?: { check: string; code: AtlogErrorCode; detail: string };
  evidence: AuditEvidence;
  trust: AuditTrust;
  /** Every check kind, in a fixed order, including skipped ones. */
  checks: AuditCheck[];
  entries: AuditEntries;
  treeHeads: AuditTreeHeads;
  agents: AuditAgent[];
  delegation: AuditGraph;
  /** What this evidence does not prove, in plain sentences specific to this audit (unpinned keys, open sessions...). */
  caveats: string[];
}
