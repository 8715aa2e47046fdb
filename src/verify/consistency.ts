import type { PublicKey } from '../keys/index.js';
import { verifyConsistencyReceipt, verifySignedTreeHead } from '../receipts/index.js';
import { equalBytes, toHex } from '../util/bytes.js';
import { ReportBuilder, type VerificationReport } from './report.js';

/**
 * Consistency between two signed tree heads (RFC 9162 2.1.4): the old checkpoint (a signed tree head, root
 * attached or supplied) and a consistency receipt, which is the newer tree head's signature plus the proof.
 * An optional newer checkpoint must then have exactly the root the proof leads to (a split view otherwise).
 */
export interface VerifyConsistencyOptions {
  /** The older signed tree head (encodeSignedTreeHead; root attached, or pass oldRoot). */
  oldCheckpoint: Uint8Array;
  oldRoot?: Uint8Array;
  /** Consistency receipt from the old size to the new one (issueConsistencyReceipt). */
  receipt: Uint8Array;
  /** Optional newer signed tree head (root attached) to compare with. */
  newCheckpoint?: Uint8Array;
  serviceKeys: readonly PublicKey[];
}

/** Verify that the log only grew between two checkpoints. Never throws: problems are failed checks. */
export function verifyTreeHeadConsistency(o: VerifyConsistencyOptions): VerificationReport {
  const b = new ReportBuilder();
  const old = b.run(
    'checkpoint.old',
    () => verifySignedTreeHead(o.oldCheckpoint, o.oldRoot === undefined ? { keys: o.serviceKeys } : { keys: o.serviceKeys, root: o.oldRoot }),
    (t) => `size ${t.treeSize}, root ${toHex(t.root)}`,
  );
  if (!old) return b.build();
  const c = b.run('consistency', () => verifyConsistencyReceipt(o.receipt, { oldRoot: old.root, keys: o.serviceKeys }), (v) => `${v.size1} -> ${v.size2}, new root ${toHex(v.newRoot)}`);
  if (!c) return b.build();
  if (c.size1 === old.treeSize) b.pass('consistency.size', `proof starts at the old checkpoint's size ${old.treeSize}`);
  else b.fail('consistency.size', 'ERR_RECEIPT_CONSISTENCY_INVALID', `proof starts at size ${c.size1}, the old checkpoint is size ${old.treeSize}`);
  if (o.newCheckpoint) {
    const nw = b.run('checkpoint.new', () => verifySignedTreeHead(o.newCheckpoint!, { keys: o.serviceKeys }), (t) => `size ${t.treeSize}, root ${toHex(t.root)}`);
    if (nw) {
      if (nw.treeSize === c.size2 && equalBytes(nw.root, c.newRoot)) b.pass('checkpoint.new.matches', 'the newer checkpoint is the tree the proof leads to');
      else b.fail('checkpoint.new.matches', 'ERR_VERIFY_SPLIT_VIEW', `the newer checkpoint (size ${nw.treeSize}, root ${toHex(nw.root)}) differs from the proven tree (size ${c.size2}, root ${toHex(c.newRoot)})`);
    }
  }
  return b.build();
}
