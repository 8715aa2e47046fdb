import { AtlogError } from '../../errors.js';
import { emptyRoot } from '../../merkle/hash.js';
import { closedError } from '../checks.js';
import { Frontier } from '../frontier.js';

/**
 * The data of one in-memory log: entries, every complete subtree hash, the meta and the checkpoints. It outlives
 * a `MemoryStorage` opened over it, so a test can close the storage and open it again (a restart), but not the
 * process: nothing is durable.
 */
export class MemoryVolume {
  readonly entries: Uint8Array[] = [];
  /** SHA-256 of each entry, by index. */
  readonly entryHashes: Uint8Array[] = [];
  /** levels[L][i] = hash of the complete subtree (L, i); level 0 holds the leaf hashes. */
  readonly levels: Uint8Array[][] = [[]];
  /** Entry index by entry hash (latin1 of its 32 bytes). */
  readonly index = new Map<string, number>();
  frontier = Frontier.from(0, []);
  root: Uint8Array = emptyRoot();
  readonly meta = new Map<string, Uint8Array>();
  readonly checkpoints = new Map<number, Uint8Array>();
  /** Held by the open storage: a second open fails as a second LevelDB open of a directory does. */
  private held = false;

  get size(): number {
    return this.entries.length;
  }

  /** @throws AtlogError `ERR_LOG_LOCKED` while a storage over this volume is open. */
  acquire(): void {
    if (this.held) throw new AtlogError('ERR_LOG_LOCKED', 'the memory volume is open in another storage');
    this.held = true;
  }

  release(): void {
    this.held = false;
  }
}

/** A volume as seen by one open storage: closing it refuses every later call. */
export class MemorySession {
  private closed = false;

  constructor(readonly v: MemoryVolume) {}

  /** @throws AtlogError `ERR_LOG_CLOSED`. */
  live(): MemoryVolume {
    if (this.closed) throw closedError();
    return this.v;
  }

  /** Releases the volume; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.v.release();
  }
}
