import { assertSize } from '../../merkle/validate.js';
import { assertBytes } from '../../util/bytes.js';
import { copy } from '../hashing.js';
import type { CheckpointStore, MetaPut, StoredCheckpoint } from '../types.js';
import { PREFIX, checkpointKey, plain, readUint } from './codec.js';
import type { LevelDbContext } from './context.js';
import { metaOps } from './meta.js';

/** Upper bound of every checkpoint key ('c' + 1). */
const CHECKPOINTS_END = Uint8Array.of(PREFIX.checkpoint + 1);

/** The checkpoint role of the LevelDB log: 'c' || u64 size -> the first signed tree head stored for it. */
export class LevelDbCheckpoints implements CheckpointStore {
  constructor(private readonly ctx: LevelDbContext) {}

  /**
   * Stores the checkpoint unless one of this size exists (checked inside the write queue, so of two concurrent
   * calls the first wins); `meta` goes into the same synced batch, only when this call stores it.
   * @throws AtlogError `ERR_LOG_BAD_SIZE`, `ERR_MERKLE_BAD_SIZE`, `ERR_INVALID_ARGUMENT`, `ERR_LOG_IO`.
   */
  async put(size: number, bytes: Uint8Array, meta: readonly MetaPut[] = []): Promise<Uint8Array> {
    this.ctx.checkSize(size, 'size');
    assertBytes(bytes, undefined, 'checkpoint');
    const ops = metaOps(meta);
    return this.ctx.serial(async () => {
      const key = checkpointKey(size);
      const old = await this.ctx.db.get(key);
      if (old !== undefined) return plain(old);
      await this.ctx.write([{ key, value: bytes }, ...ops]);
      return copy(bytes);
    });
  }

  async get(size: number): Promise<Uint8Array | undefined> {
    this.ctx.live();
    assertSize(size, 'size');
    return plain(await this.ctx.db.get(checkpointKey(size)));
  }

  async from(size: number): Promise<StoredCheckpoint | undefined> {
    this.ctx.live();
    assertSize(size, 'size');
    return this.first({ gte: checkpointKey(size), lt: CHECKPOINTS_END });
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    this.ctx.live();
    return this.first({ gte: checkpointKey(0), lt: CHECKPOINTS_END, reverse: true });
  }

  /** The first checkpoint record of an iterator range, with its size. */
  private async first(range: { gte: Uint8Array; lt: Uint8Array; reverse?: boolean }): Promise<StoredCheckpoint | undefined> {
    const rows = await this.ctx.db.iterator({ ...range, limit: 1 }).all();
    const row = rows[0];
    return row === undefined ? undefined : { size: readUint(row[0], 1, 8), bytes: plain(row[1]) };
  }
}
