import { hash } from 'node:crypto';
import type { LinkState } from '../aat/index.js';
import { EntryFilter } from '../storage/bloom.js';
import type { MetaStore } from '../storage/types.js';
import { loadTip, metaKeys, text } from './state.js';

/**
 * Session chain state in front of the meta store, so the chain check of a registration usually needs no
 * storage read (two point reads per registration before: the session tip and the record_id index).
 *
 *  - A Bloom filter of the tip keys (`s/tip/...`) of every session with a registered record, and one of the
 *    record keys (`s/rec/...`). A negative answer is certain: a new session has no tip and no records, a new
 *    record_id is no replay, so the read is skipped. A positive answer still reads the meta to confirm
 *    (~1% false positives). Both are filled on open by a keys-only scan of the meta and grow on every batch.
 *  - A bounded LRU of the tips of recently active sessions (`tipCacheSize`, default 10,000).
 *
 * Memory: 10 bits per key in the filters (src/storage/bloom.ts: ~1.25 bytes), i.e. ~12.5 MB per 10 M registered
 * records plus ~1.25 MB per million sessions, and the LRU at roughly 0.5 KB per cached tip (~5 MB at the
 * default). The filters never shrink: their size follows the log, like the log's own entry filter.
 *
 * Consistency: the sequencer calls `expect` before a batch's append (keys enter the filters first, so a
 * filter never misses a key that may be on disk, even when the append fails after writing) and `committed`
 * after it (only then are tips cached).
 */

/** The filters hash keys to 32 bytes, since EntryFilter probes hash bytes. */
const digest = (key: string): Uint8Array => hash('sha256', key, 'buffer');

export const DEFAULT_TIP_CACHE = 10_000;

export class SessionCache {
  private readonly tips = new Map<string, LinkState>();

  private constructor(
    private readonly meta: MetaStore,
    private readonly tipKeys: EntryFilter,
    private readonly recordKeys: EntryFilter,
    private readonly limit: number,
  ) {}

  /**
   * Builds the filters from the meta keys already stored (one keys-only pass; ~1-2 s per million keys).
   * @throws AtlogError ERR_LOG_* from the scan.
   */
  static async open(meta: MetaStore, tipCacheSize = DEFAULT_TIP_CACHE): Promise<SessionCache> {
    const tipKeys = new EntryFilter();
    const recordKeys = new EntryFilter();
    await meta.forEachKey('s/tip/', (k) => tipKeys.add(digest(k)));
    await meta.forEachKey('s/rec/', (k) => recordKeys.add(digest(k)));
    return new SessionCache(meta, tipKeys, recordKeys, tipCacheSize);
  }

  /**
   * The session's stored tip, or undefined for a session without records.
   * @throws AtlogError ERR_SERVICE_STATE_CORRUPT for an unreadable stored tip.
   */
  async tip(agentId: string, sessionId: string): Promise<LinkState | undefined> {
    const k = metaKeys.tip(agentId, sessionId);
    const cached = this.tips.get(k);
    if (cached) {
      this.tips.delete(k); // most recently used last
      this.tips.set(k, cached);
      return cached;
    }
    if (!this.tipKeys.mightContain(digest(k))) return undefined;
    const tip = await loadTip(this.meta, agentId, sessionId);
    if (tip) this.cache(k, tip);
    return tip;
  }

  /** The entry id registered for this record key (`metaKeys.record`), or undefined. */
  async recordEntry(recordKey: string): Promise<string | undefined> {
    if (!this.recordKeys.mightContain(digest(recordKey))) return undefined;
    return text(await this.meta.get(recordKey));
  }

  /** Before an append: its tip and record keys may be on disk from now on; cached tips of them are stale. */
  expect(tipKeys: Iterable<string>, recordKeys: Iterable<string>): void {
    for (const k of tipKeys) {
      this.tipKeys.add(digest(k));
      this.tips.delete(k);
    }
    for (const k of recordKeys) this.recordKeys.add(digest(k));
  }

  /** After a successful append: the new tips are what the meta store now holds. */
  committed(tips: Iterable<[string, LinkState]>): void {
    for (const [k, tip] of tips) this.cache(k, tip);
  }

  private cache(k: string, tip: LinkState): void {
    this.tips.delete(k);
    this.tips.set(k, tip);
    if (this.tips.size > this.limit) this.tips.delete(this.tips.keys().next().value!);
  }
}
