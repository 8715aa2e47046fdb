/** RFC 9162 Merkle tree math: pure, no I/O. See spec/hashing.md. */
export { HASH_SIZE } from './validate.js';
export { leafHash, nodeHash, emptyRoot } from './hash.js';
export { rootFromLeafHashes } from './root.js';
export { rootFromInclusionProof, verifyInclusion } from './inclusion.js';
export { verifyConsistency } from './consistency.js';
export { type NodeId, type LeafRange, rangeNodes } from './range.js';
export {
  type NodeReader,
  type NodeBatchReader,
  type NodeSource,
  inclusionProof,
  inclusionProofs,
  consistencyProof,
  rootAt,
  inclusionProofRanges,
  consistencyProofRanges,
} from './proofs.js';
