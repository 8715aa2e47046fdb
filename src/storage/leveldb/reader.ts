import { AtlogError } from '../../errors.js';
import { consistencyProof, inclusionProof, inclusionProofs, rootAt } from '../../merkle/proofs.js';
import type { NodeId } from '../../merkle/range.js';
import { assertHash } from '../../merkle/validate.js';
import { equalBytes } from '../../util/bytes.js';
import { checkIndex, checkNodeRange, checkRange } from '../checks.js';
import { copy, leafHashOf } from '../hashing.js';
import type { LogReader, TreeHead } from '../types.js';
import { bundleEntry } from './bundles.js';
import { decodeIndexList, entryKey, hashIndexKey, readUint } from './codec.js';
import type { LevelDbContext } from './context.js';
import { STRIDE } from './tiles.js';

const H = 32;

/**
 * Reads of the LevelDB log (spec/log-storage.md "Entries", "Tiles", "The hash index"). They never wait for
 * writes and see the committed tree: every node they ask for lies inside it.
 */
export class LevelDbReader implements LogReader {
  constructor(private readonly ctx: LevelDbContext) {}

  get size(): number {
    return this.ctx.committed.size;
  }

  get head(): TreeHead {
    const { size, root } = this.ctx.committed;
    return { size, root: copy(root) };
  }

  /** From O(log n) stored subtrees. */
  async rootAt(size: number): Promise<Uint8Array> {
    this.ctx.live();
    this.ctx.checkSize(size, 'size');
    if (size === this.ctx.committed.size) return copy(this.ctx.committed.root);
    return rootAt(size, this.ctx.tiles);
  }

  private checkIndex(i: number): void {
    this.ctx.live();
    checkIndex(i, this.ctx.committed.size);
  }

  /** One reverse seek: the bundle holding entry i is the last bundle key <= 'e' || i. */
  async entry(i: number): Promise<Uint8Array> {
    this.checkIndex(i);
    const rows = await this.ctx.db.iterator({ gte: entryKey(0), lte: entryKey(i), reverse: true, limit: 1 }).all();
    const row = rows[0];
    if (row === undefined) throw new AtlogError('ERR_LOG_CORRUPT', `entry ${i} is missing`);
    return bundleEntry(row[1], i - readUint(row[0], 1, 8));
  }

  async entryHash(i: number): Promise<Uint8Array> {
    this.checkIndex(i);
    const [h] = await this.ctx.tiles.entryHashes([i]);
    return h!;
  }

  async entryHashes(start: number, end: number): Promise<Uint8Array[]> {
    this.ctx.live();
    checkRange(start, end, this.ctx.committed.size);
    return this.ctx.tiles.entryHashes(Array.from({ length: end - start }, (_, k) => start + k));
  }

  async indexOfEntryHash(hash: Uint8Array): Promise<number | undefined> {
    this.ctx.live();
    assertHash(hash, 'entryHash');
    // The in-memory filter answers "certainly not in the log" for new entries without a LevelDB read.
    if (!this.ctx.filter.mightContain(hash)) return undefined;
    const v = await this.ctx.db.get(hashIndexKey(hash));
    if (v === undefined) return undefined;
    const candidates = decodeIndexList(v).filter((i) => i < this.ctx.committed.size);
    const stored = await this.ctx.tiles.entryHashes(candidates);
    const at = stored.findIndex((s) => equalBytes(s, hash));
    return at < 0 ? undefined : candidates[at];
  }

  async inclusionProof(i: number, size: number = this.ctx.committed.size): Promise<Uint8Array[]> {
    this.ctx.live();
    this.ctx.checkSize(size, 'size');
    return inclusionProof(i, size, this.ctx.tiles);
  }

  async inclusionProofs(indexes: readonly number[], size: number = this.ctx.committed.size): Promise<Uint8Array[][]> {
    this.ctx.live();
    this.ctx.checkSize(size, 'size');
    return inclusionProofs(indexes, size, this.ctx.tiles);
  }

  async consistencyProof(size1: number, size2: number = this.ctx.committed.size): Promise<Uint8Array[]> {
    this.ctx.live();
    this.ctx.checkSize(size2, 'size2');
    return consistencyProof(size1, size2, this.ctx.tiles);
  }

  /**
   * Stored levels (0, 4, 8, ...: every C2SP tile level) are copied from their tiles, level 0 hashed once more
   * into leaf hashes; any other level is computed from the stored level below it (at most 8 hashes a node).
   */
  async nodeHashes(level: number, start: number, end: number): Promise<Uint8Array> {
    this.ctx.live();
    checkNodeRange(level, start, end, this.ctx.committed.size);
    if (level % STRIDE === 0) {
      const row = await this.ctx.tiles.levelRow(level, start, end);
      if (level === 0) for (let at = 0; at < row.length; at += H) row.set(leafHashOf(row.subarray(at, at + H)), at);
      return row;
    }
    const nodes = await this.ctx.tiles.readNodes(rangeNodesOfLevel(level, start, end));
    const out = new Uint8Array(nodes.length * H);
    nodes.forEach((h, k) => out.set(h, k * H));
    return out;
  }
}

/** The node ids (level, start) ... (level, end - 1). */
function rangeNodesOfLevel(level: number, start: number, end: number): NodeId[] {
  return Array.from({ length: end - start }, (_, k) => ({ level, index: start + k }));
}
