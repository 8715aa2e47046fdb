import { isAtlogError, type AtlogErrorCode } from '../errors.js';
import type { PublicKey } from '../keys/index.js';
import { verifyConsistency } from '../merkle/index.js';
import type { DecodedTreeHead } from '../receipts/index.js';
import { verifyCttToken } from '../tsa/ctt.js';
import { toHex } from '../util/bytes.js';
import { verifyTreeHeads } from '../verify/consistency.js';
import type { CheckName, CheckTally } from './checks.js';
import type { CheckpointBody, CheckpointItem } from './evidence.js';
import { TREE_HEAD_LIST_LIMIT, type AuditCheckStatus, type AuditTreeHead, type AuditTreeHeads } from './types.js';

/**
 * The checkpoints of an evidence file: the final one (header) and each earlier one the receipts point at. Each
 * is checked once: its tree heads' signatures, its RFC 3161 tokens (when TSA roots are pinned), and its
 * consistency proof to the final tree head. Entries then only compare their receipts with the current one.
 */

/** What entries need of the checkpoint before them. */
export interface CurrentCheckpoint {
  treeSize: number;
  root: Uint8Array;
  /** The verified tokens of each tree head that verified, by its signature: a receipt carrying them needs no second check. */
  tokens: Array<{ signature: Uint8Array; tokens: Uint8Array[] }>;
  /** Earliest verified genTime (ISO) over its tree heads, or null. */
  anchoredAt: string | null;
  /** Its line in the result (entries counted as they come). */
  summary: AuditTreeHead;
}

export interface CheckpointOptions {
  keys: readonly PublicKey[];
  tsaRoots: ReadonlyArray<Uint8Array | string> | undefined;
  /** Every tree head must carry a token that verifies: one without fails instead of being skipped. */
  requireAnchored?: boolean;
}

export class CheckpointAuditor {
  private readonly list: AuditTreeHead[] = [];
  /** Checkpoint items other than one of the final size. */
  private items = 0;
  private final: CheckpointBody | undefined;
  private finalSummary: AuditTreeHead | undefined;
  /** The CWT iss of the final tree heads (the service's name), when they verified. */
  issuer: string | null = null;

  constructor(
    private readonly tally: CheckTally,
    private readonly o: CheckpointOptions,
  ) {}

  /** The final checkpoint of the header: every consistency proof leads to it. */
  async verifyFinal(body: CheckpointBody): Promise<CurrentCheckpoint> {
    this.final = body;
    const heads = this.heads(body, 'checkpoint.final', `final checkpoint ${body.treeSize}`);
    this.issuer = heads[0]?.issuer ?? null;
    const cp = await this.current(body, heads, `final checkpoint ${body.treeSize}`, 'ok');
    cp.summary.final = true;
    this.finalSummary = cp.summary;
    return cp;
  }

  /** A checkpoint item: its signatures, tokens and consistency with the final tree head. */
  async verifyItem(item: CheckpointItem): Promise<CurrentCheckpoint> {
    const where = `checkpoint ${item.treeSize}`;
    const heads = this.heads(item, 'checkpoints.signatures', where);
    const consistent = this.consistency(item, where);
    const cp = await this.current(item, heads, where, consistent);
    if (item.treeSize === this.final?.treeSize) {
      // The entries of the last batch point at the final checkpoint itself: its line counts them.
      cp.summary.final = true;
      this.finalSummary = cp.summary;
    } else {
      this.items++;
      if (this.list.length < TREE_HEAD_LIST_LIMIT - 1) this.list.push(cp.summary);
    }
    return cp;
  }

  /** The tree heads checked, for the result: the earlier ones in file order, then the final one. */
  treeHeads(): AuditTreeHeads {
    const list = this.finalSummary ? [...this.list, this.finalSummary] : [...this.list];
    return { count: this.items + (this.finalSummary ? 1 : 0), list, omitted: this.items - this.list.length };
  }

  private heads(body: CheckpointBody, check: CheckName, where: string): Array<DecodedTreeHead & { root: Uint8Array }> {
    try {
      const heads = verifyTreeHeads(body.treeSize, body.root, body.signedTreeHeads, this.o.keys);
      this.tally.ok(check);
      return heads;
    } catch (e) {
      this.tally.fail(check, where, isAtlogError(e) ? e.code : 'ERR_VERIFY_INTERNAL', e instanceof Error ? e.message : String(e));
      return [];
    }
  }

