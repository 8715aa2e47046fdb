import { describe, expect, it } from 'vitest';
import { leafHash, type NodeReader } from '../../src/merkle/index.js';
import {
  bundleMatchesTile,
  encodeEntryBundle,
  entryBundlePath,
  formatCheckpoint,
  generateNoteKey,
  newTiles,
  openCheckpoint,
  parseEntryBundle,
  parseTilePath,
  SIG_ED25519,
  signerFromSkey,
  signNote,
  tileFromNodes,
  tilePath,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
  type TileReader,
} from '../../src/tlog/index.js';
import { codeOfAsync } from '../helpers/errors.js';
import { RefTree, refLeaf } from '../merkle/reference.js';

/**
 * A log that grows in uneven batches and publishes, after each, the new tiles, entry bundles and a signed
 * checkpoint into a flat "bucket" (path -> bytes), as a static directory would hold them. A client that only
 * reads the bucket follows it: each checkpoint verifies, is consistent with the previous one, and every new
 * entry is proven included, from tiles alone.
 */
describe('a growing log served as static tiles', () => {
  const origin = 'log.example/growth';
  const key = signerFromSkey(generateNoteKey(origin, SIG_ED25519).skey);
  const entryHashes: Uint8Array[] = [];
  const ref = new RefTree((i) => refLeaf(entryHashes[i]!));
  // What storage gives the tile writer: complete subtree hashes of the tree (here from the reference).
  const stored: NodeReader = async (level, index) => ref.mth(index * 2 ** level, (index + 1) * 2 ** level);
  const bucket = new Map<string, Uint8Array>();

  async function publish(size: number, from: number): Promise<void> {
    for (const t of newTiles(from, size)) {
      bucket.set(tilePath(t), await tileFromNodes(t, stored));
      if (t.level === 0) bucket.set(entryBundlePath(t.index, t.width), encodeEntryBundle(entryHashes.slice(t.index * 256, t.index * 256 + t.width)));
    }
    const root = ref.mth(0, size);
    bucket.set('checkpoint', new TextEncoder().encode(signNote(formatCheckpoint({ origin, size, root, extensions: [] }), [key])));
  }

  /** The client's fetch: a path in the bucket, falling back to the full tile when a partial one is gone. */
  const fetchTile: TileReader = async (level, index, width) => {
    const path = tilePath({ level, index, width });
    const got = bucket.get(path) ?? bucket.get(tilePath({ level, index, width: 256 }))?.subarray(0, width * 32);
    if (got === undefined) throw new Error(`404 ${path}`);
    return got;
  };

  it('follows the log batch by batch from tiles alone', async () => {
    let size = 0;
    let last: { size: number; root: Uint8Array } | undefined;
    for (const batch of [1, 2, 253, 1, 300, 7, 65_536 - 564, 1, 2000]) {
      const from = size;
      for (let i = 0; i < batch; i++) entryHashes.push(new Uint8Array(32).fill(0).map((_, j) => (size * 31 + i * 7 + j) & 0xff));
      size += batch;
      await publish(size, from);
      const head = openCheckpoint(bucket.get('checkpoint')!, { origin, logKeys: [key.verifier] }).checkpoint;
      expect(head.size).toBe(size);
      if (last) expect(await verifyConsistencyFromTiles(last, head, fetchTile), `${last.size} -> ${size}`).toBe(true);
      for (const i of new Set([from, Math.floor((from + size) / 2), size - 1])) {
        // The entry comes from its bundle, checked against the level 0 tile, then proven under the checkpoint.
        const bundleWidth = Math.min(256, size - Math.floor(i / 256) * 256);
        const bundle = parseEntryBundle(bucket.get(entryBundlePath(Math.floor(i / 256), bundleWidth))!, bundleWidth);
        expect(bundleMatchesTile(bundle, await fetchTile(0, Math.floor(i / 256), bundleWidth))).toBe(true);
        expect(await verifyInclusionFromTiles(leafHash(bundle[i % 256]!), i, head, fetchTile), `entry ${i} of ${size}`).toBe(true);
      }
      last = head;
      // Once a tile is full, its partial versions may be deleted; clients fall back to the full tile.
      for (const p of [...bucket.keys()]) {
        if (!p.includes('.p/')) continue;
        const t = parseTilePath(p);
        if (t.kind === 'tile' && bucket.has(tilePath({ ...t, width: 256 }))) bucket.delete(p);
      }
    }
    expect(size).toBe(67_537);
    expect([...bucket.keys()].filter((p) => p.startsWith('tile/2/'))).toEqual(['tile/2/000.p/1']);
  });

  it('a checkpoint of a tree the tiles do not hold cannot be proven consistent', async () => {
    const head = openCheckpoint(bucket.get('checkpoint')!, { origin, logKeys: [key.verifier] }).checkpoint;
    const forked = { size: 100, root: new Uint8Array(32).fill(5) };
    expect(await verifyConsistencyFromTiles(forked, head, fetchTile)).toBe(false);
    // A client never asks for tiles of a size beyond its verified checkpoint; a reader that has none fails.
    expect(await codeOfAsync(() => verifyInclusionFromTiles(new Uint8Array(32), head.size, head, fetchTile))).toBe('ERR_MERKLE_INDEX_OUT_OF_RANGE');
  });
});
