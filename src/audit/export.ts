import { AtlogError, isAtlogError } from '../errors.js';
import type { PageCheckpoint, PageEntry, TransparencyClient } from '../client/index.js';
import { decodeSignedTreeHead } from '../receipts/index.js';
import { fromBase64 } from '../util/bytes.js';
import { encodeCheckpointItem, encodeEndItem, encodeEntryItem, encodeHeader, type Selection } from './evidence.js';
import { mergeByIndex } from './merge.js';

/**
 * The exporter (`atlog export`, spec/bundle.md section 4): reads a service through the client's paged reads and
 * yields an evidence file as a stream of byte chunks (one per item), holding at most a page of entries per
 * source and a page of checkpoints. Pure over fetch, like the client: the CLI writes the chunks to a file.
 */

export type ExportClient = Pick<TransparencyClient, 'url' | 'checkpoint' | 'keys' | 'tsaRoot' | 'entries' | 'checkpoints' | 'agentSessions' | 'sessionEntryPage'>;

/** What to export. Ranges are of log indexes, `to` exclusive; every form stops at the final checkpoint. */
export type ExportSelection =
  | { all: true }
  | { from: number; to?: number }
  | { since: Date }
  | { agents: readonly string[]; session?: string };

export interface ExportOptions {
  client: ExportClient;
  select: ExportSelection;
  /** Entries and checkpoints per request (1..1000, default 1000). */
  pageSize?: number;
  /** Clock for `exportedAt` (tests). */
  now?: () => Date;
  /** Called after each entry written, with the count so far. */
  onEntry?: (count: number) => void;
}

/** Entries buffered in all when sessions are merged (a page per session), and the smallest page asked for. */
const MERGE_BUDGET = 4000;
const MIN_MERGE_PAGE = 8;

function invalid(detail: string): AtlogError {
  return new AtlogError('ERR_INVALID_ARGUMENT', detail);
}

/** DER certificates of a PEM text (one or more CERTIFICATE blocks). */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) out.push(fromBase64(m[1]!.replace(/\s+/g, ''), 'PEM certificate'));
  return out;
}

async function tsaRoots(client: ExportClient): Promise<Uint8Array[]> {
  try {
    return pemCertificates(await client.tsaRoot());
  } catch (e) {
    if (isAtlogError(e, 'ERR_CLIENT_NOT_FOUND')) return []; // a service without an embedded TSA
    throw e;
  }
}

/**
 * The first log index whose checkpoint (the first signed for a size above it) was signed at or after `since`,
 * by the tree heads' CWT iat (the service's clock); `size` when none was. Binary search: about log2(size)
 * one-checkpoint pages.
 */
