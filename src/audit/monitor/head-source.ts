import type { TransparencyClient } from '../../client/index.js';
import { AtlogError, isAtlogError, type AtlogErrorCode } from '../../errors.js';
import type { PublicKey } from '../../keys/index.js';
import { decodeSignedTreeHead, verifyConsistencyReceipt } from '../../receipts/index.js';
import { equalBytes, toHex } from '../../util/bytes.js';
import { verifyCheckpoint } from '../../verify/consistency.js';
import { cborDecode } from '../../cose/cbor.js';

/**
 * Where a monitor gets signed tree heads and consistency proofs, and how it checks them (spec/monitor.md
 * section 2). The monitor itself (check.ts) only compares heads; everything that depends on the wire form lives
 * behind `HeadSource`. atlog's SCRAPI extension (`GET /checkpoint`, `GET /proofs/consistency`) is the one source
 * today; a C2SP `/tlog/checkpoint` source (signed notes, proofs from tiles) is another implementation of the
 * same interface, with its own `format` so a state file never mixes the two.
 */

/** The wire form of a recorded head: atlog's `GET /checkpoint` map (spec/api.md). */
export type HeadFormat = 'atlog-checkpoint';

/** A signed tree head the monitor has verified: the bytes as served (the evidence) and what they say. */
export interface ObservedHead {
  readonly format: HeadFormat;
  readonly treeSize: number;
  readonly root: Uint8Array;
  /** Exactly as served: `atlog verify --old-checkpoint/--new-checkpoint` reads this file. */
  readonly bytes: Uint8Array;
  /** CWT iat of its first tree head (seconds since the epoch), when it carries one. */
  readonly issuedAt: number | undefined;
}

/** What a consistency proof between two verified heads showed. */
export type ProofOutcome =
  | { readonly consistent: true; readonly proof: Uint8Array }
  | { readonly consistent: false; readonly proof: Uint8Array; readonly code: AtlogErrorCode; readonly detail: string };

export interface HeadSource {
  readonly format: HeadFormat;
  /**
   * Decodes and verifies head bytes recorded earlier, with the keys in use now.
   * @throws AtlogError (the verification codes: ERR_RECEIPT_*) when they do not verify.
   */
  verify(bytes: Uint8Array): ObservedHead;
  /**
   * The newest head the service signs, verified; undefined while its log is empty.
   * @throws AtlogError ERR_CLIENT_* when the service cannot be asked; ERR_RECEIPT_* when the head does not verify.
   */
  latest(signal?: AbortSignal): Promise<ObservedHead | undefined>;
  /**
   * Asks the service for a proof that `older` is a prefix of `newer` (older.treeSize < newer.treeSize) and checks it.
   * A proof that fails is an answer (`consistent: false`); a proof that cannot be evaluated throws.
   * @throws AtlogError ERR_CLIENT_* (no answer), ERR_RECEIPT_MALFORMED / _UNKNOWN_KEY / _UNSUPPORTED_* (an
   *   answer that is no usable proof), ERR_MONITOR_PROOF_SIZES (a proof between other sizes than asked).
   */
  prove(older: ObservedHead, newer: ObservedHead, signal?: AbortSignal): Promise<ProofOutcome>;
}

/** The codes of a consistency proof that was checked and failed: a split view, not a failure to evaluate. */
const INCONSISTENT: ReadonlySet<AtlogErrorCode> = new Set(['ERR_RECEIPT_CONSISTENCY_INVALID']);

/** The CWT iat of the first tree head of a `GET /checkpoint` map (only for display; the signature covers it). */
function issuedAtOf(bytes: Uint8Array): number | undefined {
  try {
    const m = cborDecode(bytes) as Map<string, unknown>;
    const heads = m.get('signedTreeHeads') as Uint8Array[];
    return decodeSignedTreeHead(heads[0]!).iat;
  } catch {
    return undefined;
  }
}

/**
 * The SCRAPI source: atlog's `GET /checkpoint` map, each tree head verified with the pinned keys (at least one
 * must verify, none may fail; spec/receipts.md), and consistency receipts from `GET /proofs/consistency`.
 */
export function scrapiHeadSource(client: TransparencyClient, keys: readonly PublicKey[]): HeadSource {
  if (keys.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'a head source needs at least one pinned service key');
  const verify = (bytes: Uint8Array): ObservedHead => {
    const v = verifyCheckpoint(bytes, keys);
    return { format: 'atlog-checkpoint', treeSize: v.treeSize, root: v.root, bytes, issuedAt: issuedAtOf(bytes) };
  };
  return {
    format: 'atlog-checkpoint',
    verify,
    async latest(signal) {
      try {
        const cp = await client.checkpoint(signal ? { signal } : {});
        return verify(cp.bytes);
      } catch (e) {
        if (isAtlogError(e, 'ERR_CLIENT_NOT_FOUND')) return undefined; // 404: nothing signed yet
        throw e;
      }
    },
    async prove(older, newer, signal) {
      const proof = await client.consistency(older.treeSize, newer.treeSize, signal ? { signal } : {});
      let got;
      try {
        got = verifyConsistencyReceipt(proof, { oldRoot: older.root, keys });
      } catch (e) {
        if (isAtlogError(e) && INCONSISTENT.has(e.code)) return { consistent: false, proof, code: e.code, detail: e.message };
        throw e;
      }
      if (got.size1 !== older.treeSize || got.size2 !== newer.treeSize) {
        throw new AtlogError('ERR_MONITOR_PROOF_SIZES', `asked for a proof ${older.treeSize} -> ${newer.treeSize}, the service sent ${got.size1} -> ${got.size2}`);
      }
      // RFC 9162 2.1.4.2 gave the root of size `newer.treeSize` that the proof leads to, signed by a pinned key;
      // the checkpoint names another root for the same size: the service signed two trees of one size.
      if (!equalBytes(got.newRoot, newer.root)) {
        return { consistent: false, proof, code: 'ERR_VERIFY_SPLIT_VIEW', detail: `the proof leads to root ${toHex(got.newRoot)} at size ${got.size2}, the checkpoint says ${toHex(newer.root)}` };
      }
      return { consistent: true, proof };
    },
  };
}
