import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { ALG_ES256, ALG_ESP256 } from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';
import type { PrivateKey, PublicKey } from '../keys/index.js';
import type { LogStorage } from '../storage/types.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { Anchorer } from './anchoring.js';
import { HeadSigner } from './head-signer.js';
import { IssuerRegistry } from './issuers.js';
import { loadServiceKeys, serviceKeySet } from './keys.js';
import { OperationTable } from './operations.js';
import { resolveServiceOptions, type ServiceOptions, type ServiceOptionsInput } from './options.js';
import { PolicyHolder } from './policy/holder.js';
import { Queries } from './queries.js';
import { Registrar, type PreparedStatement } from './registration.js';
import { Sealer } from './sealer.js';
import { Sequencer } from './sequencer.js';
import { SessionCache } from './session-cache.js';
import { anchorStore, issuerStore, metaKeys, text } from './state.js';
import type { CheckpointInfo, OperationInfo, PolicyInfo, RegisteredEntry, ServiceStats, Submission } from './types.js';
import { VerifyPool } from './verify-pool.js';

/** Largest statement the duplicate check decodes (the CBOR decoder's default limit). */
const DUPLICATE_CHECK_MAX_BYTES = 16 * 1024 * 1024;

/**
 * The transparency service core (no HTTP): registration, Registration Policy, sequencer, service keys.
 * `src/http` and the CLI drive it; see docs/architecture.md and spec/policy.md.
 */
export class TransparencyService {
  /** Issuer administration (admin API): persisted in the log meta, merged with the policy file's issuers. */
  readonly issuers: Pick<IssuerRegistry, 'add' | 'revoke' | 'list'>;
  private readonly ops: OperationTable;
  private readonly registrar: Registrar;
  private readonly pending = new Map<string, Submission>();
  private readonly rejections: Record<string, number> = {};
  private verifying = 0;
  private duplicates = 0;
  private closed = false;

  private constructor(
    private readonly o: ServiceOptions,
    private readonly storage: LogStorage,
    private readonly keys: readonly PrivateKey[],
    private readonly policy: PolicyHolder,
    private readonly registry: IssuerRegistry,
    private readonly pool: VerifyPool,
    private readonly signer: HeadSigner,
    private readonly anchorer: Anchorer,
    private readonly sequencer: Sequencer,
    private readonly queries: Queries,
  ) {
    this.ops = new OperationTable(o.operationsLimit);
    this.registrar = new Registrar(registry, pool);
    this.issuers = registry; // add(iss, key, { status, notBefore, notAfter }), revoke(iss, kid?), list()
  }

  /** The service identity (CWT iss of tree heads and receipts). */
  get issuer(): string {
    return this.o.issuer;
  }

  /**
   * Opens (or creates) the service in `options.dataDir`: loads the policy and the service keys, opens the storage,
   * signs a checkpoint for the log's size when a crash left it without one, and resumes anchoring.
   * @throws AtlogError ERR_SERVICE_OPTIONS, ERR_POLICY_* (bad policy file), ERR_SERVICE_KEY_* (key files),
   *   ERR_LOG_LOCKED (another process holds the data directory), ERR_LOG_* (storage).
   */
  static async open(input: ServiceOptionsInput = {}): Promise<TransparencyService> {
    const o = resolveServiceOptions(input); // idempotent, so resolved options may be passed too
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    const policy = await PolicyHolder.open(o.policyFile, o.logger);
    const sk = await loadServiceKeys(o.dataDir, o.receiptAlg, o.logger);
    const keys = o.pqReceipts ? sk.signing : [sk.p256];
    const storage = await o.storage(o.dataDir);
    try {
      const { meta, checkpoints } = storage;
      const registry = await IssuerRegistry.open(() => policy.current.issuers, issuerStore(meta));
      const pool = new VerifyPool(o.verifyWorkers, o.inlineFastVerify);
      const signer = new HeadSigner(keys, o.signWorker);
      const anchors = anchorStore(meta, checkpoints);
      const anchorer = new Anchorer(o.timestampers, anchors, {
        timeoutMs: o.anchorTimeoutMs, retryMs: o.anchorRetryMs, intervalMs: o.anchorIntervalMs, logger: o.logger,
      });
      const current = () => policy.current;
      const sealer = new Sealer({
        checkpoints, anchorer, keys, signer, issuer: o.issuer, p256Alg: o.receiptAlg === 'ESP256' ? ALG_ESP256 : ALG_ES256, policy: current,
      });
      const sequencer = new Sequencer({
        storage, sessions: await SessionCache.open(meta), sealer, policy: current,
        maxEntries: o.batch.maxEntries, maxDelayMs: o.batch.maxDelayMs, minIntervalMs: o.batch.minIntervalMs, logger: o.logger,
      });
      const s = new TransparencyService(o, storage, keys, policy, registry, pool, signer, anchorer, sequencer, new Queries(storage, anchors, anchorer));
      await sequencer.recover();
      await anchorer.start();
      if (o.watchPolicy) policy.watch(o.policyDebounceMs);
      o.logger.info({ treeSize: storage.reader.size, policyHash: policy.current.hashHex, issuer: o.issuer }, 'transparency service open');
      return s;
    } catch (e) {
      await storage.close();
      policy.close();
      throw e;
    }
  }

