import { HEADER_POLICY_HASH } from '../cose/labels.js';
import { AtlogError } from '../errors.js';
import type { PrivateKey } from '../keys/index.js';
import type { LogStorage, MetaPut } from '../storage/types.js';
import { inclusionReceiptIssuer, prepareTreeHead, type SignedTreeHead } from '../receipts/index.js';
import { equalBytes } from '../util/bytes.js';
import type { Anchorer, CheckpointTokens, Obtained } from './anchoring.js';
import type { ServiceLogger } from './options.js';
import type { Policy } from './policy/schema.js';
import type { CheckedStatement } from './registration.js';
import type { HeadSigner } from './head-signer.js';
import { BatchChain } from './chain.js';
import type { SessionCache } from './session-cache.js';
import { decodeCheckpoint, encodeCheckpoint, metaKeys, textPut, tokenList } from './state.js';
import type { RegisteredEntry } from './types.js';

/**
 * The sequencer: one ordered queue, one writer. Registrations that passed the order-independent checks wait
 * here; a batch is sealed at `maxEntries` or `maxDelayMs` after its first entry, and one that follows another
 * back to back (under load) no sooner than `minIntervalMs` after that one started unless it is full. Per batch:
 *
 *  1. chain check of every AAT record against its session tip, in queue order, including tips set by
 *     earlier records of the same batch (a fork, gap, replay or record after session_end fails only that
 *     registration);
 *  2. one append with the entries and their meta (session tips and index, entry -> checkpoint,
 *     operation results), atomic and synced;
 *  3. one signed tree head per service key for the new size, with the policy hash in the protected header,
 *     stored with putCheckpoint (synced) before anyone is told;
 *  4. RFC 3161 anchoring of each head's signature (bounded wait, see anchoring.ts);
 *  5. an inclusion proof per entry against the new size and the receipts; then the waiters are resolved.
 *
 * Steps 1-2 of the next batch overlap steps 3-5 of this one (see loop()); the ML-DSA signature is computed
 * in a worker thread (head-signer.ts), so the main thread appends meanwhile.
 *
 * Durability: a waiter is resolved only after its entry and a signed tree head covering it are on disk. A
 * crash may leave the last two batch sizes without a checkpoint; TransparencyService.recover signs them.
 */

/** A batch after stage 1: its admitted registrations, where they landed, and the root of the new size. */
interface Appended {
  ok: Pending[];
  base: number;
  size: number;
  root: Uint8Array;
}

/** One registration waiting for a batch. */
export interface Pending {
  checked: CheckedStatement;
  operationId: string;
  resolve: (e: RegisteredEntry) => void;
  reject: (e: AtlogError) => void;
}

export interface SequencerDeps {
  /** Appends and proofs, checkpoints. */
  storage: Omit<LogStorage, 'close'>;
  anchorer: Anchorer;
  keys: readonly PrivateKey[];
  /** Session tips and record ids in front of the meta store (chain checks). */
  sessions: SessionCache;
  /** Computes the heads' signatures (ML-DSA in a worker thread). */
  signer: HeadSigner;
  /** CWT iss of the tree heads. */
  issuer: string;
  /** COSE alg for the P-256 head (-7 or -9); ML-DSA heads use their key's alg. */
  p256Alg: number;
  policy: () => Policy;
  maxEntries: number;
  maxDelayMs: number;
  /** Under load, a batch that is not full starts no sooner than this after the previous one started. */
  minIntervalMs: number;
  logger: ServiceLogger;
}

function errorOf(e: unknown): AtlogError {
  return e instanceof AtlogError ? e : new AtlogError('ERR_SERVICE_INTERNAL', 'sequencing failed', { cause: e });
}

export class Sequencer {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Batches sealed and entries appended since start (metrics). */
  batches = 0;
  entries = 0;

  /** Size after the previous appended batch (0 before the first of this run). */
  private lastBatchSize = 0;

  constructor(private readonly d: SequencerDeps) {}

