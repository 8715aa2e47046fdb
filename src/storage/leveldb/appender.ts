import { AtlogError } from '../../errors.js';
import { checkEntries } from '../checks.js';
import type { BatchHasher, BatchHashes } from '../hash-pool.js';
import { copy } from '../hashing.js';
import type { AppendResult, AppendedEntry, LogAppender, MetaPut } from '../types.js';
import type { LevelDbContext } from './context.js';
import { resolveDuplicates } from './dedup.js';
import { metaOps } from './meta.js';
import { type Op, type TreeState, planAppend } from './plan.js';

type Batch = ReturnType<LevelDbContext['db']['batch']>;

/** What an append planned on top of the tip (the committed tree plus the appends still being written). */
interface InFlight {
  /** Index of its first new entry. */
  readonly first: number;
  /** Entry hashes of its new entries, in index order (not yet readable from LevelDB). */
  readonly hashes: readonly Uint8Array[];
  /** The hash-index values it writes, by 16-byte prefix (latin1), which later plans must extend. */
  readonly index: ReadonlyMap<string, Uint8Array>;
}

/** A planned append: its LevelDB batch is built and waits for the earlier writes. */
interface Prepared {
  readonly epoch: number;
  readonly batch: Batch | undefined;
  readonly results: AppendedEntry[];
  readonly next: TreeState;
  readonly flight: InFlight;
}

/** Puts added to a batch between two turns of the event loop while planning (see `prepare`). */
const YIELD_EVERY = 256;
const giveWay = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * The pipelined writer of the LevelDB log (spec/log-storage.md sections 1 and 3). Every append is one atomic,
 * synced LevelDB batch; hashing starts at call time, planning (duplicates, tree, the batch) runs in call order
 * on the *tip* ahead of the write queue, so one append's CPU work overlaps the synced write of the one before.
 */
export class LevelDbAppender implements LogAppender {
  /** Append planning, one at a time in call order; runs ahead of the write queue. */
  private prepQueue: Promise<unknown> = Promise.resolve();
  /** The tree after every planned append: what the next plan builds on. `committed` when nothing is in flight. */
  private tip: TreeState;
  /** Planned appends not yet on disk, oldest first. */
  private flights: InFlight[] = [];
  /** Bumped when a write fails: appends planned on top of it are stale and rejected. */
  private epoch = 0;

  constructor(
    private readonly ctx: LevelDbContext,
    private readonly hasher: BatchHasher,
  ) {
    this.tip = ctx.committed;
  }

  /**
   * Append entries and the caller's meta puts in one atomic, synced batch (LogAppender).
   * @throws AtlogError `ERR_INVALID_ARGUMENT`, `ERR_LOG_CLOSED`, `ERR_LOG_FULL`, `ERR_LOG_IO` (nothing appended).
   */
  async append(entries: readonly Uint8Array[], meta: readonly MetaPut[] = []): Promise<AppendResult> {
    this.ctx.live();
    checkEntries(entries);
    const ops = metaOps(meta);
    // Hashing needs no log state, so it starts before queueing (on the worker for large batches) and overlaps
    // earlier appends.
    const hashed = this.hasher.hash(entries);
    // Planning (duplicates, tree, the LevelDB batch) runs ahead, on top of the appends still being written; the
    // write waits for theirs. So the CPU work of this append overlaps the synced write of the previous one.
    const prepared = this.prepQueue.then(async () => this.prepare(entries, await hashed, ops));
    this.prepQueue = prepared.catch(() => undefined);
    // The write joins the queue once planned, so a meta or checkpoint write called meanwhile is not held up by
    // this append's hashing and planning. Appends keep their call order: they are planned one after another
    // and each joins the queue as its plan resolves.
    return prepared.then((p) => this.ctx.serial(async () => this.commit(p), false));
  }

  /** Resolves once every append called so far is planned (and so has joined the write queue). */
  planned(): Promise<unknown> {
    return this.prepQueue;
  }

