import { AtlogError } from '../../errors.js';
import { HashPool, inlineHasher, type BatchHasher } from '../hash-pool.js';
import type { LogStorage } from '../types.js';
import { LevelDbAppender } from './appender.js';
import { LevelDbCheckpoints } from './checkpoints.js';
import { LevelDbContext } from './context.js';
import { LevelDbMeta } from './meta.js';
import { type LevelDbOptions, openDb, recover, resolveLevelDbOptions } from './open.js';
import { LevelDbReader } from './reader.js';
import { TileReader } from './tile-reader.js';

export { type LevelDbOptions, resolveLevelDbOptions } from './open.js';

/**
 * The embedded default storage driver: the append-only RFC 9162 Merkle log, its checkpoints and the service's
 * meta in one LevelDB database (classic-level), one process per directory (spec/log-storage.md). Every write is
 * one atomic, synced LevelDB batch; writes are serialized in call order; reads never block on writes.
 */
export class LevelDbStorage implements LogStorage {
  private closed = false;

  private constructor(
    private readonly ctx: LevelDbContext,
    private readonly hasher: BatchHasher,
    readonly appender: LevelDbAppender,
    readonly reader: LevelDbReader,
    readonly meta: LevelDbMeta,
    readonly checkpoints: LevelDbCheckpoints,
  ) {}

  /**
   * Open (or create) the log in `dir`, rebuild the in-memory right edge and check it against the stored root
   * (spec/log-storage.md section 5).
   * @throws AtlogError `ERR_LOG_LOCKED` (directory held by another process), `ERR_LOG_IO`, `ERR_LOG_FORMAT`,
   *   `ERR_LOG_CORRUPT`.
   */
  static async open(dir: string, opts?: LevelDbOptions): Promise<LevelDbStorage> {
    const o = resolveLevelDbOptions(opts);
    const db = await openDb(dir, o);
    try {
      const tiles = new TileReader(db);
      const r = await recover(db, tiles);
      const ctx = new LevelDbContext(db, tiles, r, r.filter);
      const hasher = o.hashWorker ? new HashPool() : inlineHasher;
      return new LevelDbStorage(ctx, hasher, new LevelDbAppender(ctx, hasher), new LevelDbReader(ctx), new LevelDbMeta(ctx), new LevelDbCheckpoints(ctx));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /**
   * Ask LevelDB to compact the whole database now (after a bulk import, or before measuring): it merges the
   * levels that background compaction would otherwise work through while requests are served.
   * @throws AtlogError `ERR_LOG_CLOSED`, `ERR_LOG_IO`.
   */
  async compact(): Promise<void> {
    this.ctx.live();
    try {
      await this.ctx.db.compactRange(Uint8Array.of(0x00), Uint8Array.of(0xff));
    } catch (e) {
      throw new AtlogError('ERR_LOG_IO', 'compaction failed', { cause: e });
    }
  }

  /** Wait for queued writes, then close LevelDB. Later calls throw `ERR_LOG_CLOSED`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctx.stop();
    // Appends still being planned join the write queue when their plan resolves: wait for them first.
    await this.appender.planned();
    await this.ctx.drained();
    await this.hasher.close();
    await this.ctx.db.close();
  }
}
