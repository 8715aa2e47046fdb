import { splitPoint } from './bits.js';

/**
 * A complete subtree: the node at `level` covering leaves [index * 2^level, (index + 1) * 2^level).
 * Level 0 nodes are leaf hashes.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A half-open leaf range [begin, end) whose RFC 9162 MTH is one proof element or a root. */
export type LeafRange = readonly [begin: number, end: number];

/**
 * Split the leaf range [begin, end) into complete subtrees, left to right, largest first.
 *
 * Every range that RFC 9162 2.1.1 hashes as a subtree (a root or a proof element) starts at a multiple of
 * the power of two just above its length, so this decomposition is exactly the chain of left children MTH
 * takes, and the range's MTH is the right fold `nodeHash(n0, nodeHash(n1, ...))` of these nodes.
 * The caller guarantees 0 <= begin < end <= 2^53 - 1.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let lo = begin;
  while (lo < end) {
    const n = end - lo;
    // Largest power of two <= n, restricted by the alignment of lo.
    let size = n === 1 ? 1 : splitPoint(n + 1);
    while (lo % size !== 0) size /= 2;
    let level = 0;
    for (let s = size; s > 1; s /= 2) level++;
    out.push({ level, index: lo / size });
    lo += size;
  }
  return out;
}

/**
 * Combine the complete-subtree hashes of one range, given left to right, into the range's MTH:
 * the right fold of RFC 9162 2.1.1 (the rightmost, smallest subtrees are joined first).
 */
export function foldRange(hashes: readonly Uint8Array[], node: (l: Uint8Array, r: Uint8Array) => Uint8Array): Uint8Array {
  let r = hashes[hashes.length - 1];
  if (r === undefined) throw new RangeError('foldRange needs at least one hash');
  for (let i = hashes.length - 2; i >= 0; i--) r = node(hashes[i]!, r);
  return r;
}
