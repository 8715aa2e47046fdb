import type { PublicKey } from '../keys/types.js';
import type { LogPages } from '../service/pages.js';
import type { CheckpointInfo, IssuerInfo, OperationInfo, PolicyInfo, RegisteredEntry, ServiceStats, Submission } from '../service/types.js';

/**
 * What the HTTP layer needs from the service core: a structural view of `TransparencyService`
 * (src/service/), so the HTTP code names exactly the calls it relies on. Return values may be plain or
 * promised; the HTTP layer always awaits.
 */

type Awaitable<T> = T | Promise<T>;

/** The service calls the HTTP layer makes. */
export interface ServicePort {
  /** Verifies, applies the Registration Policy and queues one Signed Statement. */
  submit(statement: Uint8Array): Promise<Submission>;
  /** State of a registration operation, or undefined when unknown (never existed or forgotten). */
  operation(operationId: string): Awaitable<OperationInfo | undefined>;
  /** Receipts of a registered entry (P-256 first), or undefined when the entry is not in the log. */
  receipts(entryId: string): Awaitable<Uint8Array[] | undefined>;
  /** The Transparent Statement (receipts under 394), or undefined when the entry is not in the log. */
  transparentStatement(entryId: string): Awaitable<Uint8Array | undefined>;
  /** The 64-hex entry id at a log index, or undefined beyond the tree. */
  entryIdAt(index: number): Awaitable<string | undefined>;
  /** The newest signed checkpoint, or undefined for an empty log. */
  latestCheckpoint(): Awaitable<CheckpointInfo | undefined>;
  /** RFC 9942 consistency receipts from tree size `from` to `to` (P-256 first). */
  consistencyReceipt(from: number, to: number): Awaitable<Uint8Array | Uint8Array[] | undefined>;
  /** Entry ids of an agent session, in log order. */
  sessionEntries(agentId: string, sessionId: string): Awaitable<string[]>;
  /** The session export bundle (spec/bundle.md), or undefined for an unknown session; optional. */
  sessionBundle?(agentId: string, sessionId: string): Awaitable<Uint8Array | undefined>;
  /** The service's public keys (receipt and tree head keys). */
  serviceKeys(): Awaitable<readonly PublicKey[]>;
  /** The encoded COSE_KeySet of `serviceKeys()`. */
  keySet(): Awaitable<Uint8Array>;
  /** Issuer keys managed at run time (admin API). */
  readonly issuers: IssuerAdmin;
  /** Re-reads the Registration Policy file. */
  reloadPolicy(): Awaitable<unknown>;
  policyInfo(): Awaitable<PolicyInfo>;
  stats(): Awaitable<ServiceStats>;
  /** Stops accepting, finishes the batch in flight, closes the store. */
  close(): Promise<void>;
  /** The service identity (CWT iss). */
  readonly issuer?: string;
  /** Paged reads (GET /entries?from, /checkpoints, /agents/{agent}/sessions...); optional: 404 without. */
  readonly pages?: LogPagesPort;
  /** The log as C2SP checkpoint notes and tiles (spec/tlog.md); absent: `/tlog/...` answers 404. */
  readonly tlog?: TlogPort;
}

/** What `/tlog/...` serves (src/service/tlog.ts TlogView). */
export interface TlogPort {
  /** The checkpoint origin. */
  readonly origin: string;
  /** The log's note verifier keys. */
  readonly vkeys: readonly string[];
  /** The published checkpoint note, or undefined before the first. */
  checkpoint(): Awaitable<Uint8Array | undefined>;
  /** A tile, or undefined when its hashes are not all in the log. */
  tile(level: number, index: number, width: number): Awaitable<Uint8Array | undefined>;
  /** An entry bundle, or undefined when its entries are not all in the log. */
  entryBundle(index: number, width: number): Awaitable<Uint8Array | undefined>;
}

/** The paged reads of src/service/pages.ts, as the HTTP layer streams them (spec/api.md "Pages"). */
export type LogPagesPort = Pick<LogPages, 'entries' | 'sessionEntries' | 'checkpointPage' | 'agentSessions'>;

/** Issuer administration, as the admin endpoints use it. */
export interface IssuerAdmin {
  add(iss: string, key: PublicKey): Awaitable<unknown>;
  revoke(iss: string, kid?: Uint8Array): Awaitable<unknown>;
  list(): Awaitable<IssuerInfo[]>;
}

export type { CheckpointInfo, IssuerInfo, OperationInfo, PolicyInfo, RegisteredEntry, ServiceStats, Submission };
