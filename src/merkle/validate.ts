import { AtlogError } from '../errors.js';

/** Size in bytes of every hash in an RFC 9162 SHA-256 tree. */
export const HASH_SIZE = 32;

/**
 * Check that `x` is a 32-byte hash, naming the field in the error.
 * @throws AtlogError `ERR_MERKLE_BAD_HASH` when it is not bytes or not 32 bytes long (STANDARDS.md).
 */
export function assertHash(x: unknown, name: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new AtlogError('ERR_MERKLE_BAD_HASH', `${name} must be bytes`);
  if (x.length !== HASH_SIZE) {
    throw new AtlogError('ERR_MERKLE_BAD_HASH', `${name} must be ${HASH_SIZE} bytes, got ${x.length}`);
  }
}

/**
 * Check that `n` is a tree size or index: a non-negative safe integer (sizes are hostile input).
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE` otherwise.
 */
export function assertSize(n: unknown, name: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new AtlogError('ERR_MERKLE_BAD_SIZE', `${name} must be a non-negative safe integer, got ${String(n)}`);
  }
}

/**
 * Check that `proof` is an array of 32-byte hashes.
 * @throws AtlogError `ERR_MERKLE_BAD_PROOF` when it is not an array, `ERR_MERKLE_BAD_HASH` for a bad element.
 */
export function assertProof(proof: unknown, name: string): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw new AtlogError('ERR_MERKLE_BAD_PROOF', `${name} must be an array of hashes`);
  for (let i = 0; i < proof.length; i++) assertHash(proof[i], `${name}[${i}]`);
}

/**
 * Check `leafIndex < treeSize` (RFC 9162 2.1.3.2 step 1 and RFC 9942: reject leaf_index >= tree_size).
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE` for a non-integer, `ERR_MERKLE_INDEX_OUT_OF_RANGE` when out of range.
 */
export function assertLeafIndex(leafIndex: unknown, treeSize: unknown): asserts leafIndex is number {
  assertSize(leafIndex, 'leafIndex');
  assertSize(treeSize, 'treeSize');
  if (leafIndex >= treeSize) {
    throw new AtlogError('ERR_MERKLE_INDEX_OUT_OF_RANGE', `leafIndex ${leafIndex} is not below treeSize ${treeSize}`);
  }
}

/**
 * Check `0 < size1 <= size2` for a consistency proof. A proof from the empty tree proves nothing
 * (STANDARDS.md: reject consistency proofs from size 0).
 * @throws AtlogError `ERR_MERKLE_BAD_SIZE` for bad integers or size1 > size2, `ERR_MERKLE_EMPTY_CONSISTENCY` for size1 = 0.
 */
export function assertConsistencySizes(size1: unknown, size2: unknown): asserts size1 is number {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 === 0) throw new AtlogError('ERR_MERKLE_EMPTY_CONSISTENCY', 'a consistency proof from size 0 proves nothing');
  if (size1 > (size2 as number)) {
    throw new AtlogError('ERR_MERKLE_BAD_SIZE', `size1 ${size1} is greater than size2 ${String(size2)}`);
  }
}
