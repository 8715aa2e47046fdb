import { HEADER_POLICY_HASH } from '../cose/labels.js';
import { AtlogError } from '../errors.js';
import type { PrivateKey } from '../keys/index.js';
import { prepareTreeHead, type SignedTreeHead } from '../receipts/index.js';
import type { CheckpointStore, MetaPut, MetaStore } from '../storage/types.js';
import { equalBytes } from '../util/bytes.js';
import type { Anchorer, CheckpointTokens, Obtained } from './anchoring.js';
import type { HeadSigner } from './head-signer.js';
import type { Policy } from '../policy/schema.js';
import { decodeCheckpoint, encodeCheckpoint, metaKeys, text, textPut } from './state.js';

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
  /**
   * Signs the C2SP checkpoint note of a size (checkpoint-notes.ts), stored in the same write as its heads;
   * absent when the service has its C2SP views off (`tlog.enabled: false`).
   */
  noter?: { sign(size: number, root: Uint8Array, timestamp: number): Promise<string> };
  /** Where notes are kept (`n/cp/<size>`), read for checkpoints stored without one. */
  meta: MetaStore;
  /** Told once a size's checkpoint and note are stored (the tile publisher follows it). */
  onSealed?: (size: number, note: string) => void;
}

/** Tree heads being signed for a size, and the RFC 3161 tokens being asked for them. */
export interface Signing {
  readonly signed: Promise<SignedTreeHead[]>;
  readonly stamped: Promise<Obtained>;
  /** The checkpoint note of the same size, root and time (spec/tlog.md section 9); undefined without a noter. */
  readonly noted: Promise<string | undefined>;
}

/**
 * Checkpoints: one signed tree head per service key for a size, with the policy hash in the protected header,
 * and the C2SP checkpoint note of the same size, root and time, stored once with its first RFC 3161 tokens in
 * one write. The one path for a batch and for recovery, so that there are never two checkpoints of one size,
 * and a note and a tree head of one size always carry the same root.
 */
export class Sealer {
  constructor(private readonly d: SealerDeps) {}

  /**
   * Starts signing the heads of `size` and `root` (in the sign worker) and asks the TSAs as soon as they are
   * signed: anchoring needs only the signatures. Neither promise is awaited here; their rejections are handled
   * where `seal` awaits them.
   */
  start(size: number, root: Uint8Array): Signing {
    const iat = Math.floor(Date.now() / 1000);
    const signed = this.sign(size, root, iat);
    const stamped = signed.then((heads) => this.d.anchorer.obtain(heads.map((h) => h.signature)));
    stamped.catch(() => undefined);
    const noted = this.d.noter ? this.d.noter.sign(size, root, iat) : Promise.resolve(undefined);
    noted.catch(() => undefined);
    return { signed, stamped, noted };
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
      const note = await s.noted;
      const ours = encodeCheckpoint(heads);
      const puts: MetaPut[] = [...this.d.anchorer.tokenPuts(size, got), ...(note === undefined ? [] : [textPut(metaKeys.note(size), note)])];
      stored = await this.d.checkpoints.put(size, ours, puts);
      if (equalBytes(stored, ours)) {
        this.d.anchorer.settle(got);
        if (note !== undefined) this.d.onSealed?.(size, note);
        return { heads, tokens: got.tokens };
      }
    }
    const heads = decodeCheckpoint(stored);
    // The stored checkpoint won: its note was written with it (or, for a checkpoint stored before notes
    // existed, is made now from its root).
    if (this.d.noter) this.d.onSealed?.(size, await this.noteOf(size, heads[0]!.root, s.noted));
    return { heads, tokens: await this.d.anchorer.anchor(size, heads.map((h) => h.signature)) };
  }

  /**
   * The stored note of a checkpoint; one is signed from the stored root and stored when there is none (a data
   * directory written before notes existed). `signing`, when given, is a note already being signed for the same
   * root.
   * @throws AtlogError from signing or storage; ERR_SERVICE_INTERNAL when notes are off.
   */
  async noteOf(size: number, root: Uint8Array, signing?: Promise<string | undefined>): Promise<string> {
    const have = text(await this.d.meta.get(metaKeys.note(size)));
    if (have !== undefined) return have;
    const noter = this.d.noter;
    if (noter === undefined) throw new AtlogError('ERR_SERVICE_INTERNAL', 'checkpoint notes are off (tlog.enabled: false)');
    const note = (await signing) ?? (await noter.sign(size, root, Math.floor(Date.now() / 1000)));
    await this.d.meta.put([textPut(metaKeys.note(size), note)]);
    return note;
  }

  /** Signed tree heads for `size` and `root` at `iat`, one per service key, under the current policy's hash. */
  private async sign(size: number, root: Uint8Array, iat: number): Promise<SignedTreeHead[]> {
    const policy = this.d.policy();
    const extraProtected = new Map<number | string, unknown>([[HEADER_POLICY_HASH, policy.hash]]);
    const prepared = this.d.keys.map((key, i) =>
      prepareTreeHead({ key, issuer: this.d.issuer, treeSize: size, root, iat, extraProtected, ...(i === 0 ? { alg: this.d.p256Alg } : {}) }),
    );
    const signatures = await Promise.all(prepared.map((p, i) => this.d.signer.sign(i, p.tbs, p.head.alg)));
    return prepared.map((p, i) => ({ ...p.head, signature: signatures[i]! }));
  }
}
