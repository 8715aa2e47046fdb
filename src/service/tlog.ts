import type { LogReader } from '../storage/types.js';
import { encodeEntryBundle, MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH } from '../tlog/index.js';
import type { TlogPublisher } from './publisher.js';

/**
 * The log as C2SP tlog-tiles (spec/tlog.md section 6), read from storage: a tile is a row of stored subtree
 * hashes (`LogReader.nodeHashes` at tree level 8L, copied from the stored levels, never recomputed from the
 * leaves), an entry bundle the stored entry hashes. Both are answered for any width whose hashes lie inside the
 * committed tree, and are the same bytes whichever checkpoint asks for them, so they can be cached forever.
 */

/** Reads tiles and entry bundles; undefined when the resource does not exist (yet). */
export interface TileSource {
  tile(level: number, index: number, width: number): Promise<Uint8Array | undefined>;
  entryBundle(index: number, width: number): Promise<Uint8Array | undefined>;
}

/** True for tile coordinates a path can name: level 0-63, a safe index, width 1-256. */
function valid(level: number, index: number, width: number): boolean {
  return Number.isInteger(level) && level >= 0 && level <= MAX_TILE_LEVEL && Number.isSafeInteger(index) && index >= 0 && Number.isInteger(width) && width >= 1 && width <= TILE_WIDTH;
}

/** The tiles of the committed tree of `reader`. */
export function storedTiles(reader: LogReader): TileSource {
  return {
    async tile(level, index, width) {
      if (!valid(level, index, width)) return undefined;
      const start = index * TILE_WIDTH;
      // Hash i covers leaves [(start + i) * 256^L, (start + i + 1) * 256^L): all must be in the tree.
      if ((start + width) * 2 ** (TILE_HEIGHT * level) > reader.size) return undefined;
      return reader.nodeHashes(TILE_HEIGHT * level, start, start + width);
    },
    async entryBundle(index, width) {
      if (!valid(0, index, width)) return undefined;
      const start = index * TILE_WIDTH;
      if (start + width > reader.size) return undefined;
      return encodeEntryBundle(await reader.entryHashes(start, start + width));
    },
  };
}

/** The service's C2SP face (spec/tlog.md section 9): what `/tlog/...` serves. */
export class TlogView implements TileSource {
  constructor(
    /** The checkpoint origin, also the name of the note keys. */
    readonly origin: string,
    /** The log's note verifier keys (Ed25519, then ML-DSA-44). */
    readonly vkeys: readonly string[],
    private readonly publisher: TlogPublisher,
    private readonly tiles: TileSource,
  ) {}

  /** The published checkpoint note with its witness cosignatures, or undefined before the first. */
  checkpoint(): Uint8Array | undefined {
    return this.publisher.checkpoint();
  }

  /** Tile (level, index) at `width` hashes, or undefined when not all of them are in the log yet. */
  tile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    return this.tiles.tile(level, index, width);
  }

  /** Entry bundle `index` at `width` entries, or undefined when not all of them are in the log yet. */
  entryBundle(index: number, width: number): Promise<Uint8Array | undefined> {
    return this.tiles.entryBundle(index, width);
  }

  /** Witness names and the sizes they are known to have cosigned. */
  witnessSizes(): Record<string, number> {
    return this.publisher.witnessSizes();
  }
}
