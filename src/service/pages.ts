import { AtlogError } from '../errors.js';
import type { LinkState } from '../aat/index.js';
import type { StoredCheckpoint } from '../storage/types.js';
import { toTransparentStatement } from '../statements/index.js';
import { checkpointInfo, inclusionReceipts, StoreReader } from './queries.js';
import { metaKeys, pad16, text } from './state.js';
import type { CheckpointInfo } from './types.js';

/**
 * Paged reads of the log for exporters and monitors (spec/api.md section 4, "Pages"): entries by index, an
 * agent's sessions, one session's entries, and the signed checkpoints with consistency proofs. Each page is
 * bounded (MAX_PAGE) and produced item by item, so the HTTP layer streams it and no request holds the log.
 * Only entries covered by a signed checkpoint are served; each comes as a Transparent Statement with the
 * receipts of the checkpoint it was registered in (as GET /entries/{id}/statement), with that checkpoint's size.
 */

/** Largest page (items) any paged read serves. */
export const MAX_PAGE = 1000;
/** Page size when the caller names none. */
export const DEFAULT_PAGE = 100;

/** One entry of a page: its log index, the checkpoint size its receipts are against, the Transparent Statement. */
export interface PagedEntry {
  index: number;
  treeSize: number;
  statement: Uint8Array;
}

/**
 * One signed checkpoint of a page (tree heads P-256 first, root attached, RFC 3161 tokens under 270), and when
 * asked, the RFC 9162 consistency proof from it to tree size `to`.
 */
export interface PagedCheckpoint extends CheckpointInfo {
  consistency?: Uint8Array[];
}

/** One session of an agent, from its stored chain tip. */
export interface SessionSummary {
  sessionId: string;
  /** Records registered (null for a tip written before counts were kept). */
  records: number | null;
  /** True once the session's session_end was registered. */
  ended: boolean;
  lastRecordId: string;
  lastTimestamp: string;
}

function pageSize(limit: number | undefined): number {
  const n = limit ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE) throw new AtlogError('ERR_INVALID_RANGE', `limit must be 1..${MAX_PAGE}, got ${String(limit)}`);
  return n;
}

function start(from: number): number {
  if (!Number.isSafeInteger(from) || from < 0) throw new AtlogError('ERR_INVALID_RANGE', `from must be a log index, got ${String(from)}`);
  return from;
}

export class LogPages extends StoreReader {

  /** Size of the newest signed checkpoint (0 for none): entries at or above it are not served yet. */
  private async top(): Promise<number> {
    return (await this.checkpoints.latest())?.size ?? 0;
  }

  /**
   * Entries [from, from + limit) below the newest checkpoint, in log order.
   * @throws AtlogError ERR_INVALID_RANGE for a bad from or limit (before the first item).
   */
  async *entries(from: number, limit?: number): AsyncGenerator<PagedEntry> {
    const lo = start(from);
    const hi = Math.min(lo + pageSize(limit), await this.top());
    const indexes: number[] = [];
    for (let i = lo; i < hi; i++) indexes.push(i);
    yield* this.statements(indexes);
  }

  /**
   * The entries of one agent session with index >= from, at most `limit`, in log order (session index keys are
   * zero-padded indexes, so a range read after `from - 1` starts at `from`).
   * @throws AtlogError ERR_INVALID_RANGE for a bad from or limit.
   */
  async *sessionEntries(agentId: string, sessionId: string, from: number, limit?: number): AsyncGenerator<PagedEntry> {
    const lo = start(from);
    const n = pageSize(limit);
    const top = await this.top();
    const prefix = metaKeys.sessionIndexPrefix(agentId, sessionId);
    const rows = await this.meta.range(prefix, { limit: n, ...(lo > 0 ? { after: prefix + pad16(lo - 1) } : {}) });
    const indexes = rows.map((r) => Number(r.key.slice(prefix.length))).filter((i) => i < top);
    yield* this.statements(indexes);
  }

  /** Transparent Statements of ascending `indexes`, grouped by the checkpoint each was registered in. */
  private async *statements(indexes: readonly number[]): AsyncGenerator<PagedEntry> {
    let k = 0;
    while (k < indexes.length) {
      // The checkpoint of an entry's batch: the first stored for a size above its index (state.ts).
      const cp = await this.checkpoints.from(indexes[k]! + 1);
      if (cp === undefined) return;
      let end = k;
      while (end < indexes.length && indexes[end]! < cp.size) end++;
      const group = indexes.slice(k, end);
      const heads = await this.withTokens(cp);
      const proofs = await this.log.inclusionProofs(group, cp.size);
      for (const [j, index] of group.entries()) {
        yield { index, treeSize: cp.size, statement: toTransparentStatement(await this.log.entry(index), inclusionReceipts(heads, index, proofs[j]!)) };
      }
      k = end;
    }
  }

  /**
   * Signed checkpoints of size >= from, ascending, at most `limit`; with `to`, only those of size <= to, each
   * with the consistency proof from its size to `to`.
   * @throws AtlogError ERR_INVALID_RANGE for a bad from, limit or to (to must be 1..log size).
   */
  async *checkpointPage(from: number, limit?: number, to?: number): AsyncGenerator<PagedCheckpoint> {
    let size = Math.max(1, start(from));
    const n = pageSize(limit);
    if (to !== undefined && (!Number.isSafeInteger(to) || to < 1 || to > this.log.size)) {
      throw new AtlogError('ERR_INVALID_RANGE', `to must be a tree size 1..${this.log.size}, got ${String(to)}`);
    }
    for (let count = 0; count < n; count++) {
      const cp = await this.checkpoints.from(size);
      if (cp === undefined || (to !== undefined && cp.size > to)) return;
      yield await this.checkpointOf(cp, to);
      size = cp.size + 1;
    }
  }


  private async checkpointOf(cp: StoredCheckpoint, to: number | undefined): Promise<PagedCheckpoint> {
    const out: PagedCheckpoint = checkpointInfo(cp.size, await this.withTokens(cp), this.anchorer);
    if (to !== undefined) out.consistency = await this.log.consistencyProof(cp.size, to);
    return out;
  }

  /**
   * An agent's sessions in session-id order (UTF-8 bytes of the encoded id), at most `limit`, after `after`.
   * @throws AtlogError ERR_INVALID_RANGE for a bad limit; ERR_SERVICE_STATE_CORRUPT for an unreadable tip.
   */
  async agentSessions(agentId: string, opts: { after?: string; limit?: number } = {}): Promise<SessionSummary[]> {
    const n = pageSize(opts.limit ?? MAX_PAGE);
    if (typeof agentId !== 'string' || agentId === '') return [];
    const prefix = metaKeys.tip(agentId, '');
    const rows = await this.meta.range(prefix, { limit: n, ...(opts.after ? { after: metaKeys.tip(agentId, opts.after) } : {}) });
    return rows.map((r) => {
      let tip: LinkState;
      try {
        tip = JSON.parse(text(r.value)!) as LinkState;
      } catch (e) {
        throw new AtlogError('ERR_SERVICE_STATE_CORRUPT', `stored session tip ${r.key} is unreadable`, { cause: e });
      }
      return {
        sessionId: decodeURIComponent(r.key.slice(prefix.length)),
        records: typeof tip.count === 'number' ? tip.count : null,
        ended: tip.ended === true,
        lastRecordId: tip.recordId,
        lastTimestamp: tip.timestamp,
      };
    });
  }
}
