import { emptyRoot, nodeHashUnchecked } from './hash.js';
import { foldRange } from './range.js';
import { assertHash } from './validate.js';

/**
 * RFC 9162 2.1.1 MTH over already hashed leaves, in O(n) time and O(log n) memory: a stack of the
 * right-edge complete subtrees (the frontier), merged as each leaf arrives, then right-folded.
 * The empty list gives `emptyRoot()`.
 * @throws AtlogError `ERR_MERKLE_BAD_HASH` when a leaf hash is not 32 bytes.
 */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  const frontier: Uint8Array[] = [];
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    assertHash(h, `hashes[${i}]`);
    let x = h;
    // Each trailing 1 bit of i is a complete left sibling waiting on the stack.
    for (let j = i; j % 2 === 1; j = (j - 1) / 2) x = nodeHashUnchecked(frontier.pop()!, x);
    frontier.push(x);
  }
  return foldRange(frontier, nodeHashUnchecked);
}
