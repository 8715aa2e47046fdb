import { mkdir } from 'node:fs/promises';
import { ALG_ES256, ALG_ESP256 } from '../cose/algorithms.js';
import type { PrivateKey, PublicKey } from '../keys/index.js';
import type { LogStorage } from '../storage/types.js';
import { equalBytes } from '../util/bytes.js';
import { Admission } from './admission.js';
import { Anchorer } from './anchoring.js';
import { CheckpointNoter } from './checkpoint-notes.js';
import { HeadSigner } from './head-signer.js';
import { IssuerRegistry } from './issuers.js';
import { loadServiceKeys, serviceKeySet } from './keys.js';
import { OperationTable } from './operations.js';
import { resolveServiceOptions, type ServiceOptions, type ServiceOptionsInput } from './options.js';
import { PolicyHolder } from './policy/holder.js';
import { LogPages } from './pages.js';
import { TlogPublisher } from './publisher.js';
import { Queries } from './queries.js';
import { Registrar } from './registration.js';
import { Sealer } from './sealer.js';
import { Sequencer } from './sequencer.js';
import { SessionCache } from './session-cache.js';
import { anchorStore, issuerStore, metaKeys, text } from './state.js';
import { TileMirror } from './tile-mirror.js';
import { loadNoteKeys, saveNoteVkeys } from './tlog-keys.js';
import { storedTiles, TlogView } from './tlog.js';
import type { CheckpointInfo, OperationInfo, PolicyInfo, ServiceStats, Submission } from './types.js';
import { VerifyPool } from './verify-pool.js';

/** What `open` builds and the service runs on. */
interface ServiceParts {
  options: ServiceOptions;
  storage: LogStorage;
  keys: readonly PrivateKey[];
  policy: PolicyHolder;
  registry: IssuerRegistry;
  pool: VerifyPool;
  signer: HeadSigner;
  anchorer: Anchorer;
  sequencer: Sequencer;
  queries: Queries;
  pages: LogPages;
  ops: OperationTable;
  admission: Admission;
  /** Absent with the C2SP views off (`tlog.enabled: false`). */
  noter: CheckpointNoter | undefined;
  publisher: TlogPublisher | undefined;
}

/**
 * The transparency service core (no HTTP): registration, Registration Policy, sequencer, service keys, over
 * the storage interfaces of src/storage. `src/http` and the CLI drive it; see docs/architecture.md and
 * spec/policy.md.
 */
export class TransparencyService {
  /** Issuer administration (admin API): persisted in the meta store, merged with the policy file's issuers. */
  readonly issuers: Pick<IssuerRegistry, 'add' | 'revoke' | 'list'>;
  /** Paged reads for exporters and monitors: entries, sessions, checkpoints (pages.ts, spec/api.md "Pages"). */
  readonly pages: LogPages;
  /**
   * The log as C2SP checkpoint notes and tiles (spec/tlog.md section 9): what `/tlog/...` serves; undefined
   * with `tlog.enabled: false`.
   */
  readonly tlog: TlogView | undefined;
  private closed = false;

  private constructor(private readonly p: ServiceParts) {
    this.issuers = p.registry; // add(iss, key, { status, notBefore, notAfter }), revoke(iss, kid?), list()
    this.pages = p.pages;
    this.tlog = p.noter && p.publisher ? new TlogView(p.options.tlog.origin, p.noter.vkeys, p.publisher, storedTiles(p.storage.reader)) : undefined;
  }

  /** The service identity (CWT iss of tree heads and receipts). */
  get issuer(): string {
    return this.p.options.issuer;
  }

