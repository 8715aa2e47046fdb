import { AtlogError } from '../../errors.js';
import { tileKey } from './codec.js';
import { leafHashOf, nodeHashOf } from '../hashing.js';

/**
 * Which tree hashes are stored (spec/log-storage.md "Tiles"). Level 0 keeps the entry hashes (the Merkle leaf
 * data); above it only every STRIDE-th level is stored, CHUNK_HASHES hashes per LevelDB value. Any other
 * complete subtree is recomputed from at most 2^(STRIDE-1) stored hashes of the stored level below it. This
 * costs ~2.1 bytes per entry above level 0 (32/16 + 32/256 + ...) instead of ~32 for every interior node.
 */
export const STRIDE = 4;
export const CHUNK_HASHES = 64;
const H = 32;

/** The stored level at or below `level`. */
export const baseLevel = (level: number): number => level - (level % STRIDE);

/** Where the stored hashes that make up node (level, index) live. */
export interface NodeSpan {
  readonly base: number;
  readonly chunk: number;
  /** Byte offset of the first hash inside the chunk value. */
  readonly offset: number;
  readonly count: number;
}

/** RFC 9162 complete subtree (level, index) = the 2^(level - base) stored hashes below it, hashed up. */
export function nodeSpan(level: number, index: number): NodeSpan {
  const base = baseLevel(level);
  const count = 2 ** (level - base);
  const first = index * count;
  // count divides CHUNK_HASHES, and first is a multiple of count, so the span never crosses a chunk.
  return { base, chunk: Math.floor(first / CHUNK_HASHES), offset: (first % CHUNK_HASHES) * H, count };
}

/**
 * Hash a span of stored hashes up to its node. Level 0 values are entry hashes, so they become leaf hashes
 * first (SHA-256(0x00 || entryHash)).
 * @throws AtlogError `ERR_LOG_CORRUPT` when the chunk is shorter than the span needs.
 */
export function hashSpan(span: NodeSpan, chunk: Uint8Array | undefined): Uint8Array {
  const end = span.offset + span.count * H;
  if (chunk === undefined || chunk.length < end) {
    throw new AtlogError('ERR_LOG_CORRUPT', `tile ${span.base}/${span.chunk} is missing or short (need ${end} bytes)`);
  }
  let hs: Uint8Array[] = [];
  for (let at = span.offset; at < end; at += H) {
    const h = chunk.subarray(at, at + H);
    hs.push(span.base === 0 ? leafHashOf(h) : h);
  }
  while (hs.length > 1) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < hs.length; i += 2) up.push(nodeHashOf(hs[i]!, hs[i + 1]!));
    hs = up;
  }
  return hs[0]!;
}

/** The partly filled last chunk of one stored level. */
interface Tail {
  chunk: number;
  count: number;
  data: Uint8Array;
  dirty: boolean;
}

/**
 * The last chunk of every stored level, kept in memory so an append rewrites only the chunks it touches.
 * Copy-on-write per append: `clone()` before changing, keep the clone only once the batch is on disk.
 */
export class Tails {
  private readonly tails = new Map<number, Tail>();

  /** Start the tail of `level` at `count` hashes into `chunk`, holding `data` (count * 32 bytes). */
  set(level: number, chunk: number, data: Uint8Array): void {
    const buf = new Uint8Array(CHUNK_HASHES * H);
    buf.set(data, 0);
    this.tails.set(level, { chunk, count: data.length / H, data: buf, dirty: false });
  }

  clone(): Tails {
    const c = new Tails();
    for (const [level, t] of this.tails) c.tails.set(level, { ...t, data: t.data.slice(), dirty: false });
    return c;
  }

  /**
   * Add the hash of node (level, index); nodes of a level arrive in index order. Full chunks are handed to
   * `put` at once; partly filled ones by `flush`.
   * @throws AtlogError `ERR_LOG_CORRUPT` when a node arrives out of order (a bug or damaged state).
   */
  add(level: number, index: number, hash: Uint8Array, put: (key: Uint8Array, value: Uint8Array) => void): void {
    let t = this.tails.get(level);
    if (t === undefined) {
      t = { chunk: 0, count: 0, data: new Uint8Array(CHUNK_HASHES * H), dirty: false };
      this.tails.set(level, t);
    }
    if (index !== t.chunk * CHUNK_HASHES + t.count) {
      throw new AtlogError('ERR_LOG_CORRUPT', `tile ${level}: node ${index} out of order (expected ${t.chunk * CHUNK_HASHES + t.count})`);
    }
    t.data.set(hash, t.count * H);
    t.count++;
    t.dirty = true;
    if (t.count === CHUNK_HASHES) {
      put(tileKey(level, t.chunk), t.data);
      t.chunk++;
      t.count = 0;
      t.data = new Uint8Array(CHUNK_HASHES * H);
      t.dirty = false;
    }
  }

  /** Hand every changed, partly filled chunk to `put`. */
  flush(put: (key: Uint8Array, value: Uint8Array) => void): void {
    for (const [level, t] of this.tails) {
      if (t.dirty && t.count > 0) put(tileKey(level, t.chunk), t.data.slice(0, t.count * H));
      t.dirty = false;
    }
  }
}
