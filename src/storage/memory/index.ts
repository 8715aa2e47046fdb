import type { LogStorage } from '../types.js';
import { MemoryAppender, MemoryReader } from './log.js';
import { MemoryCheckpoints, MemoryMeta } from './records.js';
import { MemorySession, MemoryVolume } from './volume.js';

export { MemoryVolume } from './volume.js';

/**
 * A storage driver in memory: the whole interface (types.ts), passing the same contract tests as LevelDB, with
 * nothing durable. For tests, and as the smallest example of a driver (docs/architecture.md "Adding a storage
 * backend").
 */
export class MemoryStorage implements LogStorage {
  readonly appender: MemoryAppender;
  readonly reader: MemoryReader;
  readonly meta: MemoryMeta;
  readonly checkpoints: MemoryCheckpoints;

  private constructor(private readonly session: MemorySession) {
    this.appender = new MemoryAppender(session);
    this.reader = new MemoryReader(session);
    this.meta = new MemoryMeta(session);
    this.checkpoints = new MemoryCheckpoints(session);
  }

  /**
   * Opens `volume` (default: a new, empty one). Open it again after `close()` to simulate a restart.
   * @throws AtlogError `ERR_LOG_LOCKED` while another storage holds the volume.
   */
  static async open(volume: MemoryVolume = new MemoryVolume()): Promise<MemoryStorage> {
    volume.acquire();
    return new MemoryStorage(new MemorySession(volume));
  }

  /** Idempotent; later calls reject with `ERR_LOG_CLOSED`. */
  async close(): Promise<void> {
    this.session.close();
  }
}
