import { checkMetaKey, checkMetaPuts } from '../checks.js';
import type { MetaPut, MetaStore } from '../types.js';
import { decodeMetaKey, metaKey, metaRangeBounds, plain } from './codec.js';
import type { LevelDbContext } from './context.js';
import type { Op } from './plan.js';

/**
 * The LevelDB puts of meta puts ('m' || UTF-8 key, spec/log-storage.md section 2), for a batch of any role.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for a bad put.
 */
export function metaOps(meta: readonly MetaPut[]): Op[] {
  checkMetaPuts(meta);
  return meta.map((m) => ({ key: metaKey(m.key), value: m.value }));
}

/** The meta role of the LevelDB log: the service's string-keyed records, in the same database as the log. */
export class LevelDbMeta implements MetaStore {
  constructor(private readonly ctx: LevelDbContext) {}

  /** @throws AtlogError `ERR_INVALID_ARGUMENT` for an empty key, `ERR_LOG_CLOSED`. */
  async get(key: string): Promise<Uint8Array | undefined> {
    this.ctx.live();
    checkMetaKey(key);
    return plain(await this.ctx.db.get(metaKey(key)));
  }

  async range(prefix: string, opts: { limit?: number; after?: string } = {}): Promise<MetaPut[]> {
    this.ctx.live();
    const { gte, lt } = metaRangeBounds(prefix);
    const after = opts.after === undefined ? undefined : metaKey(opts.after);
    // Start after `after` when it sorts at or beyond the prefix's first key; before it, the prefix bounds decide.
    const lower = after !== undefined && Buffer.compare(after, gte) >= 0 ? { gt: after } : { gte };
    const rows = await this.ctx.db.iterator({ ...lower, lt, limit: opts.limit ?? -1 }).all();
    return rows.map(([k, v]) => ({ key: decodeMetaKey(k), value: plain(v) }));
  }

  async forEachKey(prefix: string, fn: (key: string) => void): Promise<void> {
    this.ctx.live();
    const it = this.ctx.db.keys(metaRangeBounds(prefix));
    try {
      for (;;) {
        const keys = await it.nextv(1000);
        if (keys.length === 0) break;
        for (const k of keys) fn(decodeMetaKey(k));
      }
    } finally {
      await it.close();
    }
  }

  /** One atomic, synced batch, queued with the other writes. @throws AtlogError `ERR_INVALID_ARGUMENT`, `ERR_LOG_IO`. */
  async put(puts: readonly MetaPut[]): Promise<void> {
    const ops = metaOps(puts);
    return this.ctx.serial(() => (ops.length === 0 ? Promise.resolve() : this.ctx.write(ops)));
  }
}