  /**
   * Checks a Signed Statement (everything that does not need log order) and queues it. A statement whose
   * entry is already in the log (or queued) is not registered again: it resolves with the existing entry and
   * `duplicate: true`.
   * @throws AtlogError ERR_LOG_PUSHBACK (queue full: retry later; details.retryAfter in seconds),
   *   ERR_SERVICE_CLOSED, ERR_REG_TOO_LARGE, ERR_REG_MALFORMED, ERR_REG_PAYLOAD_MISSING, ERR_REG_BAD_ALG,
   *   ERR_REG_REJECTED (details.reason, details.rule). `done` may reject with ERR_REG_REJECTED for chain
   *   breaks (details.reason = replay, fork, gap, genesis_required, genesis_replay, timestamp_regression,
   *   after_session_end, session_mismatch, bad_record_count) or with a storage error.
   */
  async submit(statement: Uint8Array): Promise<Submission> {
    try {
      if (this.closed) throw new AtlogError('ERR_SERVICE_CLOSED', 'the service is closing');
      const { dup, prepared } = await this.duplicateOf(statement);
      if (dup) return dup;
      if (this.verifying + this.sequencer.depth >= this.o.queueLimit) {
        throw new AtlogError('ERR_LOG_PUSHBACK', `registration queue is full (${this.o.queueLimit})`, { details: { retryAfter: 1 } });
      }
      // Counted from here until it is in the sequencer's queue, so concurrent submits see it.
      this.verifying++;
      try {
        return await this.checkAndEnqueue(statement, prepared);
      } finally {
        this.verifying--;
      }
    } catch (e) {
      this.count(e);
      throw e;
    }
  }

  private async checkAndEnqueue(statement: Uint8Array, prepared: PreparedStatement | undefined): Promise<Submission> {
    const checked = await this.registrar.check(statement, this.policy.current, undefined, prepared);
    // A twin may have been queued or appended while this one was being verified.
    const again = this.pending.get(checked.entryId) ?? (await this.existing(checked.entryHash));
    if (again) return { ...again, duplicate: true };
    const operationId = randomUUID();
    let resolve!: (e: RegisteredEntry) => void;
    let reject!: (e: AtlogError) => void;
    const done = new Promise<RegisteredEntry>((res, rej) => ((resolve = res), (reject = rej)));
    const sub: Submission = { operationId, entryId: checked.entryId, duplicate: false, done };
    this.ops.start(operationId, checked.entryId);
    this.pending.set(checked.entryId, sub);
    done.then(
      () => this.ops.succeed(operationId, checked.entryId),
      (e: AtlogError) => {
        this.count(e);
        this.ops.fail(operationId, checked.entryId, e);
      },
    ).finally(() => this.pending.delete(checked.entryId));
    this.sequencer.enqueue({ checked, operationId, resolve, reject });
    return sub;
  }

  private count(e: unknown): void {
    const code = e instanceof AtlogError ? e.code : 'ERR_INTERNAL';
    this.rejections[code] = (this.rejections[code] ?? 0) + 1;
  }

  /**
   * Decodes the statement (once for both steps) and answers a duplicate before any signature work: the entry
   * hash only needs the COSE structure. A statement that does not decode is left to `check`, which reports it.
   */
  private async duplicateOf(statement: Uint8Array): Promise<{ dup?: Submission; prepared?: PreparedStatement }> {
    let prepared: PreparedStatement;
    try {
      // Not the policy's limit: a statement registered under a larger earlier limit is still a duplicate. The
      // decoder's own default (16 MiB) bounds the work.
      prepared = this.registrar.prepare(statement, DUPLICATE_CHECK_MAX_BYTES);
    } catch {
      return {}; // malformed: the full check reports it properly
    }
    const queued = this.pending.get(toHex(prepared.entryHash));
    if (queued) return { dup: { ...queued, duplicate: true }, prepared };
    const dup = await this.existing(prepared.entryHash);
    return dup ? { dup, prepared } : { prepared };
  }

  private async existing(h: Uint8Array): Promise<Submission | undefined> {
    if ((await this.storage.reader.indexOfEntryHash(h)) === undefined) return undefined;
    const entryId = toHex(h);
    this.duplicates++;
    const operationId = randomUUID();
    this.ops.succeed(operationId, entryId);
    const done = this.queries.registered(entryId).then((r) => {
      if (!r) throw new AtlogError('ERR_SERVICE_INTERNAL', `entry ${entryId} has no checkpoint yet`);
      return r;
    });
    return { operationId, entryId, duplicate: true, done };
  }

