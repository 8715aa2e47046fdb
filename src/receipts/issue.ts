import { AtlogError } from '../errors.js';
import { cborEncode, Tag } from '../cose/cbor.js';
import { COSE_SIGN1_TAG, HEADER_VDP, VDP_CONSISTENCY, VDP_INCLUSION } from '../cose/labels.js';
import { assertBytes } from '../util/bytes.js';
import { asIndex } from './parse.js';
import { timestampHeader } from './tree-head.js';
import type { SignedTreeHead } from './types.js';

/**
 * Receipt issuance (RFC 9942 section 5): a receipt is the checkpoint's protected header and signature plus one
 * entry's proof in the unprotected header, payload nil. No signing happens here.
 */

function checkPath(proof: readonly Uint8Array[]): Uint8Array[] {
  if (!Array.isArray(proof)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'proof must be an array of hashes');
  proof.forEach((h, i) => assertBytes(h, 32, `proof[${i}]`));
  return [...proof];
}

function receipt(sth: SignedTreeHead, type: number, proofBody: unknown[], timestamps: Uint8Array[] | undefined): Uint8Array {
  const u = timestampHeader(timestamps);
  u.set(HEADER_VDP, new Map([[type, [cborEncode(proofBody)]]]));
  return cborEncode(new Tag([sth.protectedBytes, u, null, sth.signature], COSE_SIGN1_TAG));
}

/**
 * An inclusion receipt: unprotected `{396: {-1: [bstr .cbor [tree_size, leaf_index, [path...]]]}, 270?: token}`.
 * A 1-leaf tree has an empty path, emitted as `[]` (spec/receipts.md).
 * @throws AtlogError ERR_INVALID_ARGUMENT when leafIndex is not below the tree size or a hash is not 32 bytes.
 */
export function issueInclusionReceipt(sth: SignedTreeHead, leafIndex: number, proof: readonly Uint8Array[], o: { timestamps?: Uint8Array[] } = {}): Uint8Array {
  const i = asIndex(leafIndex);
  if (i === undefined || i >= sth.treeSize) throw new AtlogError('ERR_INVALID_ARGUMENT', `leafIndex ${leafIndex} not below tree size ${sth.treeSize}`);
  return receipt(sth, VDP_INCLUSION, [sth.treeSize, i, checkPath(proof)], o.timestamps);
}

/**
 * A consistency receipt signed by the newer tree head: `{396: {-2: [bstr .cbor [size1, size2, [path...]]]}}`.
 * @throws AtlogError ERR_INVALID_ARGUMENT unless 0 < size1 <= sth2.treeSize.
 */
export function issueConsistencyReceipt(sth2: SignedTreeHead, size1: number, proof: readonly Uint8Array[], o: { timestamps?: Uint8Array[] } = {}): Uint8Array {
  const s1 = asIndex(size1);
  if (s1 === undefined || s1 === 0 || s1 > sth2.treeSize) throw new AtlogError('ERR_INVALID_ARGUMENT', `size1 ${size1} must be in 1..${sth2.treeSize}`);
  return receipt(sth2, VDP_CONSISTENCY, [s1, sth2.treeSize, checkPath(proof)], o.timestamps);
}
