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

/** Bytes of the shortest CBOR head (RFC 8949 section 3, deterministic per 4.2.1) with this major type. */
function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1_0000_0000 ? 5 : 9;
}

/** Writes the shortest head of major type `major` and argument `n` (an integer below 2^53) at `at`. */
function writeHead(out: Uint8Array, at: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    out[at] = m | n;
    return at + 1;
  }
  const size = headSize(n) - 1;
  out[at] = m | (size === 1 ? 24 : size === 2 ? 25 : size === 4 ? 26 : 27);
  for (let k = size, v = n; k >= 1; k--) {
    out[at + k] = v % 256;
    v = Math.floor(v / 256);
  }
  return at + 1 + size;
}

/**
 * `bstr .cbor [a, b, [path...]]`, the proof item of a receipt (both proof kinds have this shape), written
 * directly: the same bytes as cborEncode (deterministic, shortest heads), several times faster, which
 * matters when every entry of a large batch gets its own receipt.
 */
function proofItem(a: number, b: number, path: readonly Uint8Array[]): Uint8Array {
  let inner = 1 + headSize(a) + headSize(b) + headSize(path.length);
  for (const h of path) inner += headSize(h.length) + h.length;
  const out = new Uint8Array(headSize(inner) + inner);
  let at = writeHead(out, 0, 2, inner);
  at = writeHead(out, at, 4, 3);
  at = writeHead(out, at, 0, a);
  at = writeHead(out, at, 0, b);
  at = writeHead(out, at, 4, path.length);
  for (const h of path) {
    at = writeHead(out, at, 2, h.length);
    out.set(h, at);
    at += h.length;
  }
  return out;
}

/**
 * Inclusion receipts for many entries of one signed tree head: the same bytes as issueInclusionReceipt, but
 * the parts shared by the batch (protected header, timestamp tokens, signature) are encoded once, and each
 * receipt only encodes its proof and splices it in. The deterministic encoding puts the VDP header (396)
 * last in the unprotected map, so the proof is the last item before `null, signature`.
 * @returns a function (leafIndex, proof) => receipt, throwing like issueInclusionReceipt.
 */
export function inclusionReceiptIssuer(sth: SignedTreeHead, o: { timestamps?: Uint8Array[] } = {}): (leafIndex: number, proof: readonly Uint8Array[]) => Uint8Array {
  const u = timestampHeader(o.timestamps);
  u.set(HEADER_VDP, new Map([[VDP_INCLUSION, [new Uint8Array(0)]]]));
  const template = cborEncode(new Tag([sth.protectedBytes, u, null, sth.signature], COSE_SIGN1_TAG));
  // The placeholder (an empty bstr, 0x40) sits right before `null` (0xf6) and the signature's bstr.
  const at = template.length - cborEncode(sth.signature).length - 2;
  if (template[at] !== 0x40 || template[at + 1] !== 0xf6) throw new AtlogError('ERR_INTERNAL', 'receipt template has an unexpected layout');
  const head = template.subarray(0, at);
  const tail = template.subarray(at + 1);
  return (leafIndex, proof) => {
    const i = asIndex(leafIndex);
    if (i === undefined || i >= sth.treeSize) throw new AtlogError('ERR_INVALID_ARGUMENT', `leafIndex ${leafIndex} not below tree size ${sth.treeSize}`);
    const item = proofItem(sth.treeSize, i, checkPath(proof));
    const out = new Uint8Array(head.length + item.length + tail.length);
    out.set(head, 0);
    out.set(item, head.length);
    out.set(tail, head.length + item.length);
    return out;
  };
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