  /** State of a registration operation, or undefined when unknown or forgotten (succeeded ones are persisted). */
  async operation(operationId: string): Promise<OperationInfo | undefined> {
    const mem = this.ops.get(operationId);
    if (mem) return mem;
    if (typeof operationId !== 'string' || !/^[0-9a-f-]{36}$/.test(operationId)) return undefined;
    const entryId = text(await this.storage.meta.get(metaKeys.operation(operationId)));
    return entryId === undefined ? undefined : { status: 'succeeded', entryId };
  }

  /** Receipts of a registered entry (P-256 first), from the checkpoint it was registered in. */
  async receipts(entryId: string): Promise<Uint8Array[] | undefined> {
    return (await this.queries.registered(entryId))?.receipts;
  }

  /** The registered entry with its receipts under 394, or undefined when not in the log. */
  transparentStatement(entryId: string): Promise<Uint8Array | undefined> {
    return this.queries.transparentStatement(entryId);
  }

  /** Log index of an entry, or undefined. */
  entryIndex(entryId: string): Promise<number | undefined> {
    return this.queries.entryIndex(entryId);
  }

  /** Entry id at a log index, or undefined beyond the tree (or for a bad index). */
  entryIdAt(index: number): Promise<string | undefined> {
    return this.queries.entryIdAt(index);
  }

  /** The newest signed checkpoint, or undefined for an empty log. */
  latestCheckpoint(): Promise<CheckpointInfo | undefined> {
    return this.queries.latestCheckpoint();
  }

  /**
   * Consistency receipts (P-256 first) from tree size `from` to the checkpoint of size `to`, or undefined when
   * no checkpoint was signed for `to` (checkpoints exist for batch sizes; `latestCheckpoint()` names one).
   * @throws AtlogError ERR_INVALID_RANGE unless 0 < from <= to <= tree size.
   */
  consistencyReceipt(from: number, to: number): Promise<Uint8Array[] | undefined> {
    return this.queries.consistencyReceipts(from, to);
  }

  /** Entry ids of an agent session, in log order (empty for an unknown session). */
  sessionEntries(agentId: string, sessionId: string): Promise<string[]> {
    return this.queries.sessionEntries(agentId, sessionId);
  }

  /**
   * The session export bundle (spec/bundle.md) an auditor verifies offline, or undefined for an unknown
   * session. Receipts are against the newest checkpoint.
   */
  sessionBundle(agentId: string, sessionId: string): Promise<Uint8Array | undefined> {
    return this.queries.sessionBundle(agentId, sessionId);
  }

  /** The public keys that sign tree heads (P-256 first). */
  serviceKeys(): PublicKey[] {
    return this.keys.map((k) => k.publicKey);
  }

  /** COSE_KeySet of `serviceKeys()`. */
  keySet(): Uint8Array {
    return serviceKeySet(this.keys);
  }

  /** The service key with this kid (or RFC 9679 thumbprint), or undefined. */
  keyByKid(kid: Uint8Array): PublicKey | undefined {
    return this.serviceKeys().find((k) => equalBytes(k.kid, kid) || equalBytes(k.thumbprint, kid));
  }

  /**
   * Re-reads the policy file; on error the old policy stays in force.
   * @throws AtlogError ERR_POLICY_SYNTAX, ERR_POLICY_INVALID, ERR_POLICY_READ.
   */
  async reloadPolicy(): Promise<{ hash: string }> {
    return { hash: (await this.policy.reload()).hashHex };
  }

  policyInfo(): PolicyInfo {
    return this.policy.info();
  }

  stats(): ServiceStats {
    return {
      queueDepth: this.verifying + this.sequencer.depth,
      queueLimit: this.o.queueLimit,
      batches: this.sequencer.batches,
      entries: this.sequencer.entries,
      duplicates: this.duplicates,
      rejections: { ...this.rejections },
      treeSize: this.storage.reader.size,
      unanchoredCheckpoints: this.anchorer.unanchored,
      timestampersDown: this.anchorer.downNames,
      open: !this.closed,
      policyHash: this.policy.current.hashHex,
    };
  }

  /** Stops intake, writes everything already accepted, stops anchoring retries, closes the store. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.policy.close();
    while (this.verifying > 0) await new Promise((r) => setTimeout(r, 5));
    await this.sequencer.drain();
    this.sequencer.stop();
    await this.anchorer.close();
    await this.pool.close();
    await this.signer.close();
    await this.storage.close();
    this.o.logger.info({ treeSize: this.storage.reader.size }, 'transparency service closed');
  }
}
