import { equalBytes } from '../util/bytes.js';
import { half, isPowerOfTwo, lsb } from './bits.js';
import { nodeHashUnchecked } from './hash.js';
import { assertConsistencySizes, assertHash, assertProof } from './validate.js';

/**
 * RFC 9162 2.1.4.2: true when `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of
 * the tree of `size2` leaves with root `root2`. Equal sizes need an empty proof and equal roots
 * (RFC 9162 2.1.4.1: PROOF(n, D[n]) is empty). A wrong path, length or root gives false.
 * @throws AtlogError on malformed input only: `ERR_MERKLE_BAD_HASH` (a hash not 32 bytes),
 *   `ERR_MERKLE_BAD_SIZE` (not a safe integer, or size1 > size2), `ERR_MERKLE_EMPTY_CONSISTENCY` (size1 = 0),
 *   `ERR_MERKLE_BAD_PROOF` (proof not an array).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  assertConsistencySizes(size1, size2);
  assertHash(root1, 'root1');
  assertHash(root2, 'root2');
  assertProof(proof, 'proof');
  if (size1 === size2) return proof.length === 0 && equalBytes(root1, root2);

  // Step 1: an empty consistency_path fails.
  if (proof.length === 0) return false;
  // Step 2: if first is an exact power of 2, prepend first_hash to the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3: fn = first - 1, sn = second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: if LSB(fn) is set, right-shift fn and sn equally until it is not.
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: fr = sr = the first value of the path.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6: for each subsequent value c.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    // 6a: if sn is 0, fail.
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      // 6b i: c is a left sibling of both paths.
      fr = nodeHashUnchecked(c, fr);
      sr = nodeHashUnchecked(c, sr);
      // 6b ii: skip levels with no sibling.
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // 6b otherwise: c is a right sibling that only the second tree has.
      sr = nodeHashUnchecked(sr, c);
    }
    // 6c: right-shift both once.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7: fr = first_hash, sr = second_hash, and sn = 0.
  return sn === 0 && equalBytes(fr, root1) && equalBytes(sr, root2);
}