  /**
   * Opens (or creates) the service in `options.dataDir`: loads the policy and the service keys, opens the
   * storage, signs a checkpoint for the log's size when a crash left it without one, and resumes anchoring.
   * @throws AtlogError ERR_SERVICE_OPTIONS, ERR_POLICY_* (bad policy file), ERR_SERVICE_KEY_* (key files),
   *   ERR_LOG_LOCKED (another process holds the data directory), ERR_LOG_* (storage).
   */
  static async open(input: ServiceOptionsInput = {}): Promise<TransparencyService> {
    const o = resolveServiceOptions(input); // idempotent, so resolved options may be passed too
    await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
    const policy = await PolicyHolder.open(o.policyFile, o.logger);
    const sk = await loadServiceKeys(o.dataDir, o.receiptAlg, o.logger);
    const keys = o.pqReceipts ? sk.signing : [sk.p256];
    const noter = o.tlog.enabled ? new CheckpointNoter(o.tlog.origin, await loadNoteKeys(o.dataDir, o.tlog.origin, o.logger), o.pqReceipts, o.signWorker) : undefined;
    if (noter) await saveNoteVkeys(o.dataDir, noter.vkeys);
    const storage = await o.storage(o.dataDir);
    let publisher: TlogPublisher | undefined;
    try {
      const { reader, meta, checkpoints } = storage;
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
        ...(noter ? { noter } : {}), meta, onSealed: (size, note) => publisher?.sealed(size, note),
      });
      const sequencer = new Sequencer({
        storage, sessions: await SessionCache.open(meta), sealer, policy: current,
        maxEntries: o.batch.maxEntries, maxDelayMs: o.batch.maxDelayMs, minIntervalMs: o.batch.minIntervalMs, logger: o.logger,
      });
      const queries = new Queries(storage, anchors, anchorer);
      const ops = new OperationTable(o.operationsLimit);
      const admission = new Admission({
        registrar: new Registrar(registry, pool), reader, queries, ops, sequencer, policy: current, queueLimit: o.queueLimit,
      });
      const pages = new LogPages(storage, anchors, anchorer);
      await sequencer.recover();
      // After recovery: the publisher starts from the newest checkpoint, which now has its note.
      const t = o.tlog;
      if (t.enabled) {
        const mirror = t.tilesDir === undefined ? undefined : await TileMirror.open(t.tilesDir, storedTiles(reader), reader, t.tilesIntervalMs, o.logger);
        publisher = await TlogPublisher.start({
          meta, checkpoints, mirror, logger: o.logger,
          noteOf: async (size) => sealer.noteOf(size, await reader.rootAt(size)),
          ...(t.witnesses.length > 0
            ? { witnessing: { witnesses: t.witnesses, quorum: t.quorum, intervalMs: t.witnessIntervalMs, timeoutMs: t.witnessTimeoutMs, reader } }
            : {}),
        });
      }
      const s = new TransparencyService({ options: o, storage, keys, policy, registry, pool, signer, anchorer, sequencer, queries, pages, ops, admission, noter, publisher });
      await anchorer.start();
      if (o.watchPolicy) policy.watch(o.policyDebounceMs);
      o.logger.info({ treeSize: reader.size, policyHash: policy.current.hashHex, issuer: o.issuer, ...(noter ? { origin: t.origin, vkeys: noter.vkeys } : {}) }, 'transparency service open');
      return s;
    } catch (e) {
      await publisher?.close();
      await noter?.close();
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
  submit(statement: Uint8Array): Promise<Submission> {
    return this.p.admission.submit(statement);
  }

  /** State of a registration operation, or undefined when unknown or forgotten (succeeded ones are persisted). */
  async operation(operationId: string): Promise<OperationInfo | undefined> {
    const mem = this.p.ops.get(operationId);
    if (mem) return mem;
    if (typeof operationId !== 'string' || !/^[0-9a-f-]{36}$/.test(operationId)) return undefined;
    const entryId = text(await this.p.storage.meta.get(metaKeys.operation(operationId)));
    return entryId === undefined ? undefined : { status: 'succeeded', entryId };
  }

  /** Receipts of a registered entry (P-256 first), from the checkpoint it was registered in. */
  async receipts(entryId: string): Promise<Uint8Array[] | undefined> {
    return (await this.p.queries.registered(entryId))?.receipts;
  }

  /** The registered entry with its receipts under 394, or undefined when not in the log. */
  transparentStatement(entryId: string): Promise<Uint8Array | undefined> {
    return this.p.queries.transparentStatement(entryId);
  }

  /** Log index of an entry, or undefined. */
  entryIndex(entryId: string): Promise<number | undefined> {
    return this.p.queries.entryIndex(entryId);
  }

  /** Entry id at a log index, or undefined beyond the tree (or for a bad index). */
  entryIdAt(index: number): Promise<string | undefined> {
    return this.p.queries.entryIdAt(index);
  }

  /** The newest signed checkpoint, or undefined for an empty log. */
  latestCheckpoint(): Promise<CheckpointInfo | undefined> {
    return this.p.queries.latestCheckpoint();
  }

  /**
   * Consistency receipts (P-256 first) from tree size `from` to the checkpoint of size `to`, or undefined when
   * no checkpoint was signed for `to` (checkpoints exist for batch sizes; `latestCheckpoint()` names one).
   * @throws AtlogError ERR_INVALID_RANGE unless 0 < from <= to <= tree size.
   */
  consistencyReceipt(from: number, to: number): Promise<Uint8Array[] | undefined> {
    return this.p.queries.consistencyReceipts(from, to);
  }

  /** Entry ids of an agent session, in log order (empty for an unknown session). */
  sessionEntries(agentId: string, sessionId: string): Promise<string[]> {
    return this.p.queries.sessionEntries(agentId, sessionId);
  }

  /**
   * The session export bundle (spec/bundle.md) an auditor verifies offline, or undefined for an unknown
   * session. Receipts are against the newest checkpoint.
   */
  sessionBundle(agentId: string, sessionId: string): Promise<Uint8Array | undefined> {
    return this.p.queries.sessionBundle(agentId, sessionId);
  }

  /** The public keys that sign tree heads (P-256 first). */
  serviceKeys(): PublicKey[] {
    return this.p.keys.map((k) => k.publicKey);
  }

  /** COSE_KeySet of `serviceKeys()`. */
  keySet(): Uint8Array {
    return serviceKeySet(this.p.keys);
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
    return { hash: (await this.p.policy.reload()).hashHex };
  }

  policyInfo(): PolicyInfo {
    return this.p.policy.info();
  }

  stats(): ServiceStats {
    const { admission, sequencer, anchorer } = this.p;
    return {
      queueDepth: admission.depth,
      queueLimit: this.p.options.queueLimit,
      batches: sequencer.batches,
      entries: sequencer.entries,
      duplicates: admission.duplicates,
      rejections: { ...admission.rejections },
      treeSize: this.p.storage.reader.size,
      unanchoredCheckpoints: anchorer.unanchored,
      timestampersDown: anchorer.downNames,
      open: !this.closed,
      policyHash: this.p.policy.current.hashHex,
    };
  }

  /** Stops intake, writes everything already accepted, stops anchoring retries, closes the storage. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { policy, admission, sequencer, anchorer, pool, signer, storage, options, publisher, noter } = this.p;
    policy.close();
    await admission.close();
    await sequencer.drain();
    sequencer.stop();
    await anchorer.close();
    await publisher?.close(); // stops witnessing; the tiles directory gets the last published checkpoint
    await pool.close();
    await signer.close();
    await noter?.close();
    await storage.close();
    options.logger.info({ treeSize: storage.reader.size }, 'transparency service closed');
  }
}