  /** Plan an append on the tip and build its LevelDB batch; the tip moves on, `committed` does not. */
  private async prepare(entries: readonly Uint8Array[], hashed: BatchHashes, metaOps: Op[]): Promise<Prepared> {
    const epoch = this.epoch;
    const hashes = hashed.entry;
    const { filter } = this.ctx;
    const { resolutions, indexValues, slots } = await resolveDuplicates(hashes, {
      mightExist: (h) => filter.mightContain(h),
      getMany: (keys) => this.readIndex(keys),
      entryHashes: (indexes) => this.readEntryHashes(indexes),
    });
    const base = this.tip;
    // The plan works on copies of the right edge; they replace the committed ones only once the batch is on disk.
    const { ops, results, next } = planAppend(base, entries, hashes, hashed.leaf, resolutions, indexValues, slots, filter);
    ops.push(...metaOps);
    const index = new Map<string, Uint8Array>();
    for (const [k, slot] of indexValues) if (slot.dirty) index.set(k, slot.value!);
    const flight: InFlight = { first: base.size, hashes: results.filter((r) => !r.duplicate).map((r) => r.entryHash), index };
    let batch: Batch | undefined;
    if (ops.length > 0) {
      // A chained batch: measured ~10x less CPU per put than db.batch(array), which copies options into every op.
      batch = this.ctx.db.batch();
      // With an earlier append still being written, give way now and then, so that its completion starts the
      // next write promptly. With none, giving way would only stretch this append over several turns of a
      // busy event loop (the service's batches measured 13.7 ms to plan instead of ~3).
      const yielding = this.flights.length > 0;
      for (let i = 0; i < ops.length; i++) {
        if (yielding && i % YIELD_EVERY === 0) await giveWay();
        batch.put(ops[i]!.key, ops[i]!.value);
      }
    }
    if (epoch !== this.epoch) return { epoch, batch, results, next, flight };
    this.tip = next;
    this.flights.push(flight);
    return { epoch, batch, results, next, flight };
  }

  /** Write a planned append (synced) and adopt its tree. Runs in the write queue, after every earlier write. */
  private async commit(p: Prepared): Promise<AppendResult> {
    if (p.epoch !== this.epoch) {
      if (p.batch !== undefined) await p.batch.close();
      throw new AtlogError('ERR_LOG_IO', 'an earlier log write failed and this append was planned on it; nothing was written');
    }
    if (p.batch !== undefined) {
      try {
        await p.batch.write({ sync: true });
      } catch (e) {
        // Nothing of this batch is on disk; the appends planned after it built on it and are rejected too.
        this.epoch++;
        this.tip = this.ctx.committed;
        this.flights = [];
        throw new AtlogError('ERR_LOG_IO', 'log write failed; nothing was written', { cause: e });
      }
    }
    this.ctx.committed = p.next;
    this.flights = this.flights.filter((f) => f !== p.flight);
    return { entries: p.results, size: p.next.size, root: copy(p.next.root) };
  }

  /** Hash-index values for planning: an in-flight append's value if one wrote the key, else LevelDB's. */
  private readIndex(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(keys.length);
    const missing: number[] = [];
    keys.forEach((k, i) => {
      const name = latin1(k.subarray(1));
      for (let f = this.flights.length - 1; f >= 0 && out[i] === undefined; f--) out[i] = this.flights[f]!.index.get(name);
      if (out[i] === undefined) missing.push(i);
    });
    if (missing.length === 0) return Promise.resolve(out);
    return this.ctx.db.getMany(missing.map((i) => keys[i]!)).then((vs) => {
      missing.forEach((i, j) => (out[i] = vs[j]));
      return out;
    });
  }

  /** Entry hashes for planning: of in-flight appends from memory, of committed entries from the tiles. */
  private async readEntryHashes(indexes: readonly number[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array<Uint8Array>(indexes.length);
    const stored: number[] = [];
    indexes.forEach((i, k) => {
      const f = this.flights.find((x) => i >= x.first && i < x.first + x.hashes.length);
      if (f !== undefined) out[k] = f.hashes[i - f.first]!;
      else stored.push(k);
    });
    if (stored.length > 0) {
      const hs = await this.ctx.tiles.entryHashes(stored.map((k) => indexes[k]!));
      stored.forEach((k, j) => (out[k] = hs[j]!));
    }
    return out;
  }
}
