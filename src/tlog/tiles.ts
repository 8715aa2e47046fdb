import { AtlogError } from '../errors.js';

/**
 * C2SP tlog-tiles coordinates and paths. A tile at level L, index N holds up to 256 consecutive Merkle tree
 * hashes of tree level 8L: hash i is MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]). Level 0 tiles
 * hold leaf hashes. Pure.
 */

/** Tree levels one tile spans (tlog-tiles fixes 8: 256 hashes per full tile). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile. */
export const TILE_WIDTH = 256;
/** Largest tile level a path may name (tlog-tiles: 0 to 63). */
export const MAX_TILE_LEVEL = 63;

/** One tile (or, in paths, one entry bundle): `width` is 256 for a full tile, 1 to 255 for a partial one. */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

const pow256 = (l: number): number => 2 ** (TILE_HEIGHT * l);

function assertTree(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new AtlogError('ERR_TILE_COORDINATES', `tree size ${String(size)} is not a safe non-negative integer`);
}

/**
 * How many hashes tile (level, index) holds in the tree of `treeSize` leaves: 256, the partial width
 * floor(s / 256^l) mod 256 for the rightmost tile, or 0 when the tile does not exist.
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  assertTree(treeSize);
  const full = Math.floor(treeSize / pow256(level + 1));
  if (index < full) return TILE_WIDTH;
  if (index > full) return 0;
  return Math.floor(treeSize / pow256(level)) % TILE_WIDTH;
}

/**
 * Every tile of the tree of `treeSize` leaves, full and partial, level by level (tlog-tiles "Partial Tiles":
 * a tree of 70,000 leaves has 273 full and one 112-wide level 0 tile, one full and one 17-wide level 1 tile,
 * and one 1-wide level 2 tile).
 */
export function tilesForSize(treeSize: number): TileId[] {
  return newTiles(0, treeSize);
}

/**
 * The tiles that exist at `newSize` and did not, or were narrower, at `oldSize`: what a log writes when it
 * grows (each at its width for `newSize`).
 * @throws AtlogError `ERR_TILE_COORDINATES` when oldSize > newSize or a size is not a safe integer.
 */
export function newTiles(oldSize: number, newSize: number): TileId[] {
  assertTree(oldSize);
  assertTree(newSize);
  if (oldSize > newSize) throw new AtlogError('ERR_TILE_COORDINATES', `old size ${oldSize} is above new size ${newSize}`);
  const out: TileId[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL && pow256(level) <= newSize; level++) {
    const last = Math.floor(newSize / pow256(level + 1)); // the partial tile's index (maybe empty)
    for (let index = Math.floor(oldSize / pow256(level + 1)); index <= last; index++) {
      const width = tileWidth(level, index, newSize);
      if (width > tileWidth(level, index, oldSize)) out.push({ level, index, width });
    }
  }
  return out;
}

/** Where the hashes of one complete subtree live: in tile (level, index), `count` hashes from `offset`. */
export interface NodeInTile {
  readonly tileLevel: number;
  readonly tileIndex: number;
  readonly offset: number;
  readonly count: number;
}

/**
 * The tile hashes that make up the complete subtree at tree `level`, `index`: 2^(level mod 8) consecutive
 * hashes of tile level floor(level / 8), hashed up (tlog-tiles: the levels between tile levels "are
 * reconstructed by hashing the leaves"). The span never crosses a tile: it is aligned and at most 128 wide.
 */
export function nodeInTile(level: number, index: number): NodeInTile {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level % TILE_HEIGHT);
  const first = index * count;
  return { tileLevel, tileIndex: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/** tlog-tiles `<N>`: zero-padded 3-digit path elements, all but the last prefixed with `x` (1234067 = x001/x234/067). */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new AtlogError('ERR_TILE_COORDINATES', `tile index ${String(index)}`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function suffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new AtlogError('ERR_TILE_COORDINATES', `tile width ${String(width)}`);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log's prefix. */
export function tilePath(t: TileId): string {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > MAX_TILE_LEVEL) throw new AtlogError('ERR_TILE_COORDINATES', `tile level ${String(t.level)}`);
  return `tile/${t.level}/${encodeTileIndex(t.index)}${suffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`, relative to the log's prefix. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${encodeTileIndex(index)}${suffix(width)}`;
}

/** A parsed tile or entry bundle path. */
export type TilePath = ({ readonly kind: 'tile' } & TileId) | { readonly kind: 'entries'; readonly index: number; readonly width: number };

/**
 * Parse a tile or entry bundle path (relative to the prefix, starting with `tile/`). Only the canonical
 * spelling is accepted: no leading zeroes in L or W, no superfluous `x000/` groups.
 * @throws AtlogError `ERR_TILE_PATH_INVALID`.
 */
export function parseTilePath(path: string): TilePath {
  const bad = (): AtlogError => new AtlogError('ERR_TILE_PATH_INVALID', `not a tile path: ${JSON.stringify(String(path).slice(0, 120))}`);
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(String(path));
  if (!m) throw bad();
  const groups = m[2]!.split('/').map((g) => Number(g.replace('x', '')));
  if (groups.length > 6) throw bad(); // 10^18 > 2^53: no safe index needs more
  const index = groups.reduce((n, g) => n * 1000 + g, 0);
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (!Number.isSafeInteger(index) || (m[3] !== undefined && width >= TILE_WIDTH)) throw bad();
  const out: TilePath = m[1] === 'entries' ? { kind: 'entries', index, width } : { kind: 'tile', level: Number(m[1]), index, width };
  const again = out.kind === 'entries' ? entryBundlePath(index, width) : out.level <= MAX_TILE_LEVEL ? tilePath(out) : '';
  if (again !== path) throw bad();
  return out;
}