  private consistency(item: CheckpointItem, where: string): AuditCheckStatus {
    const final = this.final!;
    const check = 'checkpoints.consistency';
    try {
      if (item.treeSize > final.treeSize) {
        this.tally.fail('entries.order', where, 'ERR_EVIDENCE_ORDER', `size ${item.treeSize} is above the final checkpoint's ${final.treeSize}`);
        return 'fail';
      }
      if (verifyConsistency(item.treeSize, final.treeSize, item.consistency, item.root, final.root)) {
        this.tally.ok(check);
        return 'ok';
      }
      this.tally.fail(check, where, 'ERR_RECEIPT_CONSISTENCY_INVALID', `root ${toHex(item.root)} of size ${item.treeSize} is not a prefix of the final tree (size ${final.treeSize}): the log was rewritten, or the proof is wrong`);
    } catch (e) {
      this.tally.fail(check, where, 'ERR_RECEIPT_CONSISTENCY_INVALID', `malformed consistency proof: ${e instanceof Error ? e.message : String(e)}`);
    }
    return 'fail';
  }

  private async current(body: CheckpointBody, heads: Array<DecodedTreeHead & { root: Uint8Array }>, where: string, consistent: AuditCheckStatus): Promise<CurrentCheckpoint> {
    const tokens: CurrentCheckpoint['tokens'] = [];
    let anchoredAt: Date | undefined;
    for (const h of heads) {
      const verified: Uint8Array[] = [];
      for (const t of await this.timestamps(h, where)) {
        verified.push(t.token);
        if (anchoredAt === undefined || t.genTime < anchoredAt) anchoredAt = t.genTime;
      }
      tokens.push({ signature: h.signature, tokens: verified });
    }
    const summary: AuditTreeHead = {
      treeSize: body.treeSize,
      root: toHex(body.root),
      final: false,
      signature: heads.length > 0 ? 'ok' : 'fail',
      consistent,
      anchoredAt: anchoredAt?.toISOString() ?? null,
      entries: 0,
    };
    return { treeSize: body.treeSize, root: body.root, tokens, anchoredAt: summary.anchoredAt, summary };
  }

  /** Verifies a tree head's RFC 3161 tokens (RFC 9921 3161-ctt over its signature) against the pinned roots. */
  private async timestamps(h: DecodedTreeHead, where: string): Promise<Array<{ token: Uint8Array; genTime: Date }>> {
    const check = 'checkpoints.timestamps';
    const roots = this.o.tsaRoots;
    if (!roots || roots.length === 0) {
      if (this.o.requireAnchored) this.tally.fail(check, where, 'ERR_AUDIT_NOT_ANCHORED', 'anchoring is required but no TSA root is pinned (--tsa-root): no token can be checked', true);
      else this.tally.skip(check, 'no TSA root pinned (--tsa-root): tokens are not checked and no time is anchored');
      return [];
    }
    if (h.timestamps.length === 0 && this.o.requireAnchored) {
      this.tally.fail(check, where, 'ERR_AUDIT_NOT_ANCHORED', 'this tree head carries no RFC 3161 token, and every one must (--require-anchored)');
      return [];
    }
    if (h.timestamps.length === 0) {
      // Not a failure: a service may anchor only every N seconds (--tsa-interval), and a checkpoint fetched just
      // after signing may not be stamped yet. Its entries are then anchored by no earlier time than a later token.
      this.tally.skip(check, 'some tree heads carry no RFC 3161 token (not anchored, e.g. a --tsa-interval service): their entries have no anchored time');
      return [];
    }
    const out: Array<{ token: Uint8Array; genTime: Date }> = [];
    for (const token of h.timestamps) {
      const t = await verifyToken(token, h.signature, roots);
      if ('genTime' in t) {
        this.tally.ok(check);
        out.push({ token, genTime: t.genTime });
      } else this.tally.fail(check, where, t.code, t.detail);
    }
    return out;
  }
}

/** A token's genTime, or why it does not verify. */
export async function verifyToken(
  token: Uint8Array,
  signature: Uint8Array,
  roots: ReadonlyArray<Uint8Array | string>,
): Promise<{ genTime: Date } | { code: AtlogErrorCode; detail: string }> {
  try {
    return { genTime: (await verifyCttToken(token, signature, roots)).genTime };
  } catch (e) {
    return { code: isAtlogError(e) ? e.code : 'ERR_VERIFY_INTERNAL', detail: e instanceof Error ? e.message : String(e) };
  }
}
