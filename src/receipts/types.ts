/**
 * Shared types and header labels of atlog's RFC 9942 receipts and signed tree heads (spec/receipts.md).
 */

/** The tree-size label of signed tree heads; defined with the other wire labels in cose/labels.ts. */
export { HEADER_TREE_SIZE } from '../cose/labels.js';

/** The service's signature over one tree head: what every receipt of that checkpoint carries. */
export interface SignedTreeHead {
  /** Number of leaves covered. */
  treeSize: number;
  /** RFC 9162 Merkle tree head (32 bytes): the detached payload. */
  root: Uint8Array;
  /** Serialized protected header exactly as signed. */
  protectedBytes: Uint8Array;
  /** COSE signature over Sig_structure(protectedBytes, root). */
  signature: Uint8Array;
  /** COSE algorithm id in the protected header. */
  alg: number;
  /** kid in the protected header (RFC 9679 thumbprint of the service key). */
  kid: Uint8Array;
}

/** A tree head as read back from bytes: the root is present only when the payload was attached. */
export interface DecodedTreeHead {
  treeSize: number;
  root: Uint8Array | undefined;
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  signature: Uint8Array;
  alg: number;
  kid: Uint8Array | undefined;
  issuer: string | undefined;
  iat: number | undefined;
  /** RFC 3161 tokens found under label 270 (RFC 9921 3161-ctt), in order. */
  timestamps: Uint8Array[];
}

/** The outcome of a successful inclusion receipt verification. */
export interface ReceiptVerification {
  /** 1 (RFC9162_SHA256) or 2 (CCF_LEDGER_SHA256). */
  vds: number;
  /** Tree size and leaf index of the proof; NaN for vds 2 (CCF proofs carry neither). */
  treeSize: number;
  leafIndex: number;
  /** The root the service signed (recomputed from leaf and path, then checked by the signature). */
  root: Uint8Array;
  kid: Uint8Array | undefined;
  alg: number;
  issuer: string | undefined;
  iat: number | undefined;
  /** RFC 3161 tokens under label 270 (not verified here; see src/verify). */
  timestamps: Uint8Array[];
  /** The raw COSE signature of the tree head (what a 3161-ctt token covers). */
  signature: Uint8Array;
}

/** The outcome of a successful consistency receipt verification. */
export interface ConsistencyVerification {
  size1: number;
  size2: number;
  oldRoot: Uint8Array;
  /** Root of the newer tree, recomputed from the old root and the proof, then checked by the signature. */
  newRoot: Uint8Array;
  kid: Uint8Array | undefined;
  alg: number;
  issuer: string | undefined;
  timestamps: Uint8Array[];
  signature: Uint8Array;
}