async function firstIndexSince(client: ExportClient, since: Date, size: number): Promise<number> {
  const t = since.getTime() / 1000;
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [cp] = await client.checkpoints({ from: mid + 1, limit: 1 });
    const iat = cp ? decodeSignedTreeHead(cp.signedTreeHeads[0]!).iat : undefined;
    if (iat === undefined) throw new AtlogError('ERR_CLIENT_UNEXPECTED', `the checkpoint above index ${mid} has no tree head with an iat`);
    if (iat >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

async function resolveSelection(o: ExportOptions, size: number): Promise<Selection> {
  const s = o.select;
  if ('all' in s) return { kind: 'all', from: 0, to: size };
  if ('since' in s) {
    if (!(s.since instanceof Date) || Number.isNaN(s.since.getTime())) throw invalid('since must be a valid time');
    return { kind: 'since', since: s.since.toISOString(), from: await firstIndexSince(o.client, s.since, size), to: size };
  }
  if ('agents' in s) {
    if (s.agents.length === 0 || s.agents.some((a) => typeof a !== 'string' || a === '')) throw invalid('agents must be non-empty ids');
    if (s.session !== undefined && s.agents.length !== 1) throw invalid('a session belongs to one agent: name exactly one with it');
    return s.session === undefined ? { kind: 'agents', agents: [...s.agents], to: size } : { kind: 'agents', agents: [...s.agents], session: s.session, to: size };
  }
  const to = Math.min(s.to ?? size, size);
  if (!Number.isSafeInteger(s.from) || s.from < 0 || !Number.isSafeInteger(to) || s.from > to) {
    throw invalid(`need 0 <= from <= to <= ${size} (the final checkpoint's size), got ${String(s.from)}..${String(s.to)}`);
  }
  return { kind: 'range', from: s.from, to };
}

/** Entries [from, to) page by page. */
async function* rangeEntries(client: ExportClient, from: number, to: number, limit: number): AsyncGenerator<PageEntry> {
  for (let next = from; next < to; ) {
    const page = await client.entries(next, { limit: Math.min(limit, to - next) });
    if (page.length === 0 || page[0]!.index !== next) throw new AtlogError('ERR_CLIENT_UNEXPECTED', `the service did not serve entry ${next} below its checkpoint of size ${to}`);
    for (const e of page) {
      if (e.index >= to) return;
      yield e;
      next = e.index + 1;
    }
  }
}

/** One session's entries below `to`, page by page (`page` entries a request: many sessions may be merged). */
async function* sessionEntries(client: ExportClient, agent: string, session: string, to: number, page: number): AsyncGenerator<PageEntry> {
  let next = 0;
  for (;;) {
    const entries = await client.sessionEntryPage(agent, session, next, { limit: page });
    for (const e of entries) {
      if (e.index >= to) return;
      yield e;
      next = e.index + 1;
    }
    if (entries.length < page) return;
  }
}

/**
 * The selected sessions' entries merged into log order. Every session is read at once (their records
 * interleave in the log), each holding one page, so the page per session shrinks as sessions grow in number:
 * about MERGE_BUDGET entries are buffered in all (at least MIN_MERGE_PAGE a session), however many run side by side.
 */
async function* agentEntries(client: ExportClient, sel: Extract<Selection, { kind: 'agents' }>, limit: number): AsyncGenerator<PageEntry> {
  const sessions: Array<[string, string]> = [];
  for (const agent of sel.agents) {
    if (sel.session !== undefined) {
      sessions.push([agent, sel.session]);
      continue;
    }
    for (let after: string | undefined; ; ) {
      const page = await client.agentSessions(agent, after === undefined ? {} : { after });
      for (const s of page) sessions.push([agent, s.sessionId]);
      if (page.length === 0) break;
      after = page[page.length - 1]!.sessionId;
    }
  }
  const page = Math.max(MIN_MERGE_PAGE, Math.min(limit, Math.floor(MERGE_BUDGET / Math.max(1, sessions.length))));
  yield* mergeByIndex(sessions.map(([agent, session]) => sessionEntries(client, agent, session, sel.to, page)));
}

/** The checkpoints the entries' receipts point at, fetched a page ahead, each with its proof to the final size. */
class CheckpointFeed {
  private queue: PageCheckpoint[] = [];
  constructor(
    private readonly client: ExportClient,
    private readonly to: number,
    private readonly limit: number,
  ) {}

  /** @throws AtlogError ERR_CLIENT_UNEXPECTED when the service has no checkpoint of that size. */
  async get(size: number): Promise<PageCheckpoint> {
    while (this.queue.length > 0 && this.queue[0]!.treeSize < size) this.queue.shift();
    if (this.queue.length === 0 || this.queue[0]!.treeSize !== size) this.queue = await this.client.checkpoints({ from: size, limit: this.limit, to: this.to });
    const cp = this.queue[0];
    if (cp === undefined || cp.treeSize !== size || cp.consistency === undefined) {
      throw new AtlogError('ERR_CLIENT_UNEXPECTED', `the service has no checkpoint of size ${size} (with a proof to ${this.to}), yet a receipt points at it`);
    }
    return cp;
  }
}

/**
 * Export an evidence file: yields its items' bytes in order (header, then checkpoint and entry items in log
 * order, then the end item).
 * @throws AtlogError ERR_INVALID_ARGUMENT (a bad selection), ERR_CLIENT_* (the service), ERR_CLIENT_UNEXPECTED
 *   (answers that do not fit together, e.g. a receipt pointing at a checkpoint the service does not list).
 */
export async function* exportEvidence(o: ExportOptions): AsyncGenerator<Uint8Array> {
  const limit = o.pageSize ?? 1000;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw invalid('pageSize must be 1..1000');
  const final = await o.client.checkpoint();
  const selection = await resolveSelection(o, final.treeSize);
  const keys = await o.client.keys();
  yield encodeHeader({
    exportedAt: (o.now?.() ?? new Date()).toISOString(),
    service: o.client.url.href,
    selection,
    checkpoint: { treeSize: final.treeSize, root: final.root, signedTreeHeads: final.signedTreeHeads },
    keys: keys.bytes,
    tsaRoots: await tsaRoots(o.client),
  });
  const entries = selection.kind === 'agents' ? agentEntries(o.client, selection, limit) : rangeEntries(o.client, selection.from, selection.to, limit);
  // Checkpoints come a page at a time for contiguous ranges; an agent's entries are sparse, so fewer.
  const feed = new CheckpointFeed(o.client, final.treeSize, selection.kind === 'agents' ? 16 : limit);
  let count = 0;
  let checkpoints = 0;
  let current = -1;
  for await (const e of entries) {
    if (e.treeSize !== current) {
      const cp = await feed.get(e.treeSize);
      yield encodeCheckpointItem({ treeSize: cp.treeSize, root: cp.root, signedTreeHeads: cp.signedTreeHeads, consistency: cp.consistency! });
      checkpoints++;
      current = e.treeSize;
    }
    yield encodeEntryItem(e.index, e.statement);
    o.onEntry?.(++count);
  }
  yield encodeEndItem(count, checkpoints);
}
