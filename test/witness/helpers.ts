import { consistencyProof, type NodeReader } from '../../src/merkle/index.js';
import {
  formatAddCheckpointRequest,
  formatCheckpoint,
  generateNoteKey,
  SIG_COSIGNATURE_MLDSA44,
  SIG_ED25519,
  signerFromSkey,
  signNote,
  type NoteSigner,
} from '../../src/tlog/index.js';
import { RefTree, leafData, refLeaf } from '../merkle/reference.js';

/**
 * A test log: an Ed25519 note key and an ML-DSA-44 key under the origin, and a tree whose leaves come from
 * `seed`, so two logs of the same origin with different seeds are a split view of one log.
 */
export class TestLog {
  readonly ed: NoteSigner;
  readonly pq: NoteSigner;
  readonly skeys: string[];
  readonly vkeys: string[];
  private readonly ref: RefTree;

  constructor(
    readonly origin: string,
    private readonly seed = 0,
    keysFrom?: TestLog,
  ) {
    const keys = keysFrom
      ? keysFrom.skeys.map((skey, i) => ({ skey, vkey: keysFrom.vkeys[i]! }))
      : [generateNoteKey(origin, SIG_ED25519), generateNoteKey(origin, SIG_COSIGNATURE_MLDSA44)];
    this.skeys = keys.map((k) => k.skey);
    this.vkeys = keys.map((k) => k.vkey);
    [this.ed, this.pq] = this.skeys.map((s) => signerFromSkey(s)) as [NoteSigner, NoteSigner];
    this.ref = new RefTree((i) => refLeaf(leafData(i, this.seed)));
  }

  root(size: number): Uint8Array {
    return this.ref.mth(0, size);
  }

  /** The signed checkpoint note of `size` (both log signatures, or the ones given). */
  note(size: number, signers: readonly NoteSigner[] = [this.ed, this.pq]): string {
    return signNote(formatCheckpoint({ origin: this.origin, size, root: this.root(size), extensions: [] }), signers);
  }

  async proof(oldSize: number, size: number): Promise<Uint8Array[]> {
    if (oldSize === 0 || oldSize === size) return [];
    const read: NodeReader = async (level, index) => this.ref.mth(index * 2 ** level, (index + 1) * 2 ** level);
    return consistencyProof(oldSize, size, read);
  }

  /** An add-checkpoint body from `oldSize` to `size`. */
  async request(oldSize: number, size: number): Promise<Uint8Array> {
    return formatAddCheckpointRequest({ oldSize, proof: await this.proof(oldSize, size), note: this.note(size) });
  }
}

/** A logger that keeps what it is told. */
export function memoryLogger(): { lines: { level: string; msg: string; obj: object }[]; info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void } {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg: string): void => void lines.push({ level, msg, obj });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
