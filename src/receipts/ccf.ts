import { AtlogError } from '../errors.js';
import { VDP_INCLUSION, VDS_CCF_LEDGER_SHA256 } from '../cose/labels.js';
import { sha256 } from '../crypto/sha256.js';
import type { PublicKey } from '../keys/index.js';
import { assertBytes, concatBytes, equalBytes, toHex } from '../util/bytes.js';
import { candidateKeys, verifyWithAny } from './keys.js';
import { decodeProof, malformed, parseReceipt, proofsOfType } from './parse.js';
import type { ReceiptVerification } from './types.js';

/**
 * The CCF profile, vds 2 (CCF_LEDGER_SHA256; draft-ietf-scitt-receipts-ccf-profile, section "Inclusion proof"):
 * proof = { 1: leaf [internal_transaction_hash, internal_evidence, data_hash], 2: path [[left: bool, hash]] }.
 * The leaf is SHA-256(internal_transaction_hash || SHA-256(internal_evidence) || data_hash); each path step is
 * SHA-256(hash || acc) when `left`, else SHA-256(acc || hash); no 0x00/0x01 prefixes. The signature covers the
 * resulting root as detached payload, exactly like vds 1. data_hash is the SHA-256 of the registered statement.
 */

export interface CcfLeaf {
  internalTxHash: Uint8Array;
  internalEvidence: string;
  dataHash: Uint8Array;
}

export interface CcfProof {
  leaf: CcfLeaf;
  path: Array<{ left: boolean; hash: Uint8Array }>;
}

/** Decode one vds-2 inclusion proof. @throws AtlogError ERR_RECEIPT_MALFORMED on any shape error. */
export function parseCcfProof(bytes: Uint8Array): CcfProof {
  const m = decodeProof(bytes, 'CCF inclusion');
  if (!(m instanceof Map)) throw malformed('CCF proof must be a map');
  const leaf = m.get(1);
  const path = m.get(2);
  if (!Array.isArray(leaf) || leaf.length !== 3) throw malformed('CCF leaf must be [tx_hash, evidence, data_hash]');
  const [ith, ev, dh] = leaf as unknown[];
  if (!(ith instanceof Uint8Array) || ith.length !== 32 || typeof ev !== 'string' || !(dh instanceof Uint8Array) || dh.length !== 32) {
    throw malformed('CCF leaf components have the wrong types');
  }
  if (!Array.isArray(path)) throw malformed('CCF path must be an array');
  const steps = path.map((s: unknown) => {
    if (!Array.isArray(s) || s.length !== 2 || typeof s[0] !== 'boolean' || !(s[1] instanceof Uint8Array) || s[1].length !== 32) {
      throw malformed('CCF path step must be [bool, 32-byte hash]');
    }
    return { left: s[0] as boolean, hash: s[1] as Uint8Array };
  });
  return { leaf: { internalTxHash: ith, internalEvidence: ev, dataHash: dh }, path: steps };
}

/** The CCF leaf hash. */
export function ccfLeafHash(l: CcfLeaf): Uint8Array {
  return sha256(concatBytes(l.internalTxHash, sha256(new TextEncoder().encode(l.internalEvidence)), l.dataHash));
}

/** The root a CCF proof leads to. */
export function ccfRoot(p: CcfProof): Uint8Array {
  let acc = ccfLeafHash(p.leaf);
  for (const s of p.path) acc = sha256(s.left ? concatBytes(s.hash, acc) : concatBytes(acc, s.hash));
  return acc;
}

/**
 * Verify a CCF-profile receipt (vds 2). With `entryHash`, the proof's data_hash must equal it.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNSUPPORTED_VDS (not vds 2), ERR_RECEIPT_UNSUPPORTED_PROOF,
 *   ERR_RECEIPT_UNKNOWN_KEY, ERR_RECEIPT_INCLUSION_INVALID (data hash differs, or the root is not signed).
 */
export function verifyCcfReceipt(receipt: Uint8Array, o: { entryHash?: Uint8Array; keys: readonly PublicKey[] }): ReceiptVerification & { dataHash: Uint8Array } {
  if (o.entryHash !== undefined) assertBytes(o.entryHash, 32, 'entryHash');
  const r = parseReceipt(receipt);
  if (r.vds !== VDS_CCF_LEDGER_SHA256) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_VDS', `vds ${String(r.vds)} is not 2 (CCF)`);
  if (r.payload !== null) throw malformed('receipt payload must be nil (detached root)');
  const list = proofsOfType(r, VDP_INCLUSION);
  if (list?.length !== 1) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_PROOF', 'CCF receipt must hold exactly one inclusion proof');
  const proof = parseCcfProof(list[0]!);
  if (o.entryHash !== undefined && !equalBytes(proof.leaf.dataHash, o.entryHash)) {
    throw new AtlogError('ERR_RECEIPT_INCLUSION_INVALID', `CCF data_hash ${toHex(proof.leaf.dataHash)} is not the entry hash ${toHex(o.entryHash)}`);
  }
  // CCF kids are hex text of the key hash, not RFC 9679 thumbprints: select by algorithm family only
  const keys = candidateKeys(o.keys, r.alg, undefined);
  const root = ccfRoot(proof);
  if (!verifyWithAny(keys.keys, r.protectedBytes, root, r.signature)) {
    throw new AtlogError('ERR_RECEIPT_INCLUSION_INVALID', 'the recomputed CCF root is not signed by a trusted service key');
  }
  return {
    vds: 2,
    treeSize: Number.NaN,
    leafIndex: Number.NaN,
    root,
    kid: r.kid,
    alg: r.alg,
    issuer: r.issuer,
    iat: r.iat,
    timestamps: r.timestamps,
    signature: r.signature,
    dataHash: proof.leaf.dataHash,
  };
}
