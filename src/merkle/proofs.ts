import { AtlogError } from '../errors.js';
import { splitPoint } from './bits.js';
import { emptyRoot, nodeHashUnchecked } from './hash.js';
import { type LeafRange, type NodeId, foldRange, rangeNodes } from './range.js';
import { assertConsistencySizes, assertHash, assertLeafIndex, assertSize } from './validate.js';

/**
 * Reads the hash of one complete subtree: leaves [index * 2^level, (index + 1) * 2^level).
 * Storage is injected; this module never sees a database.
 */
export type NodeReader = (level: number, index: number) => Promise<Uint8Array>;

/** Reads many complete-subtree hashes at once, in the order asked (lets storage batch its reads). */
export type NodeBatchReader = (nodes: readonly NodeId[]) => Promise<Uint8Array[]>;

/** Either a one-node reader or a batch reader wrapped as `{ readNodes }`. */
export type NodeSource = NodeReader | { readonly readNodes: NodeBatchReader };

/**
 * RFC 9162 2.1.3.1 PATH(m, D[n]) as leaf ranges, leaf side first: each range's MTH is one path element.
 * @throws AtlogError as `assertLeafIndex`.
 */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  assertLeafIndex(leafIndex, treeSize);
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]).
    if (leafIndex < lo + k) {
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      topDown.push([lo, lo + k]);
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, in proof order.
 * @throws AtlogError as `assertConsistencySizes`.
 */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  assertConsistencySizes(size1, size2);
  const topDown: LeafRange[] = [];
  let lo = 0;
  let hi = size2;
  let complete = true; // the flag b of SUBPROOF
  for (;;) {
    if (size1 === hi) {
      // SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}.
      if (!complete) topDown.push([lo, hi]);
      break;
    }
    const k = splitPoint(hi - lo);
    if (size1 <= lo + k) {
      // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      topDown.push([lo + k, hi]);
      hi = lo + k;
    } else {
      // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      topDown.push([lo, lo + k]);
      lo += k;
      complete = false;
    }
  }
  return topDown.reverse();
}

function batchOf(source: NodeSource): NodeBatchReader {
  if (typeof source === 'function') return (nodes) => Promise.all(nodes.map((n) => source(n.level, n.index)));
  return source.readNodes;
}

/** Read every node the ranges need in one batch and fold each range into its MTH. */
async function hashRanges(ranges: readonly LeafRange[], source: NodeSource): Promise<Uint8Array[]> {
  const perRange = ranges.map(([b, e]) => rangeNodes(b, e));
  const all = perRange.flat();
  const hashes = all.length === 0 ? [] : await batchOf(source)(all);
  if (hashes.length !== all.length) {
    throw new AtlogError('ERR_MERKLE_READER', `node reader returned ${hashes.length} hashes for ${all.length} nodes`);
  }
  hashes.forEach((h, i) => assertHash(h, `node ${all[i]!.level}/${all[i]!.index}`));
  let at = 0;
  return perRange.map((nodes) => {
    const slice = hashes.slice(at, at + nodes.length);
    at += nodes.length;
    return foldRange(slice, nodeHashUnchecked);
  });
}

/**
 * RFC 9162 2.1.3.1: the inclusion path of leaf `leafIndex` in the tree of `treeSize` leaves.
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE`, `ERR_MERKLE_INDEX_OUT_OF_RANGE`; `ERR_MERKLE_BAD_HASH` or
 *   `ERR_MERKLE_READER` when the reader returns bad data; whatever the reader throws.
 */
export async function inclusionProof(leafIndex: number, treeSize: number, read: NodeSource): Promise<Uint8Array[]> {
  return hashRanges(inclusionProofRanges(leafIndex, treeSize), read);
}

/**
 * RFC 9162 2.1.3.1 inclusion paths of many leaves of one tree, with a single batched read: the nodes the paths
 * share (the right edge, the upper levels) are asked for in one call, which a batch reader can serve once.
 * @throws AtlogError as `inclusionProof`, for the first bad index.
 */
export async function inclusionProofs(leafIndexes: readonly number[], treeSize: number, read: NodeSource): Promise<Uint8Array[][]> {
  const perLeaf = leafIndexes.map((i) => inclusionProofRanges(i, treeSize));
  const flat = await hashRanges(perLeaf.flat(), read);
  let at = 0;
  return perLeaf.map((ranges) => flat.slice(at, (at += ranges.length)));
}

/**
 * RFC 9162 2.1.4.1: the consistency proof from `size1` to `size2` (empty when they are equal).
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE`, `ERR_MERKLE_EMPTY_CONSISTENCY`; reader errors as `inclusionProof`.
 */
export async function consistencyProof(size1: number, size2: number, read: NodeSource): Promise<Uint8Array[]> {
  return hashRanges(consistencyProofRanges(size1, size2), read);
}

/**
 * RFC 9162 2.1.1: MTH of the first `treeSize` leaves, from at most log2(treeSize) + 1 complete subtrees.
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE`; reader errors as `inclusionProof`.
 */
export async function rootAt(treeSize: number, read: NodeSource): Promise<Uint8Array> {
  assertSize(treeSize, 'treeSize');
  if (treeSize === 0) return emptyRoot();
  const [root] = await hashRanges([[0, treeSize]], read);
  return root!;
}
