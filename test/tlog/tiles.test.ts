import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, type NodeReader } from '../../src/merkle/index.js';
import {
  consistencyProofFromTiles,
  encodeTileIndex,
  entryBundlePath,
  inclusionProofFromTiles,
  newTiles,
  parseTilePath,
  rootFromTiles,
  tileNodeSource,
  tilePath,
  tilesForSize,
  tileWidth,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
  type TileReader,
} from '../../src/tlog/index.js';
import { toHex } from '../../src/util/bytes.js';
import { codeOf, codeOfAsync } from '../helpers/errors.js';
import { MarkedTree, RefTree, leafData, refLeaf } from '../merkle/reference.js';
import { c2sp } from './vectors.js';

const hex = (hs: readonly Uint8Array[]): string[] => hs.map(toHex);

/**
 * A tile server straight from the tlog-tiles definition, independent of src/tlog: hash i of tile (l, n) is
 * MTH(D[(n * 256 + i) * 256^l : (n * 256 + i + 1) * 256^l]), computed by the naive RFC reference.
 * It records what it was asked and refuses widths the tree of `size` does not have.
 */
function specTiles(ref: RefTree, size: number, log?: string[]): TileReader {
  return async (level, index, width) => {
    const span = 256 ** level;
    const full = Math.floor(size / (span * 256));
    const want = index < full ? 256 : index === full ? Math.floor(size / span) % 256 : 0;
    if (width !== want || width === 0) throw new Error(`tile ${level}/${index}.p/${width} does not exist at size ${size}`);
    log?.push(`${level}/${index}/${width}`);
    const out = new Uint8Array(width * 32);
    for (let i = 0; i < width; i++) out.set(ref.mth((index * 256 + i) * span, (index * 256 + i + 1) * span), i * 32);
    return out;
  };
}

const N = 70_000;
const leafHashes = Array.from({ length: N }, (_, i) => refLeaf(leafData(i)));
const ref = new RefTree((i) => leafHashes[i]!);
const refReader = (n: number): NodeReader => async (level, index) => {
  if ((index + 1) * 2 ** level > n) throw new Error(`node ${level}/${index} is outside the tree of ${n}`);
  return ref.mth(index * 2 ** level, (index + 1) * 2 ** level);
};

describe('tile paths (tlog-tiles)', () => {
  it('encodes indexes in 3-digit groups, x-prefixed but the last (the spec example)', () => {
    const v = c2sp().tiles.pathExample;
    expect(encodeTileIndex(v.index)).toBe(v.path);
    expect([0, 7, 999, 1000, 1_000_000].map(encodeTileIndex)).toEqual(['000', '007', '999', 'x001/000', 'x001/x000/000']);
    expect(tilePath({ level: 0, index: v.index, width: 256 })).toBe(`tile/0/${v.path}`);
    expect(tilePath({ level: 2, index: 3, width: 17 })).toBe('tile/2/003.p/17');
    expect(entryBundlePath(v.index, 5)).toBe(`tile/entries/${v.path}.p/5`);
  });

  it('parses exactly the canonical paths', () => {
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ kind: 'tile', level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('tile/63/000.p/255')).toEqual({ kind: 'tile', level: 63, index: 0, width: 255 });
    expect(parseTilePath('tile/entries/x001/000.p/1')).toEqual({ kind: 'entries', index: 1000, width: 1 });
    const bad = ['tile/00/000', 'tile/0/1', 'tile/0/0000', 'tile/0/x000/001', 'tile/0/001/x002', 'tile/0/001.p/0', 'tile/0/001.p/256',
      'tile/0/001.p/05', 'tile/64/000', 'tile/-1/000', 'tile/0/x001', '/tile/0/000', 'tile/0/000/', 'tile/data/000', 'tile/0/001.p/',
      'tile/0/x001/x002/x003/x004/x005/x006/007', 'tile/entries/000.p/256'];
    for (const p of bad) expect(codeOf(() => parseTilePath(p)), p).toBe('ERR_TILE_PATH_INVALID');
  });

  it('round-trips any tile and bundle coordinate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.maxSafeNat(), fc.integer({ min: 1, max: 256 }), (level, index, width) => {
        expect(parseTilePath(tilePath({ level, index, width }))).toEqual({ kind: 'tile', level, index, width });
        expect(parseTilePath(entryBundlePath(index, width))).toEqual({ kind: 'entries', index, width });
      }),
    );
  });
});

describe('tiles of a tree size', () => {
  it('matches the spec example of a tree of 70,000 leaves and of 256 leaves', () => {
    const v = c2sp().tiles.size70000;
    const t = tilesForSize(70_000);
    const count = (level: number, full: boolean): number => t.filter((x) => x.level === level && (x.width === 256) === full).length;
    expect([count(0, true), count(1, true), count(2, true)]).toEqual([v.fullLevel0, v.fullLevel1, 0]);
    expect(t.filter((x) => x.width < 256).map((x) => [x.level, x.width])).toEqual([[0, v.partialLevel0], [1, v.partialLevel1], [2, v.partialLevel2]]);
    expect(tilesForSize(256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
    expect(tilesForSize(0)).toEqual([]);
  });

  it('newTiles, applied step by step as a log grows, ends at the tiles of the final size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 12 }), (steps) => {
        const sizes = [0];
        for (const s of steps) sizes.push(sizes.at(-1)! + s);
        const have = new Map<string, number>();
        for (let i = 1; i < sizes.length; i++) {
          for (const t of newTiles(sizes[i - 1]!, sizes[i]!)) {
            expect(t.width).toBeGreaterThan(have.get(`${t.level}/${t.index}`) ?? 0);
            expect(t.width).toBe(tileWidth(t.level, t.index, sizes[i]!));
            have.set(`${t.level}/${t.index}`, t.width);
          }
        }
        const final = new Map(tilesForSize(sizes.at(-1)!).map((t) => [`${t.level}/${t.index}`, t.width]));
        expect(have).toEqual(final);
      }),
    );
    expect(codeOf(() => newTiles(5, 4))).toBe('ERR_TILE_COORDINATES');
  });
});

