import { AtlogError } from '../errors.js';
import type { CheckpointStore, LogReader, MetaStore, StoredCheckpoint } from '../storage/types.js';
import { encodeSignedTreeHead, issueConsistencyReceipt, issueInclusionReceipt, type SignedTreeHead } from '../receipts/index.js';
import { toTransparentStatement } from '../statements/index.js';
import { BUNDLE_VERSION, encodeBundle } from '../verify/bundle-format.js';
import { fromHex, toHex } from '../util/bytes.js';
import type { AnchorStore, Anchorer, CheckpointTokens } from './anchoring.js';
import { decodeCheckpoint, metaKeys, text, tokenList } from './state.js';
import type { CheckpointInfo, RegisteredEntry } from './types.js';

/** A checkpoint's tree heads (P-256 first) and their tokens. */
export interface Heads {
  heads: SignedTreeHead[];
  tokens: CheckpointTokens;
}

/** Inclusion receipts of entry `index`, one per tree head of `cp`, with its tokens. */
export function inclusionReceipts(cp: Heads, index: number, proof: Uint8Array[]): Uint8Array[] {
  return cp.heads.map((h, k) => issueInclusionReceipt(h, index, proof, { timestamps: tokenList(cp.tokens, k) }));
}

/** A stored checkpoint as served (GET /checkpoint, GET /checkpoints): tree heads with root attached and tokens. */
export function checkpointInfo(size: number, cp: Heads, anchorer: Pick<Anchorer, 'isComplete'>): CheckpointInfo {
  return {
    treeSize: size,
    root: cp.heads[0]!.root,
    signedTreeHeads: cp.heads.map((h, k) => encodeSignedTreeHead(h, { attachRoot: true, timestamps: tokenList(cp.tokens, k) })),
    anchored: anchorer.isComplete(cp.heads.map((_, k) => cp.tokens[k] ?? new Map())),
  };
}

/** What the read views (Queries, LogPages in pages.ts) share: the stores, and a checkpoint's heads with their tokens. */
export abstract class StoreReader {
  protected readonly log: LogReader;
  protected readonly checkpoints: CheckpointStore;
  protected readonly meta: MetaStore;

  constructor(
    storage: { reader: LogReader; checkpoints: CheckpointStore; meta: MetaStore },
    protected readonly anchors: Pick<AnchorStore, 'tokens'>,
    protected readonly anchorer: Pick<Anchorer, 'isComplete'>,
  ) {
    this.log = storage.reader;
    this.checkpoints = storage.checkpoints;
    this.meta = storage.meta;
  }

  /** A stored checkpoint's tree heads with the RFC 3161 tokens stored for it. */
  protected async withTokens(cp: StoredCheckpoint): Promise<Heads> {
    return { heads: decodeCheckpoint(cp.bytes), tokens: await this.anchors.tokens(cp.size) };
  }
}

/**
 * Read-side queries over the log: receipts, Transparent Statements, checkpoints, consistency and sessions.
 *
 * Decision (which checkpoint a receipt comes from): the one the entry was registered in, i.e. the smallest
 * checkpoint that covers it. So `receipts(entryId)` always returns the same receipts that `submit` resolved
 * with (plus any RFC 3161 tokens that arrived later), and a client that wants a proof against a newer tree
 * asks for a consistency receipt from that size.
 */
export class Queries extends StoreReader {

  private async heads(size: number): Promise<Heads | undefined> {
    const bytes = await this.checkpoints.get(size);
    return bytes === undefined ? undefined : this.withTokens({ size, bytes });
  }

  /** Index of an entry id (64 lowercase hex), or undefined for an unknown or malformed id. */
  async entryIndex(entryId: string): Promise<number | undefined> {
    if (typeof entryId !== 'string' || !/^[0-9a-f]{64}$/.test(entryId)) return undefined;
    return this.log.indexOfEntryHash(fromHex(entryId));
  }

