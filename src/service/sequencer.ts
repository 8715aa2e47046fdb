import { AtlogError } from '../errors.js';
import type { PrivateKey } from '../keys/index.js';
import type { LogStore, MetaPut } from '../log/index.js';
import { issueInclusionReceipt, prepareTreeHead, type SignedTreeHead } from '../receipts/index.js';
import type { Anchorer, CheckpointTokens } from './anchoring.js';
import type { ServiceLogger } from './options.js';
import type { Policy } from './policy/schema.js';
import type { CheckedStatement } from './registration.js';
import type { HeadSigner } from './head-signer.js';
import { BatchChain } from './chain.js';
import { decodeCheckpoint, encodeCheckpoint, metaKeys, textPut, tokenList } from './state.js';
import type { RegisteredEntry } from './types.js';

/**
 * The sequencer: one ordered queue, one writer. Registrations that passed the order-independent checks wait
 * here; a batch is sealed at `maxEntries` or `maxDelayMs` after its first entry. Per batch:
 *
 *  1. chain check of every AAT record against its session tip, in queue order, including tips set by
 *     earlier records of the same batch (a fork, gap, replay or record after session_end fails only that
 *     registration);
 *  2. one LogStore.append with the entries and their meta (session tips and index, entry -> checkpoint,
 *     operation results), atomic and synced;
 *  3. one signed tree head per service key for the new size, with the policy hash in the protected header,
 *     stored with putCheckpoint (synced) before anyone is told;
 *  4. RFC 3161 anchoring of each head's signature (bounded wait, see anchoring.ts);
 *  5. an inclusion proof per entry against the new size and the receipts; then the waiters are resolved.
 *
 * Durability: a waiter is resolved only after its entry and a signed tree head covering it are on disk.
 */

/** Protected header label of the Registration Policy hash in signed tree heads (spec/policy.md). */
export const HEADER_POLICY_HASH = -65538;

/** One registration waiting for a batch. */
export interface Pending {
  checked: CheckedStatement;
  operationId: string;
  resolve: (e: RegisteredEntry) => void;
  reject: (e: AtlogError) => void;
}

export interface SequencerDeps {
  store: LogStore;
  anchorer: Anchorer;
  keys: readonly PrivateKey[];
  /** Computes the heads' signatures (ML-DSA in a worker thread). */
  signer: HeadSigner;
  /** CWT iss of the tree heads. */
  issuer: string;
  /** COSE alg for the P-256 head (-7 or -9); ML-DSA heads use their key's alg. */
  p256Alg: number;
  policy: () => Policy;
  maxEntries: number;
  maxDelayMs: number;
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

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.d.maxEntries);
      try {
        await this.process(batch);
      } catch (e) {
        const err = errorOf(e);
        this.d.logger.error({ err: err.message, code: err.code }, 'batch failed');
        for (const p of batch) p.reject(err);
      }
      // Entries that arrived while this batch was written form the next batch at once: under load the
      // write time is the natural batching delay.
    }
  }

  /** Seals everything queued now and waits until it is written (used by close()). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      if (!this.running) this.kick();
      await this.running;
    }
  }

  private async process(batch: Pending[]): Promise<void> {
    const chain = new BatchChain(this.d.store, this.d.policy().aat.requireChain);
    const ok: Pending[] = [];
    for (const p of batch) {
      const { record } = p.checked;
      const refusal = record ? await chain.admit(record, p.checked.entryId) : undefined;
      if (refusal) p.reject(refusal); // only this registration fails; the rest of the batch goes on
      else ok.push(p);
    }
    if (ok.length === 0) return;
    const base = this.d.store.size;
    const newSize = base + ok.length;
    const meta: MetaPut[] = chain.puts();
    ok.forEach((p, i) => {
      const { entryId, session } = p.checked;
      meta.push(textPut(metaKeys.entry(entryId), String(newSize)));
      meta.push(textPut(metaKeys.operation(p.operationId), entryId));
      if (session) meta.push(textPut(metaKeys.sessionIndex(session.agentId, session.sessionId, base + i), entryId));
    });

    const result = await this.d.store.append(ok.map((p) => p.checked.entry), meta);
    // The service is the log's only writer and removed duplicates before queueing, so every entry is new
    // and lands at base + i; anything else means a second writer or a bug, and no receipt must go out.
    const misplaced = result.entries.findIndex((e, i) => e.duplicate || e.index !== base + i);
    if (misplaced >= 0 || result.size !== newSize) {
      throw new AtlogError('ERR_SERVICE_INTERNAL', `append placed entry ${misplaced} unexpectedly (size ${result.size}, expected ${newSize})`);
    }
    const heads = await this.seal(result.size, result.root);
    this.batches++;
    this.entries += ok.length;
    const tokens = await this.d.anchorer.anchor(result.size, heads.map((h) => h.signature));
    const proofs = await Promise.all(ok.map((_, i) => this.d.store.inclusionProof(base + i, result.size)));
    ok.forEach((p, i) => {
      const receipts = heads.map((h, k) => issueInclusionReceipt(h, base + i, proofs[i]!, { timestamps: tokenList(tokens, k) }));
      p.resolve({ entryId: p.checked.entryId, index: base + i, treeSize: result.size, receipts });
    });
  }

  /**
   * Signs and stores the checkpoint for `size`, or returns the one already stored: the root of a size is
   * deterministic, and LogStore keeps the first checkpoint of a size forever, so there are never two.
   * @throws AtlogError from signing or storage.
   */
  async seal(size: number, root: Uint8Array): Promise<SignedTreeHead[]> {
    const existing = await this.d.store.checkpoint(size);
    if (existing) return decodeCheckpoint(existing);
    const policy = this.d.policy();
    const extraProtected = new Map<number | string, unknown>([[HEADER_POLICY_HASH, policy.hash]]);
    const prepared = this.d.keys.map((key, i) =>
      prepareTreeHead({ key, issuer: this.d.issuer, treeSize: size, root, extraProtected, ...(i === 0 ? { alg: this.d.p256Alg } : {}) }),
    );
    const signatures = await Promise.all(prepared.map((p, i) => this.d.signer.sign(i, p.tbs, p.head.alg)));
    const heads: SignedTreeHead[] = prepared.map((p, i) => ({ ...p.head, signature: signatures[i]! }));
    const stored = await this.d.store.putCheckpoint(size, encodeCheckpoint(heads));
    return decodeCheckpoint(stored);
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