describe('proofs from tiles alone equal the RFC 9162 proofs of src/merkle', () => {
  it('every complete subtree of every tree size 1..300 and 508..516 reads from the tiles as its MTH, and so does the root', async () => {
    const sizes = [...Array.from({ length: 300 }, (_, i) => i + 1), ...Array.from({ length: 9 }, (_, i) => 508 + i)];
    for (const n of sizes) {
      const nodes = [];
      for (let level = 0; 2 ** level <= n; level++) for (let index = 0; (index + 1) * 2 ** level <= n; index++) nodes.push({ level, index });
      const read = specTiles(ref, n);
      const src = tileNodeSource(n, read);
      if (typeof src === 'function') throw new Error('expected a batch source');
      const got = await src.readNodes(nodes);
      const bad = nodes.filter((x, i) => toHex(got[i]!) !== toHex(ref.mth(x.index * 2 ** x.level, (x.index + 1) * 2 ** x.level)));
      expect(bad, `size ${n}`).toEqual([]);
      expect(toHex(await rootFromTiles(n, read))).toBe(toHex(ref.mth(0, n)));
    }
  });

  it('every inclusion and consistency proof of sizes around the tile edges', async () => {
    const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 255, 256, 257, 511, 512, 513];
    for (const n of sizes) {
      const src = tileNodeSource(n, specTiles(ref, n));
      const bad: string[] = [];
      for (let m = 0; m < n; m++) if (hex(await inclusionProof(m, n, src)).join() !== hex(ref.path(m, 0, n)).join()) bad.push(`path ${m}`);
      for (let m = 1; m <= n; m++) if (hex(await consistencyProof(m, n, src)).join() !== hex(ref.proof(m, n)).join()) bad.push(`proof ${m}`);
      expect(bad, `size ${n}`).toEqual([]);
    }
  });

  it('random sizes up to 70,000 (three tile levels): the same proofs as a storage reader, and they verify', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: N }), fc.nat(), fc.nat(), async (n, a, b) => {
        const m = a % n;
        const k = 1 + (b % n);
        const log: string[] = [];
        const read = specTiles(ref, n, log);
        const inc = await inclusionProofFromTiles(m, n, read);
        expect(hex(inc)).toEqual(hex(await inclusionProof(m, n, refReader(n))));
        const cons = await consistencyProofFromTiles(k, n, read);
        expect(hex(cons)).toEqual(hex(await consistencyProof(k, n, refReader(n))));
        const head = { size: n, root: ref.mth(0, n) };
        expect(await verifyInclusionFromTiles(leafHashes[m]!, m, head, read)).toBe(true);
        expect(await verifyConsistencyFromTiles({ size: k, root: ref.mth(0, k) }, head, read)).toBe(true);
        // A proof needs at most a couple of tiles per tile level.
        expect(new Set(log).size).toBeLessThanOrEqual(12);
      }),
      { numRuns: 150 },
    );
  });

  it('huge trees up to 2^53 - 1 (a tree of mostly equal leaves makes every tile hash cheap)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 0, max: 1, noNaN: true }), async (n, f) => {
        const m = Math.min(n - 1, Math.floor(f * n));
        const tree = new MarkedTree([m, Math.max(0, m - 300), n - 1]);
        const read: TileReader = async (level, index, width) => {
          expect(width).toBe(tileWidth(level, index, n));
          const out = new Uint8Array(width * 32);
          for (let i = 0; i < width; i++) out.set(tree.node(8 * level, index * 256 + i), i * 32);
          return out;
        };
        expect(hex(await inclusionProofFromTiles(m, n, read))).toEqual(hex(tree.ref.path(m, 0, n)));
        const k = Math.max(1, m);
        expect(hex(await consistencyProofFromTiles(k, n, read))).toEqual(hex(tree.ref.proof(k, n)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('tiles are checked, never trusted', () => {
  const n = 1000;
  const head = { size: n, root: ref.mth(0, n) };

  it('a tile with one wrong hash makes the proofs fail to verify', async () => {
    const honest = specTiles(ref, n);
    for (const target of ['0/2', '1/0']) {
      const lying: TileReader = async (l, i, w) => {
        const b = await honest(l, i, w);
        if (`${l}/${i}` === target) for (let j = 0; j < b.length; j += 32) b[j]! ^= 1; // every hash in the tile
        return b;
      };
      expect(await verifyInclusionFromTiles(leafHashes[600]!, 600, head, lying), target).toBe(false);
      expect(await verifyConsistencyFromTiles({ size: 700, root: ref.mth(0, 700) }, head, lying), target).toBe(false);
    }
    expect(await verifyInclusionFromTiles(leafHashes[601]!, 600, head, honest)).toBe(false);
  });

  it('a tile of the wrong length, or a node outside the tree, is an error', async () => {
    const short: TileReader = async (l, i, w) => (await specTiles(ref, n)(l, i, w)).subarray(32);
    expect(await codeOfAsync(() => inclusionProofFromTiles(5, n, short))).toBe('ERR_TILE_READER');
    const src = tileNodeSource(n, specTiles(ref, n));
    if (typeof src === 'function') throw new Error('expected a batch source');
    expect(await codeOfAsync(() => src.readNodes([{ level: 3, index: 125 }]))).toBe('ERR_TILE_COORDINATES');
    expect(toHex((await src.readNodes([{ level: 3, index: 124 }]))[0]!)).toBe(toHex(ref.mth(992, 1000)));
  });
});
