import { AtlogError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { half, lsb } from './bits.js';
import { nodeHashUnchecked } from './hash.js';
import { assertHash, assertLeafIndex, assertProof } from './validate.js';

/**
 * RFC 9162 2.1.3.2 steps 2-3, returning the computed root, or undefined when the path has the wrong length
 * for (leafIndex, treeSize). Inputs are already validated.
 */
function computeRoot(leaf: Uint8Array, leafIndex: number, treeSize: number, proof: readonly Uint8Array[]): Uint8Array | undefined {
  // Step 2: fn = leaf_index, sn = tree_size - 1, r = hash.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  // Step 3: for each value p in the inclusion_path array:
  for (const p of proof) {
    // 3a: if sn is 0, stop the iteration and fail the proof verification.
    if (sn === 0) return undefined;
    if (lsb(fn) || fn === sn) {
      // 3b: p is a left sibling.
      r = nodeHashUnchecked(p, r);
      // Skip the levels where this node is the right-edge only child (no sibling).
      while (!lsb(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // 3b otherwise: p is a right sibling.
      r = nodeHashUnchecked(r, p);
    }
    // 3c: right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // Step 4 (first half): sn must be 0, else the path was too short.
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 2.1.3.2: the root implied by a leaf hash and its inclusion path.
 * @throws AtlogError `ERR_MERKLE_BAD_HASH` (hash not 32 bytes), `ERR_MERKLE_BAD_SIZE` (not a safe integer),
 *   `ERR_MERKLE_INDEX_OUT_OF_RANGE` (leafIndex >= treeSize), `ERR_MERKLE_BAD_PROOF` (path length does not fit
 *   the tree: no root can be computed).
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  assertHash(leafHash, 'leafHash');
  assertLeafIndex(leafIndex, treeSize);
  assertProof(proof, 'proof');
  const r = computeRoot(leafHash, leafIndex, treeSize, proof);
  if (r === undefined) {
    throw new AtlogError('ERR_MERKLE_BAD_PROOF', `inclusion path of ${proof.length} hashes does not fit leaf ${leafIndex} of ${treeSize}`);
  }
  return r;
}

/**
 * RFC 9162 2.1.3.2: true when `proof` proves that `leafHash` is leaf `leafIndex` of the tree of `treeSize`
 * leaves with root `root`. A wrong path, wrong length or wrong root gives false.
 * @throws AtlogError on malformed input only: `ERR_MERKLE_BAD_HASH`, `ERR_MERKLE_BAD_SIZE`,
 *   `ERR_MERKLE_INDEX_OUT_OF_RANGE`, `ERR_MERKLE_BAD_PROOF` (proof not an array).
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  assertHash(leafHash, 'leafHash');
  assertHash(root, 'root');
  assertLeafIndex(leafIndex, treeSize);
  assertProof(proof, 'proof');
  const r = computeRoot(leafHash, leafIndex, treeSize, proof);
  // Step 4: compare r against the root.
  return r !== undefined && equalBytes(r, root);
}
