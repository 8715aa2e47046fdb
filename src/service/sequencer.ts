import { AtlogError } from '../errors.js';
import { inclusionReceiptIssuer } from '../receipts/index.js';
import type { LogStorage, MetaPut } from '../storage/types.js';
import { BatchChain } from './chain.js';
import type { ServiceLogger } from './options.js';
import type { Policy } from '../policy/schema.js';
import type { CheckedStatement } from './registration.js';
import type { Sealer, Signing } from './sealer.js';
import type { SessionCache } from './session-cache.js';
import { metaKeys, text, textPut, tokenList } from './state.js';
import type { RegisteredEntry } from './types.js';

/**
 * The sequencer: one ordered queue, one writer. Registrations that passed the order-independent checks wait
 * here; a batch is sealed at `maxEntries` or `maxDelayMs` after its first entry, and one that follows another
 * back to back (under load) no sooner than `minIntervalMs` after that one started unless it is full. Per batch:
 *
 *  1. chain check of every AAT record against its session tip, in queue order, including tips set by
 *     earlier records of the same batch (a fork, gap, replay or record after session_end fails only that
 *     registration);
 *  2. one append with the entries and their meta (session tips and index, operation results, the batch
 *     sizes recovery reads), atomic and synced;
 *  3. one signed tree head per service key for the new size, with the policy hash in the protected header,
 *     stored as the size's checkpoint (synced) before anyone is told (sealer.ts);
 *  4. RFC 3161 anchoring of each head's signature (bounded wait, see anchoring.ts), stored with step 3;
 *  5. an inclusion proof per entry against the new size and the receipts; then the waiters are resolved.
 *
 * Steps 1-2 of the next batch overlap steps 3-5 of this one (see loop()); the ML-DSA signature is computed
 * in a worker thread (head-signer.ts), so the main thread appends meanwhile.
 *
 * Durability: a waiter is resolved only after its entry and a signed tree head covering it are on disk. A
 * crash may leave the last two batch sizes without a checkpoint; `recover` signs them on open.
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
  /** Appends and proofs; the meta and checkpoints for recovery. */
  storage: Omit<LogStorage, 'close'>;
  /** Session tips and record ids in front of the meta store (chain checks). */
  sessions: SessionCache;
  /** Signs and stores the checkpoint of a size with its first tokens. */
  sealer: Sealer;
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

  /**
   * Recovery on open, before the first batch: a crash between an append and its checkpoint left sizes with
   * entries but no checkpoint. Stage 1 of batch N+1 runs while batch N is being sealed (loop), so up to two
   * batch sizes after the newest checkpoint may lack one; the `q/batches` meta, written with every batch,
   * names the last two. Those sizes get their checkpoint now, oldest first, and always the log's size, whose
   * root is what a verifier sees next.
   * @throws AtlogError from signing or storage.
   */
  async recover(): Promise<void> {
    const { reader, checkpoints, meta } = this.d.storage;
    const size = reader.size;
    if (size === 0 || (await checkpoints.get(size)) !== undefined) return;
    const last = (await checkpoints.latest())?.size ?? 0;
    const sizes = new Set<number>([size]);
    for (const part of (text(await meta.get(metaKeys.batches)) ?? '').split(',')) {
      const s = Number(part);
      if (Number.isSafeInteger(s) && s > last && s <= size) sizes.add(s);
    }
    for (const s of [...sizes].sort((x, y) => x - y)) {
      if ((await checkpoints.get(s)) !== undefined) continue;
      await this.d.sealer.seal(s, this.d.sealer.start(s, await reader.rootAt(s)));
      this.d.logger.warn({ treeSize: s }, 'signed the missing checkpoint for a recovered log size');
    }
  }

  /** Queues a checked registration. The caller bounds the queue (Admission). */
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
        // has to follow size order. The TSAs are asked as soon as it is signed; the tokens are stored with the
        // checkpoint in one synced write. A rejection is handled where finish awaits it.
        const signing = this.d.sealer.start(a.size, a.root);
        finishing = before.then(() => this.finish(a, signing)).catch((e: unknown) => this.fail(a.ok, e));
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
    const { appender, reader } = this.d.storage;
    const base = reader.size;
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
    const result = await appender.append(ok.map((p) => p.checked.entry), meta);
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
  private async finish(a: Appended, signing: Signing): Promise<void> {
    const proving = this.d.storage.reader.inclusionProofs(a.ok.map((_, i) => a.base + i), a.size);
    proving.catch(() => undefined);
    const { heads, tokens } = await this.d.sealer.seal(a.size, signing);
    this.batches++;
    const proofs = await proving;
    // The shared parts of the batch's receipts (protected header, tokens, signature) are encoded once.
    const issuers = heads.map((h, k) => inclusionReceiptIssuer(h, { timestamps: tokenList(tokens, k) }));
    a.ok.forEach((p, i) => {
      const receipts = issuers.map((issue) => issue(a.base + i, proofs[i]!));
      p.resolve({ entryId: p.checked.entryId, index: a.base + i, treeSize: a.size, receipts });
    });
  }

  /** Stops the batch timer (close() drains first). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
