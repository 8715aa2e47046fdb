import type { ClassicLevel } from 'classic-level';
import { AtlogError } from '../errors.js';
import type { NodeId } from '../merkle/range.js';
import { tileKey } from './codec.js';
import { CHUNK_HASHES, hashSpan, nodeSpan } from './tiles.js';

type Db = ClassicLevel<Uint8Array, Uint8Array>;
const H = 32;

/**
 * Batched reads of stored hashes: any complete subtree (for src/merkle's NodeBatchReader) or entry hashes by
 * index. One `getMany` per call, each tile fetched once however many nodes it serves.
 */
export class TileReader {
  constructor(private readonly db: Db) {}

  private async fetch(keys: Map<string, Uint8Array>): Promise<Map<string, Uint8Array | undefined>> {
    const names = [...keys.keys()];
    const values = await this.db.getMany(names.map((n) => keys.get(n)!));
    return new Map(names.map((n, i) => [n, values[i]]));
  }

  /**
   * Hashes of the complete subtrees `ids`, in order. Callers only ask for subtrees inside the committed tree.
   * @throws AtlogError `ERR_LOG_CORRUPT` when a tile is missing or short.
   */
  readNodes = async (ids: readonly NodeId[]): Promise<Uint8Array[]> => {
    const spans = ids.map((id) => nodeSpan(id.level, id.index));
    const keys = new Map<string, Uint8Array>();
    for (const s of spans) keys.set(`${s.base}/${s.chunk}`, tileKey(s.base, s.chunk));
    const tiles = await this.fetch(keys);
    // Proofs of many leaves share nodes: hash each distinct node once.
    const done = new Map<string, Uint8Array>();
    return ids.map((id, i) => {
      const name = `${id.level}/${id.index}`;
      let h = done.get(name);
      if (h === undefined) {
        const s = spans[i]!;
        h = hashSpan(s, tiles.get(`${s.base}/${s.chunk}`));
        done.set(name, h);
      }
      return h;
    });
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

  /** The raw value of one tile, or undefined. */
  async tile(level: number, chunk: number): Promise<Uint8Array | undefined> {
    return this.db.get(tileKey(level, chunk));
  }
}
