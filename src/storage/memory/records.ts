import { assertSize } from '../../merkle/validate.js';
import { assertBytes } from '../../util/bytes.js';
import { checkMetaKey, checkMetaPuts, checkSize } from '../checks.js';
import { copy } from '../hashing.js';
import type { CheckpointStore, MetaPut, MetaStore, StoredCheckpoint } from '../types.js';
import type { MemorySession } from './volume.js';

/** Meta keys sort by their UTF-8 bytes, as in LevelDB (JS string order is UTF-16 order, which differs). */
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The meta role over a Map; ranges sort on every call (fine for tests, not for large stores). */
export class MemoryMeta implements MetaStore {
  constructor(private readonly s: MemorySession) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.s.live();
    checkMetaKey(key);
    const value = v.meta.get(key);
    return value === undefined ? undefined : copy(value);
  }

  private keys(prefix: string): string[] {
    return [...this.s.live().meta.keys()].filter((k) => k.startsWith(prefix)).sort(utf8Order);
  }

  async range(prefix: string, opts: { limit?: number; after?: string } = {}): Promise<MetaPut[]> {
    const after = opts.after;
    const keys = after === undefined ? this.keys(prefix) : this.keys(prefix).filter((k) => utf8Order(k, after) > 0);
    const limit = opts.limit ?? -1;
    return (limit < 0 ? keys : keys.slice(0, limit)).map((key) => ({ key, value: copy(this.s.v.meta.get(key)!) }));
  }

  async forEachKey(prefix: string, fn: (key: string) => void): Promise<void> {
    for (const k of this.keys(prefix)) fn(k);
  }

  async put(puts: readonly MetaPut[]): Promise<void> {
    const v = this.s.live();
    checkMetaPuts(puts);
    for (const m of puts) v.meta.set(m.key, copy(m.value));
  }
}

/** The checkpoint role over a Map: the first value stored for a size stays. */
export class MemoryCheckpoints implements CheckpointStore {
  constructor(private readonly s: MemorySession) {}

  async put(size: number, bytes: Uint8Array, meta: readonly MetaPut[] = []): Promise<Uint8Array> {
    checkSize(size, this.s.v.size, 'size');
    assertBytes(bytes, undefined, 'checkpoint');
    checkMetaPuts(meta);
    const v = this.s.live();
    const old = v.checkpoints.get(size);
    if (old !== undefined) return copy(old);
    v.checkpoints.set(size, copy(bytes));
    for (const m of meta) v.meta.set(m.key, copy(m.value));
    return copy(bytes);
  }

  async get(size: number): Promise<Uint8Array | undefined> {
    const v = this.s.live();
    assertSize(size, 'size');
    const b = v.checkpoints.get(size);
    return b === undefined ? undefined : copy(b);
  }

  async from(size: number): Promise<StoredCheckpoint | undefined> {
    const v = this.s.live();
    assertSize(size, 'size');
    let best: number | undefined;
    for (const s of v.checkpoints.keys()) if (s >= size && (best === undefined || s < best)) best = s;
    return best === undefined ? undefined : { size: best, bytes: copy(v.checkpoints.get(best)!) };
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    const v = this.s.live();
    if (v.checkpoints.size === 0) return undefined;
    const size = Math.max(...v.checkpoints.keys());
    return { size, bytes: copy(v.checkpoints.get(size)!) };
  }
}
