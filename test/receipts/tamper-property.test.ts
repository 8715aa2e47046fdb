import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/index.js';
import { issueInclusionReceipt, signTreeHead, verifyReceipt } from '../../src/receipts/index.js';
import { entries, MemoryTree } from './helpers.js';

/**
 * Properties: every leaf of every tree verifies; no single-byte change anywhere in a receipt verifies, and
 * every refusal is a coded AtlogError (never a stray TypeError), whatever the byte hits.
 */
describe('receipt properties', () => {
  const key = generateKey('ES256');
  const es = entries(40, 'prop');
  const t = new MemoryTree(es);
  const heads = new Map<number, ReturnType<typeof signTreeHead>>();
  const head = (n: number) => {
    if (!heads.has(n)) heads.set(n, signTreeHead({ key, issuer: 'https://log.example', treeSize: n, root: t.rootAt(n) }));
    return heads.get(n)!;
  };

  it('any leaf of any tree size verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))), async ([n, i]) => {
        const r = issueInclusionReceipt(head(n), i, await t.inclusion(i, n));
        const v = verifyReceipt(r, { entryHash: es[i]!, keys: [key.publicKey] });
        expect([v.treeSize, v.leafIndex]).toEqual([n, i]);
      }),
      { numRuns: 100 },
    );
  });

  it('no single-byte change of a receipt verifies, and every refusal is coded', async () => {
    const r = issueInclusionReceipt(head(37), 21, await t.inclusion(21, 37));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: r.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = new Uint8Array(r);
        bad[at] = bad[at]! ^ x;
        try {
          verifyReceipt(bad, { entryHash: es[21]!, keys: [key.publicKey] });
        } catch (e) {
          expect(isAtlogError(e)).toBe(true);
          return;
        }
        throw new Error(`byte ${at} ^ ${x} still verifies`);
      }),
      { numRuns: 400 },
    );
  });
});
