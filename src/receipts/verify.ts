import { AtlogError, isAtlogError } from '../errors.js';
import { VDP_CONSISTENCY, VDP_INCLUSION, VDS_RFC9162_SHA256 } from '../cose/labels.js';
import type { PublicKey } from '../keys/index.js';
import { leafHash, rootFromInclusionProof, verifyConsistency } from '../merkle/index.js';
import { assertBytes } from '../util/bytes.js';
import { newRootFromConsistencyProof } from './consistency-math.js';
import { candidateKeys, unverified, verifyWithAny } from './keys.js';
import { asIndex, decodeProof, hashPath, malformed, parseReceipt, proofsOfType, type ParsedReceipt } from './parse.js';
import type { ConsistencyVerification, ReceiptVerification } from './types.js';

/**
 * RFC 9942 receipt verification for vds 1 (RFC9162_SHA256). Checks run in this order, and the first failure
 * decides the error code (spec/receipts.md "Verification"): structure, vds (protected header only), proof type,
 * proof shape, index range, key, recomputed root under the signature.
 */

function requireVds1(r: ParsedReceipt): void {
  if (r.vds === undefined) throw malformed('no vds (395) in the protected header');
  if (r.vds !== VDS_RFC9162_SHA256) {
    throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_VDS', `vds ${r.vds} is not supported here (only 1, RFC9162_SHA256)`, { details: { vds: r.vds } });
  }
}

/** The single proof of `type`; receipts with none or with several are refused (spec/receipts.md). */
function singleProof(r: ParsedReceipt, type: number, name: string): unknown {
  const list = proofsOfType(r, type);
  if (list === undefined) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_PROOF', `receipt holds no ${name} proof (396 ${type})`);
  if (list.length !== 1) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_PROOF', `receipt holds ${list.length} ${name} proofs; atlog verifies exactly one`);
  return decodeProof(list[0]!, name);
}

export interface VerifyReceiptOptions {
  /** Merkle leaf data: the 32-byte entry hash (STANDARDS.md "Decision (leaf)"). */
  entryHash: Uint8Array;
  /** Trusted service keys. */
  keys: readonly PublicKey[];
}

/**
 * Verify an inclusion receipt for `entryHash`.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNSUPPORTED_VDS, ERR_RECEIPT_UNSUPPORTED_PROOF,
 *   ERR_RECEIPT_INDEX_OUT_OF_RANGE, ERR_RECEIPT_UNSUPPORTED_ALG, ERR_RECEIPT_UNKNOWN_KEY,
 *   ERR_RECEIPT_INCLUSION_INVALID (the recomputed root is not what the service signed: a wrong leaf, a
 *   tampered path and a bad signature are indistinguishable here, by design of detached payloads).
 */
export function verifyReceipt(receipt: Uint8Array, o: VerifyReceiptOptions): ReceiptVerification {
  assertBytes(o.entryHash, 32, 'entryHash');
  const r = parseReceipt(receipt);
  requireVds1(r);
  if (r.payload !== null) throw malformed('receipt payload must be nil (detached root)');
  const body = singleProof(r, VDP_INCLUSION, 'inclusion');
  if (!Array.isArray(body) || body.length !== 3) throw malformed('inclusion proof must be [tree_size, leaf_index, path]');
  const treeSize = asIndex(body[0]);
  const leafIndex = asIndex(body[1]);
  if (treeSize === undefined || leafIndex === undefined) throw malformed('tree_size and leaf_index must be unsigned integers');
  const path = hashPath(body[2], 'inclusion');
  if (leafIndex >= treeSize) {
    throw new AtlogError('ERR_RECEIPT_INDEX_OUT_OF_RANGE', `leaf_index ${leafIndex} >= tree_size ${treeSize}`, { details: { leafIndex, treeSize } });
  }
  const keys = candidateKeys(o.keys, r.alg, r.kid);
  if (r.treeSize !== undefined && r.treeSize !== treeSize) {
    throw new AtlogError('ERR_RECEIPT_INCLUSION_INVALID', `proof is for size ${treeSize} but the signed tree head is size ${r.treeSize}`);
  }
  let root: Uint8Array;
  try {
    root = rootFromInclusionProof(leafHash(o.entryHash), leafIndex, treeSize, path);
  } catch (e) {
    // a path of the wrong length for (index, size): it cannot lead to the signed root
    if (isAtlogError(e)) throw new AtlogError('ERR_RECEIPT_INCLUSION_INVALID', 'inclusion path does not fit the tree', { cause: e });
    throw e;
  }
  if (!verifyWithAny(keys.keys, r.protectedBytes, root, r.signature)) {
    throw unverified(keys, new AtlogError('ERR_RECEIPT_INCLUSION_INVALID', 'the recomputed root is not signed by a trusted service key'));
  }
  return { vds: 1, treeSize, leafIndex, root, kid: r.kid, alg: r.alg, issuer: r.issuer, iat: r.iat, timestamps: r.timestamps, signature: r.signature };
}

/**
 * Verify a consistency receipt from a tree with root `oldRoot` to the tree the receipt's signature covers.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNSUPPORTED_VDS, ERR_RECEIPT_UNSUPPORTED_PROOF,
 *   ERR_RECEIPT_UNKNOWN_KEY, ERR_RECEIPT_CONSISTENCY_INVALID (proof does not start at oldRoot, or the new root it
 *   leads to is not signed).
 */
export function verifyConsistencyReceipt(receipt: Uint8Array, o: { oldRoot: Uint8Array; keys: readonly PublicKey[] }): ConsistencyVerification {
  assertBytes(o.oldRoot, 32, 'oldRoot');
  const r = parseReceipt(receipt);
  requireVds1(r);
  if (r.payload !== null) throw malformed('receipt payload must be nil (detached root)');
  const body = singleProof(r, VDP_CONSISTENCY, 'consistency');
  if (!Array.isArray(body) || body.length !== 3) throw malformed('consistency proof must be [size1, size2, path]');
  const size1 = asIndex(body[0]);
  const size2 = asIndex(body[1]);
  if (size1 === undefined || size2 === undefined) throw malformed('size1 and size2 must be unsigned integers');
  const path = hashPath(body[2], 'consistency');
  // RFC 9162 2.1.4.2: no proof from the empty tree, and the old tree cannot be larger
  if (size1 === 0 || size1 > size2) throw malformed(`consistency sizes ${size1} -> ${size2} are not 0 < size1 <= size2`);
  const keys = candidateKeys(o.keys, r.alg, r.kid);
  if (r.treeSize !== undefined && r.treeSize !== size2) {
    throw new AtlogError('ERR_RECEIPT_CONSISTENCY_INVALID', `proof ends at size ${size2} but the signed tree head is size ${r.treeSize}`);
  }
  const newRoot = newRootFromConsistencyProof(size1, size2, path, o.oldRoot);
  // cross-check with src/merkle's independent implementation before trusting the recomputed root
  if (newRoot === undefined || !verifyConsistency(size1, size2, path, o.oldRoot, newRoot)) {
    throw new AtlogError('ERR_RECEIPT_CONSISTENCY_INVALID', `proof does not extend the old root of size ${size1}`);
  }
  if (!verifyWithAny(keys.keys, r.protectedBytes, newRoot, r.signature)) {
    throw unverified(keys, new AtlogError('ERR_RECEIPT_CONSISTENCY_INVALID', 'the new root the proof leads to is not signed by a trusted service key'));
  }
  return { size1, size2, oldRoot: o.oldRoot, newRoot, kid: r.kid, alg: r.alg, issuer: r.issuer, timestamps: r.timestamps, signature: r.signature };
}
