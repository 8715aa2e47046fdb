import { AtlogError } from '../errors.js';
import { cborDecode } from '../cose/cbor.js';
import type { PublicKey } from '../keys/index.js';
import { verifyConsistencyReceipt, verifySignedTreeHead, type DecodedTreeHead } from '../receipts/index.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { ReportBuilder, type VerificationReport } from './report.js';

/**
 * Consistency between two signed tree heads (RFC 9162 2.1.4): the old checkpoint (a signed tree head, root
 * attached or supplied) and a consistency receipt, which is the newer tree head's signature plus the proof.
 * An optional newer checkpoint must then have exactly the root the proof leads to (a split view otherwise).
 */
export interface VerifyConsistencyOptions {
  /** The older checkpoint: a signed tree head (root attached, or pass oldRoot) or a `GET /checkpoint` map. */
  oldCheckpoint: Uint8Array;
  oldRoot?: Uint8Array;
  /** Consistency receipt from the old size to the new one (issueConsistencyReceipt). */
  receipt: Uint8Array;
  /** Optional newer checkpoint (same forms) to compare with. */
  newCheckpoint?: Uint8Array;
  serviceKeys: readonly PublicKey[];
}

/** Verify that the log only grew between two checkpoints. Never throws: problems are failed checks. */
export function verifyTreeHeadConsistency(o: VerifyConsistencyOptions): VerificationReport {
  const b = new ReportBuilder();
  const old = b.run(
    'checkpoint.old',
    () => verifyCheckpoint(o.oldCheckpoint, o.serviceKeys, o.oldRoot),
    (t) => `size ${t.treeSize}, root ${toHex(t.root)}`,
  );
  if (!old) return b.build();
  const c = b.run('consistency', () => verifyConsistencyReceipt(o.receipt, { oldRoot: old.root, keys: o.serviceKeys }), (v) => `${v.size1} -> ${v.size2}, new root ${toHex(v.newRoot)}`);
  if (!c) return b.build();
  if (c.size1 === old.treeSize) b.pass('consistency.size', `proof starts at the old checkpoint's size ${old.treeSize}`);
  else b.fail('consistency.size', 'ERR_RECEIPT_CONSISTENCY_INVALID', `proof starts at size ${c.size1}, the old checkpoint is size ${old.treeSize}`);
  if (o.newCheckpoint) {
    const nw = b.run('checkpoint.new', () => verifyCheckpoint(o.newCheckpoint!, o.serviceKeys), (t) => `size ${t.treeSize}, root ${toHex(t.root)}`);
    if (nw) {
      if (nw.treeSize === c.size2 && equalBytes(nw.root, c.newRoot)) b.pass('checkpoint.new.matches', 'the newer checkpoint is the tree the proof leads to');
      else b.fail('checkpoint.new.matches', 'ERR_VERIFY_SPLIT_VIEW', `the newer checkpoint (size ${nw.treeSize}, root ${toHex(nw.root)}) differs from the proven tree (size ${c.size2}, root ${toHex(c.newRoot)})`);
    }
  }
  return b.build();
}

/**
 * A checkpoint in either form atlog publishes: one signed tree head (COSE_Sign1), or the `GET /checkpoint` map
 * `{treeSize, root, signedTreeHeads: [COSE_Sign1...], anchored}` (spec/api.md), whose tree heads must each
 * either verify with a trusted key or name a key the auditor does not hold; at least one must verify.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNKNOWN_KEY, ERR_RECEIPT_BAD_SIGNATURE.
 */
export function verifyCheckpoint(bytes: Uint8Array, keys: readonly PublicKey[], root?: Uint8Array): { treeSize: number; root: Uint8Array } {
  let m: unknown;
  try {
    m = cborDecode(bytes);
  } catch (e) {
    throw new AtlogError('ERR_RECEIPT_MALFORMED', 'checkpoint is not CBOR', { cause: e });
  }
  if (!(m instanceof Map)) return verifySignedTreeHead(bytes, root === undefined ? { keys } : { keys, root });
  const size = m.get('treeSize');
  const r = m.get('root');
  const heads = m.get('signedTreeHeads');
  if (typeof size !== 'number' || !(r instanceof Uint8Array) || r.length !== 32 || !Array.isArray(heads) || heads.length === 0) {
    throw new AtlogError('ERR_RECEIPT_MALFORMED', 'checkpoint map needs treeSize, a 32-byte root and signedTreeHeads');
  }
  verifyTreeHeads(size, r, heads, keys);
  return { treeSize: size, root: r };
}

/**
 * The signed tree heads of one checkpoint (size and root known): each must either verify over `root` with a
 * trusted key and name `size`, or name a key the auditor does not hold; at least one must verify.
 * @returns the tree heads that verified, in order.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNKNOWN_KEY (none verified), ERR_RECEIPT_BAD_SIGNATURE.
 */
export function verifyTreeHeads(size: number, root: Uint8Array, heads: readonly unknown[], keys: readonly PublicKey[]): Array<DecodedTreeHead & { root: Uint8Array }> {
  const verified: Array<DecodedTreeHead & { root: Uint8Array }> = [];
  for (const h of heads) {
    if (!(h instanceof Uint8Array)) throw new AtlogError('ERR_RECEIPT_MALFORMED', 'signedTreeHeads must be bstr');
    try {
      const t = verifySignedTreeHead(h, { keys, root });
      if (t.treeSize !== size) throw new AtlogError('ERR_RECEIPT_MALFORMED', `tree head size ${t.treeSize} is not the checkpoint's ${size}`);
      verified.push(t);
    } catch (e) {
      if (e instanceof AtlogError && e.code === 'ERR_RECEIPT_UNKNOWN_KEY') continue; // a key the auditor does not pin
      throw e;
    }
  }
  if (verified.length === 0) throw new AtlogError('ERR_RECEIPT_UNKNOWN_KEY', 'no tree head of the checkpoint is signed by a trusted service key');
  return verified;
}
