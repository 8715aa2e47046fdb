import { consistencyProof, inclusionProof, inclusionProofs, rootAt } from '../../merkle/proofs.js';
import type { NodeId } from '../../merkle/range.js';
import { assertHash } from '../../merkle/validate.js';
import { checkEntries, checkIndex, checkMetaPuts, checkNodeRange, checkRange, checkSize } from '../checks.js';
import { copy, entryHashOf, leafHashOf } from '../hashing.js';
import type { AppendResult, AppendedEntry, LogAppender, LogReader, MetaPut, TreeHead } from '../types.js';
import type { MemorySession } from './volume.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * Appends to an in-memory log. Each call is applied at once, whole and in call order (nothing in it can fail
 * half-way once its arguments are checked), so it is atomic with its meta puts.
 */
export class MemoryAppender implements LogAppender {
  constructor(private readonly s: MemorySession) {}

  /** @throws AtlogError `ERR_INVALID_ARGUMENT`, `ERR_LOG_CLOSED`. */
  async append(entries: readonly Uint8Array[], meta: readonly MetaPut[] = []): Promise<AppendResult> {
    const v = this.s.live();
    checkEntries(entries);
    checkMetaPuts(meta);
    const results: AppendedEntry[] = [];
    const before = v.size;
    for (const e of entries) {
      const h = entryHashOf(e);
      const key = latin1(h);
      const existing = v.index.get(key);
      if (existing !== undefined) {
        results.push({ index: existing, duplicate: true, entryHash: copy(h) });
        continue;
      }
      const index = v.size;
      v.index.set(key, index);
      v.entries.push(copy(e));
      v.entryHashes.push(copy(h));
      const leaf = copy(leafHashOf(h));
      v.levels[0]!.push(leaf);
      v.frontier.push(leaf, (level, i, hash) => ((v.levels[level] ??= [])[i] = copy(hash)));
      results.push({ index, duplicate: false, entryHash: copy(h) });
    }
    if (v.size !== before) v.root = copy(v.frontier.root());
    for (const m of meta) v.meta.set(m.key, copy(m.value));
    return { entries: results, size: v.size, root: copy(v.root) };
  }
}

/** Reads of an in-memory log: every complete subtree hash is kept, so a node read is an array lookup. */
export class MemoryReader implements LogReader {
  constructor(private readonly s: MemorySession) {}

  private readonly source = {
    readNodes: async (ids: readonly NodeId[]): Promise<Uint8Array[]> => ids.map((id) => copy(this.s.v.levels[id.level]![id.index]!)),
  };

  get size(): number {
    return this.s.v.size;
  }

  get head(): TreeHead {
    return { size: this.s.v.size, root: copy(this.s.v.root) };
  }

  async rootAt(size: number): Promise<Uint8Array> {
    const v = this.s.live();
    checkSize(size, v.size, 'size');
    return size === v.size ? copy(v.root) : rootAt(size, this.source);
  }

  async entry(i: number): Promise<Uint8Array> {
    const v = this.s.live();
    checkIndex(i, v.size);
    return copy(v.entries[i]!);
  }

  async entryHash(i: number): Promise<Uint8Array> {
    const v = this.s.live();
    checkIndex(i, v.size);
    return copy(v.entryHashes[i]!);
  }

  async entryHashes(start: number, end: number): Promise<Uint8Array[]> {
    const v = this.s.live();
    checkRange(start, end, v.size);
    return v.entryHashes.slice(start, end).map(copy);
  }

  async indexOfEntryHash(hash: Uint8Array): Promise<number | undefined> {
    const v = this.s.live();
    assertHash(hash, 'entryHash');
    return v.index.get(latin1(hash));
  }

  async inclusionProof(i: number, size: number = this.s.v.size): Promise<Uint8Array[]> {
    checkSize(size, this.s.live().size, 'size');
    return inclusionProof(i, size, this.source);
  }

  async inclusionProofs(indexes: readonly number[], size: number = this.s.v.size): Promise<Uint8Array[][]> {
    checkSize(size, this.s.live().size, 'size');
    return inclusionProofs(indexes, size, this.source);
  }

  async consistencyProof(size1: number, size2: number = this.s.v.size): Promise<Uint8Array[]> {
    checkSize(size2, this.s.live().size, 'size2');
    return consistencyProof(size1, size2, this.source);
  }

  async nodeHashes(level: number, start: number, end: number): Promise<Uint8Array> {
    const v = this.s.live();
    checkNodeRange(level, start, end, v.size);
    const out = new Uint8Array((end - start) * 32);
    for (let i = start; i < end; i++) out.set(v.levels[level]![i]!, (i - start) * 32);
    return out;
  }
}
