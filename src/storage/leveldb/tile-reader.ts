import type { ClassicLevel } from 'classic-level';
import { AtlogError } from '../../errors.js';
import type { NodeId } from '../../merkle/range.js';
import { tileKey } from './codec.js';
import { CHUNK_HASHES, hashSpan, nodeSpan } from './tiles.js';

type Db = ClassicLevel<Uint8Array, Uint8Array>;
const H = 32;

/**
 * Complete subtrees of this level and above are kept once computed: there are few of them (n / 2^8), every
 * proof's upper path goes through them, and a complete subtree inside the committed tree never changes.
 */
const CACHE_MIN_LEVEL = 8;
/** Most cached subtree hashes (~8 MiB); the oldest go first. */
const CACHE_LIMIT = 1 << 16;

/** Reads of at most this many tiles are synchronous (see `fetch`). */
const SYNC_READ_MAX = 8;

/**
 * Batched reads of stored hashes: any complete subtree (for src/merkle's NodeBatchReader) or entry hashes by
 * index. One read per call (synchronous for a few tiles, else one `getMany`), each tile fetched once however
 * many nodes it serves.
 */
export class TileReader {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly db: Db) {}

  private async fetch(keys: Map<string, Uint8Array>): Promise<Map<string, Uint8Array | undefined>> {
    const names = [...keys.keys()];
    // A few tiles (one proof: at most ~log2(n)/4 + 2) are read on this thread: each is a LevelDB Get of tens of
    // microseconds when its block is cached, and a hop to the thread pool costs more than that and adds
    // jitter (inclusion proofs at 10^6 entries: p50 0.15 -> 0.08 ms, p99 0.75-1.15 -> 0.26-0.33 ms). Many
    // tiles (a batch's proofs, scans) go to the thread pool in one getMany.
    if (names.length <= SYNC_READ_MAX) return new Map(names.map((n) => [n, this.db.getSync(keys.get(n)!)]));
    const values = await this.db.getMany(names.map((n) => keys.get(n)!));
    return new Map(names.map((n, i) => [n, values[i]]));
  }

  private remember(name: string, h: Uint8Array): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(name, h);
  }

  /**
   * Hashes of the complete subtrees `ids`, in order (fresh arrays the caller may keep). Callers only ask for
   * subtrees inside the committed tree.
   * @throws AtlogError `ERR_LOG_CORRUPT` when a tile is missing or short.
   */
  readNodes = async (ids: readonly NodeId[]): Promise<Uint8Array[]> => {
    const out = new Array<Uint8Array>(ids.length);
    const names = ids.map((id) => `${id.level}/${id.index}`);
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const hit = id.level >= CACHE_MIN_LEVEL ? this.cache.get(names[i]!) : undefined;
      if (hit !== undefined) out[i] = new Uint8Array(hit);
      else missing.push(i);
    });
    if (missing.length === 0) return out;
    const spans = new Map(missing.map((i) => [i, nodeSpan(ids[i]!.level, ids[i]!.index)]));
    const keys = new Map<string, Uint8Array>();
    for (const s of spans.values()) keys.set(`${s.base}/${s.chunk}`, tileKey(s.base, s.chunk));
    const tiles = await this.fetch(keys);
    // Proofs of many leaves share nodes: hash each distinct node once.
    const done = new Map<string, Uint8Array>();
    for (const i of missing) {
      const name = names[i]!;
      let h = done.get(name);
      if (h === undefined) {
        const s = spans.get(i)!;
        h = hashSpan(s, tiles.get(`${s.base}/${s.chunk}`));
        done.set(name, h);
        if (ids[i]!.level >= CACHE_MIN_LEVEL) this.remember(name, new Uint8Array(h));
      }
      out[i] = h;
    }
    return out;
  };

  /**
   * The stored entry hashes (level-0 tile values) of these indexes, in order.
   * @throws AtlogError `ERR_LOG_CORRUPT` when a tile is missing or short.
   */
  async entryHashes(indexes: readonly number[]): Promise<Uint8Array[]> {
    const keys = new Map<string, Uint8Array>();
    for (const i of indexes) {
      const c = Math.floor(i / CHUNK_HASHES);
      keys.set(String(c), tileKey(0, c));
    }
    const tiles = await this.fetch(keys);
    return indexes.map((i) => {
      const t = tiles.get(String(Math.floor(i / CHUNK_HASHES)));
      const at = (i % CHUNK_HASHES) * H;
      if (t === undefined || t.length < at + H) throw new AtlogError('ERR_LOG_CORRUPT', `entry hash ${i} is missing`);
      return new Uint8Array(t.subarray(at, at + H)); // a plain copy, never a view of the tile
    });
  }

  /**
   * The stored hashes of stored level `level` (0 or a multiple of STRIDE) at positions [start, end),
   * concatenated: copied from the tiles as they are (level 0: entry hashes), nothing hashed.
   * @throws AtlogError `ERR_LOG_CORRUPT` when a tile is missing or short.
   */
  async levelRow(level: number, start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array((end - start) * H);
    if (end === start) return out;
    const first = Math.floor(start / CHUNK_HASHES);
    const last = Math.floor((end - 1) / CHUNK_HASHES);
    const keys = new Map<string, Uint8Array>();
    for (let c = first; c <= last; c++) keys.set(String(c), tileKey(level, c));
    const tiles = await this.fetch(keys);
    for (let c = first; c <= last; c++) {
      const from = Math.max(start, c * CHUNK_HASHES);
      const at = (from - c * CHUNK_HASHES) * H;
      const len = (Math.min(end, (c + 1) * CHUNK_HASHES) - from) * H;
      const t = tiles.get(String(c));
      if (t === undefined || t.length < at + len) throw new AtlogError('ERR_LOG_CORRUPT', `tile ${level}/${c} is missing or short`);
      out.set(t.subarray(at, at + len), (from - start) * H);
    }
    return out;
  }

  /** The raw value of one tile, or undefined. */
  async tile(level: number, chunk: number): Promise<Uint8Array | undefined> {
    return this.db.get(tileKey(level, chunk));
  }
}
