import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NodeReader,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  inclusionProofs,
  leafHash,
  nodeHash,
  rootAt,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { toHex } from '../../src/util/bytes.js';
import { MarkedTree, RefTree, leafData, refLeaf, refNode, sha } from './reference.js';

const hex = (hs: readonly Uint8Array[]): string[] => hs.map(toHex);
/** Cheap equality of two hash lists (used in the all-pairs loops). */
const same = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean => Buffer.concat(a).equals(Buffer.concat(b));
const MAX = 300;
const data = Array.from({ length: MAX }, (_, i) => leafData(i));
const leafHashes = data.map(refLeaf);
const ref = new RefTree((i) => leafHashes[i]!);

/** A reader over the first `n` leaves that refuses any node that is not a complete subtree of that tree. */
function readerFor(n: number, node: (l: number, i: number) => Uint8Array, log?: string[]): NodeReader {
  return async (level, index) => {
    const width = 2 ** level;
    if (!Number.isSafeInteger(index) || index < 0 || (index + 1) * width > n) {
      throw new Error(`asked for ${level}/${index}, not a complete subtree of size ${n}`);
    }
    log?.push(`${level}/${index}`);
    return node(level, index);
  };
}
const smallNode = (level: number, index: number): Uint8Array => ref.mth(index * 2 ** level, (index + 1) * 2 ** level);

describe('hashing (RFC 9162 2.1.1)', () => {
  it('matches the reference leaf, node and empty hashes', () => {
    expect(toHex(leafHash(data[3]!))).toBe(toHex(refLeaf(data[3]!)));
    expect(toHex(nodeHash(leafHashes[0]!, leafHashes[1]!))).toBe(toHex(refNode(leafHashes[0]!, leafHashes[1]!)));
    expect(toHex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(emptyRoot())).toBe(toHex(sha()));
    expect(toHex(rootFromLeafHashes([]))).toBe(toHex(sha()));
  });
});

describe('every size 1..300 against the naive RFC reference', () => {
  it('roots: rootFromLeafHashes and rootAt equal MTH', async () => {
    for (let n = 1; n <= MAX; n++) {
      const want = toHex(ref.mth(0, n));
      expect(toHex(rootFromLeafHashes(leafHashes.slice(0, n)))).toBe(want);
      expect(toHex(await rootAt(n, readerFor(n, smallNode)))).toBe(want);
    }
    expect(toHex(await rootAt(0, readerFor(0, smallNode)))).toBe(toHex(sha()));
  });

  it('inclusion: every leaf of every size equals PATH and verifies', async () => {
    for (let n = 1; n <= MAX; n++) {
      const root = ref.mth(0, n);
      const read = readerFor(n, smallNode);
      const bad: number[] = [];
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(m, n, read);
        const ok = same(proof, ref.path(m, 0, n))
          && verifyInclusion(leafHashes[m]!, m, n, proof, root)
          && (m % 17 !== 0 || toHex(rootFromInclusionProof(leafHashes[m]!, m, n, proof)) === toHex(root));
        if (!ok) bad.push(m);
      }
      expect(bad, `size ${n}`).toEqual([]);
    }
  });

  it('consistency: every pair of sizes equals PROOF and verifies', async () => {
    for (let n = 1; n <= MAX; n++) {
      const root2 = ref.mth(0, n);
      const read = readerFor(n, smallNode);
      const bad: number[] = [];
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(m, n, read);
        const ok = same(proof, ref.proof(m, n)) && verifyConsistency(m, n, proof, ref.mth(0, m), root2);
        if (!ok) bad.push(m);
      }
      expect(bad, `size ${n}`).toEqual([]);
    }
  });

  it('inclusionProofs equals one inclusionProof per leaf', async () => {
    for (const n of [1, 2, 7, 64, 257, 300]) {
      const idx = Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 === 0 || i === n - 1);
      const many = await inclusionProofs(idx, n, readerFor(n, smallNode));
      expect(many.map(hex)).toEqual(idx.map((m) => hex(ref.path(m, 0, n))));
    }
  });

  it('reads at most 2 * log2(n) + 2 nodes per inclusion proof', async () => {
    for (const n of [1, 2, 3, 255, 256, 257, 300]) {
      for (let m = 0; m < n; m += 7) {
        const log: string[] = [];
        await inclusionProof(m, n, readerFor(n, smallNode, log));
        expect(log.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 2);
      }
    }
  });
});

describe('random large trees (fast-check, sizes up to 2^53 - 1)', () => {
  const sizes = fc.oneof(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));

  it('inclusion proofs equal PATH and verify; batched reader gives the same', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.nat(), { maxLength: 3 }), async (n, f, extra) => {
        const m = Math.min(n - 1, Math.floor(f * n));
        const tree = new MarkedTree([m, ...extra.map((x) => x % n)]);
        const read = readerFor(n, (l, i) => tree.node(l, i));
        const proof = await inclusionProof(m, n, read);
        expect(hex(proof)).toEqual(hex(tree.ref.path(m, 0, n)));
        const root = await rootAt(n, { readNodes: async (ids) => Promise.all(ids.map((id) => read(id.level, id.index))) });
        expect(toHex(root)).toBe(toHex(tree.ref.mth(0, n)));
        expect(verifyInclusion(tree.leaf(m), m, n, proof, root)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('consistency proofs equal PROOF and verify', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), async (n, f, x) => {
        const m = Math.max(1, Math.ceil(f * n));
        const tree = new MarkedTree([m - 1, x % n]);
        const read = readerFor(n, (l, i) => tree.node(l, i));
        const proof = await consistencyProof(m, n, read);
        expect(hex(proof)).toEqual(hex(tree.ref.proof(m, n)));
        expect(verifyConsistency(m, n, proof, tree.ref.mth(0, m), tree.ref.mth(0, n))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
