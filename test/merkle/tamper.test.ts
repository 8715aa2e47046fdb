import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, verifyConsistency, verifyInclusion } from '../../src/merkle/index.js';
import { RefTree, leafData, refLeaf } from './reference.js';

const N = 1000;
const leafHashes = Array.from({ length: N }, (_, i) => refLeaf(leafData(i, 3)));
const ref = new RefTree((i) => leafHashes[i]!);
const read = async (level: number, index: number): Promise<Uint8Array> => ref.mth(index * 2 ** level, (index + 1) * 2 ** level);

const flip = (h: Uint8Array, bit: number): Uint8Array => {
  const c = h.slice();
  c[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return c;
};

/** A size and an index below it, with a proof long enough to tamper with (n >= 2). */
const sizeAndIndex = fc.integer({ min: 2, max: N }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

describe('tampered inclusion proofs fail', () => {
  it('flipped bit in any path element, leaf or root', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(), fc.nat(255), async ([n, m], which, bit) => {
        const proof = await inclusionProof(m, n, read);
        const root = ref.mth(0, n);
        const leaf = leafHashes[m]!;
        const i = which % proof.length;
        const tampered = proof.map((p, j) => (j === i ? flip(p, bit) : p));
        expect(verifyInclusion(leaf, m, n, tampered, root)).toBe(false);
        expect(verifyInclusion(flip(leaf, bit), m, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, proof, flip(root, bit))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('wrong index, wrong size (path length differs), truncated, extended, reordered path', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.integer({ min: 1, max: N }), async ([n, m], delta) => {
        const proof = await inclusionProof(m, n, read);
        const root = ref.mth(0, n);
        const leaf = leafHashes[m]!;
        const otherIndex = (m + delta) % n;
        if (otherIndex !== m) expect(verifyInclusion(leaf, otherIndex, n, proof, root)).toBe(false);
        // A wrong tree size is not always caught by the path alone (leaf 0 of 33 and of 34 share a path);
        // the size is bound by the signed tree head, so it is only checked where the path length differs.
        const otherSize = ((n - 1 + delta) % N) + 1;
        const pathLength = (await inclusionProof(Math.min(m, otherSize - 1), otherSize, read)).length;
        if (otherSize > m && pathLength !== proof.length) expect(verifyInclusion(leaf, m, otherSize, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaf, m, n, [...proof, root], root)).toBe(false);
        if (proof.length > 1) expect(verifyInclusion(leaf, m, n, [...proof].reverse(), root)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

describe('tampered consistency proofs fail', () => {
  const pair = fc.integer({ min: 2, max: N }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n)));

  it('flipped bit in any element or either root, swapped roots, truncated or extended path', async () => {
    await fc.assert(
      fc.asyncProperty(pair, fc.nat(), fc.nat(255), async ([m, n], which, bit) => {
        const proof = await consistencyProof(m, n, read);
        const r1 = ref.mth(0, m);
        const r2 = ref.mth(0, n);
        expect(verifyConsistency(m, n, proof, r1, r2)).toBe(true);
        const i = which % proof.length;
        expect(verifyConsistency(m, n, proof.map((p, j) => (j === i ? flip(p, bit) : p)), r1, r2)).toBe(false);
        expect(verifyConsistency(m, n, proof, flip(r1, bit), r2)).toBe(false);
        expect(verifyConsistency(m, n, proof, r1, flip(r2, bit))).toBe(false);
        expect(verifyConsistency(m, n, proof, r2, r1)).toBe(false);
        expect(verifyConsistency(m, n, proof.slice(0, -1), r1, r2)).toBe(false);
        expect(verifyConsistency(m, n, [...proof, r2], r1, r2)).toBe(false);
        expect(verifyConsistency(m, n, [], r1, r2)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('a proof for other sizes does not verify', async () => {
    await fc.assert(
      fc.asyncProperty(pair, fc.integer({ min: 1, max: N - 1 }), async ([m, n], d) => {
        const proof = await consistencyProof(m, n, read);
        const m2 = ((m - 1 + d) % (n - 1)) + 1;
        if (m2 === m) return;
        // The right roots for the claimed sizes, the wrong proof.
        expect(verifyConsistency(m2, n, proof, ref.mth(0, m2), ref.mth(0, n))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