  /** Entry id at `index`, or undefined beyond the log (or for a non-index). */
  async entryIdAt(index: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.log.size) return undefined;
    return toHex(await this.log.entryHash(index));
  }

  /** The registered entry with receipts from the checkpoint it was registered in (see the class comment). */
  async registered(entryId: string): Promise<RegisteredEntry | undefined> {
    const index = await this.entryIndex(entryId);
    if (index === undefined) return undefined;
    // The checkpoint of its batch: the first stored for a size above its index.
    const found = await this.checkpoints.from(index + 1);
    if (found === undefined) return undefined;
    const proof = await this.log.inclusionProof(index, found.size);
    return { entryId, index, treeSize: found.size, receipts: inclusionReceipts(await this.withTokens(found), index, proof) };
  }

  /** The entry (statement with an empty unprotected header) with its receipts under 394. */
  async transparentStatement(entryId: string): Promise<Uint8Array | undefined> {
    const r = await this.registered(entryId);
    if (!r) return undefined;
    return toTransparentStatement(await this.log.entry(r.index), r.receipts);
  }

  /** The newest checkpoint with its tree heads (root attached, tokens under 270). */
  async latestCheckpoint(): Promise<CheckpointInfo | undefined> {
    const latest = await this.checkpoints.latest();
    if (!latest) return undefined;
    return checkpointInfo(latest.size, await this.withTokens(latest), this.anchorer);
  }

  /**
   * Consistency receipts from `from` to the checkpoint of size `to`, one per tree head (P-256 first).
   * @returns undefined when no checkpoint was signed for size `to` (only batch sizes have one).
   * @throws AtlogError ERR_INVALID_RANGE unless 0 < from <= to <= log size.
   */
  async consistencyReceipts(from: number, to: number): Promise<Uint8Array[] | undefined> {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to || to > this.log.size) {
      throw new AtlogError('ERR_INVALID_RANGE', `need 0 < from <= to <= ${this.log.size}, got ${from}..${to}`, { details: { from, to, size: this.log.size } });
    }
    const cp = await this.heads(to);
    if (!cp) return undefined;
    const proof = await this.log.consistencyProof(from, to);
    return cp.heads.map((h, k) => issueConsistencyReceipt(h, from, proof, { timestamps: tokenList(cp.tokens, k) }));
  }

  /** Entry ids of a session in log order. */
  async sessionEntries(agentId: string, sessionId: string): Promise<string[]> {
    if (typeof agentId !== 'string' || typeof sessionId !== 'string' || agentId === '' || sessionId === '') return [];
    const rows = await this.meta.range(metaKeys.sessionIndexPrefix(agentId, sessionId));
    return rows.map((r) => text(r.value)!);
  }

  /**
   * The session export bundle (spec/bundle.md): the session's Transparent Statements in log order, each with
   * receipts (every service key) against the newest checkpoint, and that checkpoint's P-256 tree head with
   * its root attached. Entries newer than the newest checkpoint are left out (their batch is still being
   * signed).
   * @returns undefined when the session has no entry covered by a checkpoint.
   */
  async sessionBundle(agentId: string, sessionId: string): Promise<Uint8Array | undefined> {
    const ids = await this.sessionEntries(agentId, sessionId);
    const latest = await this.checkpoints.latest();
    if (ids.length === 0 || !latest) return undefined;
    const cp = await this.withTokens(latest);
    const statements: Uint8Array[] = [];
    for (const id of ids) {
      const index = await this.entryIndex(id);
      if (index === undefined || index >= latest.size) continue;
      const proof = await this.log.inclusionProof(index, latest.size);
      statements.push(toTransparentStatement(await this.log.entry(index), inclusionReceipts(cp, index, proof)));
    }
    if (statements.length === 0) return undefined;
    const checkpoint = encodeSignedTreeHead(cp.heads[0]!, { attachRoot: true });
    return encodeBundle({ version: BUNDLE_VERSION, agent: agentId, session: sessionId, checkpoint, statements });
  }
}
