import { HEADER_POLICY_HASH } from '../cose/labels.js';
import type { PrivateKey } from '../keys/index.js';
import { prepareTreeHead, type SignedTreeHead } from '../receipts/index.js';
import type { CheckpointStore } from '../storage/types.js';
import { equalBytes } from '../util/bytes.js';
import type { Anchorer, CheckpointTokens, Obtained } from './anchoring.js';
import type { HeadSigner } from './head-signer.js';
import type { Policy } from '../policy/schema.js';
import { decodeCheckpoint, encodeCheckpoint } from './state.js';

export interface SealerDeps {
  checkpoints: CheckpointStore;
  anchorer: Anchorer;
  keys: readonly PrivateKey[];
  /** Computes the heads' signatures (ML-DSA in a worker thread). */
  signer: HeadSigner;
  /** CWT iss of the tree heads. */
  issuer: string;
  /** COSE alg for the P-256 head (-7 or -9); ML-DSA heads use their key's alg. */
  p256Alg: number;
  policy: () => Policy;
}

/** Tree heads being signed for a size, and the RFC 3161 tokens being asked for them. */
export interface Signing {
  readonly signed: Promise<SignedTreeHead[]>;
  readonly stamped: Promise<Obtained>;
}

/**
 * Checkpoints: one signed tree head per service key for a size, with the policy hash in the protected header,
 * stored once with its first RFC 3161 tokens. The one path for a batch and for recovery, so that there are
 * never two checkpoints of one size.
 */
export class Sealer {
  constructor(private readonly d: SealerDeps) {}

  /**
   * Starts signing the heads of `size` and `root` (in the sign worker) and asks the TSAs as soon as they are
   * signed: anchoring needs only the signatures. Neither promise is awaited here; their rejections are handled
   * where `seal` awaits them.
   */
  start(size: number, root: Uint8Array): Signing {
    const signed = this.sign(size, root);
    const stamped = signed.then((heads) => this.d.anchorer.obtain(heads.map((h) => h.signature)));
    stamped.catch(() => undefined);
    return { signed, stamped };
  }

  /**
   * Stores the heads signed by `start` with the tokens obtained for them (one atomic, synced write), unless a
   * checkpoint of this size is stored already: then that one is kept and anchored the usual way. The root of
   * a size is a function of the log, and the first checkpoint of a size is kept forever.
   * @throws AtlogError from signing or storage.
   */
  async seal(size: number, s: Signing): Promise<{ heads: SignedTreeHead[]; tokens: CheckpointTokens }> {
    let stored = await this.d.checkpoints.get(size);
    if (stored === undefined) {
      const heads = await s.signed;
      const got = await s.stamped;
      const ours = encodeCheckpoint(heads);
      stored = await this.d.checkpoints.put(size, ours, this.d.anchorer.tokenPuts(size, got));
      if (equalBytes(stored, ours)) {
        this.d.anchorer.settle(got);
        return { heads, tokens: got.tokens };
      }
    }
    const heads = decodeCheckpoint(stored);
    return { heads, tokens: await this.d.anchorer.anchor(size, heads.map((h) => h.signature)) };
  }

  /** Signed tree heads for `size` and `root`, one per service key, under the current policy's hash. */
  private async sign(size: number, root: Uint8Array): Promise<SignedTreeHead[]> {
    const policy = this.d.policy();
    const extraProtected = new Map<number | string, unknown>([[HEADER_POLICY_HASH, policy.hash]]);
    const prepared = this.d.keys.map((key, i) =>
      prepareTreeHead({ key, issuer: this.d.issuer, treeSize: size, root, extraProtected, ...(i === 0 ? { alg: this.d.p256Alg } : {}) }),
    );
    const signatures = await Promise.all(prepared.map((p, i) => this.d.signer.sign(i, p.tbs, p.head.alg)));
    return prepared.map((p, i) => ({ ...p.head, signature: signatures[i]! }));
  }
}
