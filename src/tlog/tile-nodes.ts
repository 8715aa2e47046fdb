import { AtlogError } from '../errors.js';
import {
  consistencyProof,
  HASH_SIZE,
  inclusionProof,
  nodeHash,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
  type NodeSource,
} from '../merkle/index.js';
import { concatBytes } from '../util/bytes.js';
import { nodeInTile, TILE_HEIGHT, tileWidth, type TileId } from './tiles.js';

/**
 * Proofs from tiles alone, and tiles from stored nodes. The client side turns a tile fetcher into the
 * NodeSource that src/merkle's proof builders take, so inclusion and consistency proofs come out exactly as
 * the RFC 9162 code builds them from storage; the server side turns any NodeSource into tile bytes. Pure.
 */

/**
 * Fetches tile (level, index) at `width` hashes: `width * 32` bytes. A partial tile that is gone may be
 * served from the full tile's first `width` hashes (tlog-tiles allows clients to fall back to it).
 */
export type TileReader = (level: number, index: number, width: number) => Promise<Uint8Array>;

/** A tree size and its root: what a verified checkpoint vouches for. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * The NodeSource of the tree of `treeSize` leaves read from its tiles. Each tile is fetched once per source,
 * and the 7 tree levels inside it are hashed up once, so many proofs from one source cost little more than
 * one. Nodes outside the tree are refused, so a caller cannot make it fetch partial tiles that no checkpoint
 * of this size vouches for.
 * @throws (from readNodes) AtlogError `ERR_TILE_COORDINATES` for a node that is not a complete subtree of the
 *   tree, `ERR_TILE_READER` when a tile has the wrong length; whatever `read` throws.
 */
export function tileNodeSource(treeSize: number, read: TileReader): NodeSource {
  const tiles = new Map<string, Promise<Uint8Array[][]>>();
  const tile = (level: number, index: number): Promise<Uint8Array[][]> => {
    const key = `${level}/${index}`;
    let p = tiles.get(key);
    if (p === undefined) {
      const width = tileWidth(level, index, treeSize);
      p = read(level, index, width).then((b) => {
        if (!(b instanceof Uint8Array) || b.length !== width * HASH_SIZE) {
          throw new AtlogError('ERR_TILE_READER', `tile ${level}/${index} should be ${width * HASH_SIZE} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
        }
        return innerLevels(b, width);
      });
      tiles.set(key, p);
      // A failed read is not kept: the next proof may retry it (e.g. after falling back to a full tile).
      p.catch(() => tiles.delete(key));
    }
    return p;
  };
  const readNodes = (nodes: readonly NodeId[]): Promise<Uint8Array[]> =>
    Promise.all(
      nodes.map(async ({ level, index }) => {
        if (!Number.isSafeInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0 || (index + 1) * 2 ** level > treeSize) {
          throw new AtlogError('ERR_TILE_COORDINATES', `node ${level}/${index} is not a complete subtree of the tree of ${treeSize}`);
        }
        const at = nodeInTile(level, index);
        const levels = await tile(at.tileLevel, at.tileIndex);
        return levels[level % TILE_HEIGHT]![at.offset / at.count]!.slice();
      }),
    );
  return { readNodes };
}

/** A tile's hashes and the complete subtrees above them inside the tile: levels[r][j] covers hashes [j * 2^r, (j + 1) * 2^r). */
function innerLevels(bytes: Uint8Array, width: number): Uint8Array[][] {
  const levels: Uint8Array[][] = [Array.from({ length: width }, (_, i) => bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))];
  for (let r = 1; r < TILE_HEIGHT; r++) {
    const below = levels[r - 1]!;
    const up: Uint8Array[] = [];
    for (let j = 0; 2 * j + 1 < below.length; j++) up.push(nodeHash(below[2 * j]!, below[2 * j + 1]!));
    levels.push(up);
  }
  return levels;
}

/**
 * RFC 9162 2.1.3.1 inclusion proof of leaf `index` in the tree of `treeSize`, from tiles.
 * @throws AtlogError as `inclusionProof` and `tileNodeSource`.
 */
export function inclusionProofFromTiles(index: number, treeSize: number, read: TileReader): Promise<Uint8Array[]> {
  return inclusionProof(index, treeSize, tileNodeSource(treeSize, read));
}

/**
 * RFC 9162 2.1.4.1 consistency proof from `size1` to `size2`, from the tiles of the tree of `size2`.
 * @throws AtlogError as `consistencyProof` and `tileNodeSource`.
 */
export function consistencyProofFromTiles(size1: number, size2: number, read: TileReader): Promise<Uint8Array[]> {
  return consistencyProof(size1, size2, tileNodeSource(size2, read));
}

/**
 * The root of the tree of `treeSize` leaves, from its tiles.
 * @throws AtlogError as `rootAt` and `tileNodeSource`.
 */
export function rootFromTiles(treeSize: number, read: TileReader): Promise<Uint8Array> {
  return rootAt(treeSize, tileNodeSource(treeSize, read));
}

/**
 * True when the tiles prove leaf `leafHash` at `index` under a (verified) tree head. Tiles that lie give false:
 * the proof is checked against the head's root, never trusted.
 * @throws AtlogError on malformed input and reader failures (as `inclusionProofFromTiles`).
 */
export async function verifyInclusionFromTiles(leafHash: Uint8Array, index: number, head: TreeHead, read: TileReader): Promise<boolean> {
  const proof = await inclusionProofFromTiles(index, head.size, read);
  return verifyInclusion(leafHash, index, head.size, proof, head.root);
}

/**
 * True when the tiles of the newer head prove it consistent with the older one (equal heads need no tiles).
 * @throws AtlogError `ERR_MERKLE_EMPTY_CONSISTENCY` from an empty tree, `ERR_MERKLE_BAD_SIZE` when the old head
 *   is larger; reader failures.
 */
export async function verifyConsistencyFromTiles(older: TreeHead, newer: TreeHead, read: TileReader): Promise<boolean> {
  const proof = older.size === newer.size ? [] : await consistencyProofFromTiles(older.size, newer.size, read);
  return verifyConsistency(older.size, newer.size, proof, older.root, newer.root);
}

/**
 * The bytes of a tile built from a tree's stored nodes: hashes (8 * level, index * 256 + i) for i < width, read
 * in one batch. This is how a log serves tiles from storage without recomputing the tree.
 * @throws AtlogError `ERR_TILE_COORDINATES`; `ERR_MERKLE_BAD_HASH` / `ERR_MERKLE_READER` for bad node data.
 */
export async function tileFromNodes(t: TileId, source: NodeSource): Promise<Uint8Array> {
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > 256) throw new AtlogError('ERR_TILE_COORDINATES', `tile width ${String(t.width)}`);
  const nodes: NodeId[] = Array.from({ length: t.width }, (_, i) => ({ level: t.level * TILE_HEIGHT, index: t.index * 256 + i }));
  const read = typeof source === 'function' ? (ns: readonly NodeId[]) => Promise.all(ns.map((n) => source(n.level, n.index))) : source.readNodes;
  const hashes = await read(nodes);
  if (hashes.length !== nodes.length || hashes.some((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE)) {
    throw new AtlogError('ERR_MERKLE_READER', `node reader returned bad hashes for tile ${t.level}/${t.index}`);
  }
  return concatBytes(...hashes);
}