  /** Registrations waiting for a batch (not counting the batch being written). */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues a checked registration. The caller bounds the queue (TransparencyService.submit). */
  enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.queue.length >= this.d.maxEntries) this.kick();
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.kick(), this.d.maxDelayMs);
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) return; // the loop picks the queue up when the batch in flight is done
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.timer = setTimeout(() => this.kick(), this.d.maxDelayMs);
    });
  }

  /**
   * Two stages, each strictly in queue order: stage 1 (chain check and append) of batch N+1 runs while
   * stage 2 (store the signed head, anchor, prove, resolve) of batch N is still in flight. Stage 1 of N+1
   * starts only after stage 1 of N appended, so chain checks read the tips of every earlier accepted entry
   * from the log meta; stage 2 runs one batch at a time, so checkpoints are stored in size order. The head of
   * N+1 is signed (in the sign worker) as soon as N+1 is appended, overlapping stage 2 of N. At most two
   * batches are in flight (one per stage), which keeps memory bounded on top of queueLimit.
   */
  private async loop(): Promise<void> {
    let finishing: Promise<void> = Promise.resolve();
    /** When this run of the loop took its last batch from the queue (performance.now()). */
    let lastStart = -Infinity;
    for (;;) {
      if (this.queue.length === 0) {
        await finishing; // entries that arrive meanwhile are picked up at once, not after maxDelayMs
        if (this.queue.length === 0) return;
      }
      // Fewer, larger batches under load (each costs two tree-head signatures, a TSA round and a synced write):
      // a batch that follows another back to back waits until minIntervalMs after that one started, unless it
      // is full. The first batch after an idle moment does not wait.
      const early = lastStart + this.d.minIntervalMs - performance.now();
      if (early > 0 && this.queue.length < this.d.maxEntries) await new Promise((r) => setTimeout(r, early));
      lastStart = performance.now();
      const batch = this.queue.splice(0, this.d.maxEntries);
      let appended: Appended | undefined;
      try {
        appended = await this.append(batch);
      } catch (e) {
        this.fail(batch, e);
      }
      const before = finishing;
      if (appended) {
        const a = appended;
        // The tree head is signed at once, while the previous batch's stage 2 is still running: signing (an
        // ML-DSA-65 signature in pure JS) is the longest step of stage 2, and only the storing of checkpoints
        // has to follow size order. The rejection, if any, is handled where finish awaits it.
        const signed = this.sign(a.size, a.root);
        // Anchoring needs only the signatures, so the TSAs are asked at once too; the tokens are stored with
        // the checkpoint in one synced write (CheckpointStore.put with meta).
        const stamped = signed.then((heads) => this.d.anchorer.obtain(heads.map((h) => h.signature)));
        stamped.catch(() => undefined);
        finishing = before.then(() => this.finish(a, signed, stamped)).catch((e: unknown) => this.fail(a.ok, e));
      }
      // Entries that arrived while this batch was appended form the next batch (no sooner than minIntervalMs
      // after this one started): under load the write time is the natural batching delay. Wait for the previous
      // batch's stage 2 first (bound: two).
      await before;
    }
  }

  private fail(batch: readonly Pending[], e: unknown): void {
    const err = errorOf(e);
    this.d.logger.error({ err: err.message, code: err.code }, 'batch failed');
    for (const p of batch) p.reject(err);
  }

  /** Seals everything queued now and waits until it is written (used by close()). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (!this.running) this.kick();
      await this.running;
    }
  }

  /** Stage 1: chain checks in queue order, then one atomic, synced append of the admitted entries. */
  private async append(batch: Pending[]): Promise<Appended | undefined> {
    const chain = new BatchChain(this.d.sessions, this.d.policy().aat.requireChain);
    const ok: Pending[] = [];
    for (const p of batch) {
      const { record } = p.checked;
      const refusal = record ? await chain.admit(record, p.checked.entryId, p.checked.recordHash) : undefined;
      if (refusal) p.reject(refusal); // only this registration fails; the rest of the batch goes on
      else ok.push(p);
    }
    if (ok.length === 0) return undefined;
    const base = this.d.storage.reader.size;
    const newSize = base + ok.length;
    const meta: MetaPut[] = chain.puts();
    // Recovery signs the checkpoints a crash left missing: at most these two batches (see loop).
    meta.push(textPut(metaKeys.batches, `${this.lastBatchSize},${newSize}`));
    this.lastBatchSize = newSize;
    ok.forEach((p, i) => {
      const { entryId, session } = p.checked;
      meta.push(textPut(metaKeys.operation(p.operationId), entryId));
      if (session) meta.push(textPut(metaKeys.sessionIndex(session.agentId, session.sessionId, base + i), entryId));
    });

    const written = chain.writtenKeys();
    this.d.sessions.expect(written.tips, written.records);
    const result = await this.d.storage.appender.append(ok.map((p) => p.checked.entry), meta);
    this.d.sessions.committed(chain.newTips());
    // The service is the log's only writer and removed duplicates before queueing, so every entry is new
    // and lands at base + i; anything else means a second writer or a bug, and no receipt must go out.
    const misplaced = result.entries.findIndex((e, i) => e.duplicate || e.index !== base + i);
    if (misplaced >= 0 || result.size !== newSize) {
      throw new AtlogError('ERR_SERVICE_INTERNAL', `append placed entry ${misplaced} unexpectedly (size ${result.size}, expected ${newSize})`);
    }
    this.entries += ok.length;
    return { ok, base, size: result.size, root: result.root };
  }

  /**
   * Stage 2: the signed checkpoint for the batch's size with its first RFC 3161 tokens (one synced write), the
   * proofs, then the waiters. Nobody is told before the checkpoint covering their entry is on disk.
   */
  private async finish(a: Appended, signed: Promise<SignedTreeHead[]>, stamped: Promise<Obtained>): Promise<void> {
    const proving = this.d.storage.reader.inclusionProofs(a.ok.map((_, i) => a.base + i), a.size);
    proving.catch(() => undefined);
    const { heads, tokens } = await this.sealAnchored(a.size, signed, stamped);
    this.batches++;
    const proofs = await proving;
    // The shared parts of the batch's receipts (protected header, tokens, signature) are encoded once.
    const issuers = heads.map((h, k) => inclusionReceiptIssuer(h, { timestamps: tokenList(tokens, k) }));
    a.ok.forEach((p, i) => {
      const receipts = issuers.map((issue) => issue(a.base + i, proofs[i]!));
      p.resolve({ entryId: p.checked.entryId, index: a.base + i, treeSize: a.size, receipts });
    });
  }

  /**
   * Stores the heads signed ahead with the tokens obtained for them, unless a checkpoint of this size is stored
   * already (then that one is anchored the usual way: there are never two checkpoints of a size).
   */
  private async sealAnchored(size: number, signed: Promise<SignedTreeHead[]>, stamped: Promise<Obtained>): Promise<{ heads: SignedTreeHead[]; tokens: CheckpointTokens }> {
    let stored = await this.d.storage.checkpoints.get(size);
    if (stored === undefined) {
      const heads = await signed;
      const got = await stamped;
      const ours = encodeCheckpoint(heads);
      stored = await this.d.storage.checkpoints.put(size, ours, this.d.anchorer.tokenPuts(size, got));
      if (equalBytes(stored, ours)) {
        this.d.anchorer.settle(got);
        return { heads, tokens: got.tokens };
      }
    }
    const heads = decodeCheckpoint(stored);
    return { heads, tokens: await this.d.anchorer.anchor(size, heads.map((h) => h.signature)) };
  }

  /**
   * Signs and stores the checkpoint for `size`, or returns the one already stored: the root of a size is
   * deterministic, and the storage keeps the first checkpoint of a size forever, so there are never two.
   * `signed`, when given, are tree heads for this size and root signed ahead (see loop).
   * @throws AtlogError from signing or storage.
   */
  async seal(size: number, root: Uint8Array, signed?: Promise<SignedTreeHead[]>): Promise<SignedTreeHead[]> {
    const existing = await this.d.storage.checkpoints.get(size);
    if (existing) return decodeCheckpoint(existing);
    const heads = await (signed ?? this.sign(size, root));
    const stored = await this.d.storage.checkpoints.put(size, encodeCheckpoint(heads));
    return decodeCheckpoint(stored);
  }

  /** Signed tree heads for `size` and `root`, one per service key, under the current policy's hash. */
  private async sign(size: number, root: Uint8Array): Promise<SignedTreeHead[]> {
    const policy = this.d.policy();
    const extraProtected = new Map<number | string, unknown>([[HEADER_POLICY_HASH, policy.hash]]);
    const prepared = this.d.keys.map((key, i) =>
      prepareTreeHead({ key, issuer: this.d.issuer, treeSize: size, root, extraProtected, ...(i === 0 ? { alg: this.d.p256Alg } : {}) }),
    );
    const signatures = await Promise.all(prepared.map((p, i) => this.d.signer.sign(i, p.tbs, p.head.alg)));
    return prepared.map((p, i) => ({ ...p.head, signature: signatures[i]! }));
  }

  /** Anchors a checkpoint signed outside a batch (recovery on open). */
  async anchorRecovered(size: number, heads: SignedTreeHead[]): Promise<CheckpointTokens> {
    return this.d.anchorer.anchor(size, heads.map((h) => h.signature));
  }

  /** Stops the batch timer (close() drains first). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
