import { createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { ALG_ML_DSA_44 } from '../cose/algorithms.js';
import { mldsaFromSeed, mldsaPublicBytes } from '../keys/mldsa.js';
import {
  ed25519NoteVerifier,
  formatCheckpoint,
  formatNote,
  mldsa44CosignatureVerifier,
  signatureLine,
  subtreeV1Message,
  vkeyOf,
  type NoteVerifier,
} from '../tlog/index.js';
import { writeU64 } from '../tlog/codec.js';
import { concatBytes, fromBase64Url } from '../util/bytes.js';
import { HeadSigner } from './head-signer.js';
import type { NoteKeySeeds } from './tlog-keys.js';

/**
 * Signs the C2SP checkpoint of a tree head (spec/tlog.md sections 4 and 9): `origin / size / base64 root`, with
 * the log's Ed25519 note signature (type 0x01) and, with post-quantum signatures on, its ML-DSA-44 signature
 * in the cosignature format (type 0x06 subtree/v1 over [0, size) under the origin, timestamped with the COSE
 * tree head's iat). The sealer calls it with the same size, root and time as the COSE tree heads, in the same
 * step, so the two formats can never carry different roots for one size.
 *
 * Ed25519 signs on this thread with node:crypto (RFC 8032 signatures are deterministic: byte for byte those of
 * the pure signer in src/tlog, which the tests check); ML-DSA-44 (tens of ms in pure JS on a loaded machine)
 * signs in a worker thread of its own, like the ML-DSA-65 tree head (head-signer.ts).
 */

/** PKCS #8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

export class CheckpointNoter {
  /** The log's note verifiers: Ed25519 (0x01) first, then ML-DSA-44 (0x06) when post-quantum signing is on. */
  readonly verifiers: readonly NoteVerifier[];
  private readonly edKey: KeyObject;
  private readonly mldsa: HeadSigner | undefined;

  /**
   * @param pq sign with ML-DSA-44 too (the service's `pqReceipts`).
   * @param offload sign ML-DSA-44 in a worker thread (the service's `signWorker`).
   * @throws AtlogError ERR_KEY_NOTE_NAME for an origin that is not a valid key name.
   */
  constructor(
    readonly origin: string,
    seeds: NoteKeySeeds,
    pq: boolean,
    offload: boolean,
  ) {
    this.edKey = createPrivateKey({ key: Buffer.from(concatBytes(ED25519_PKCS8_PREFIX, seeds.ed25519)), format: 'der', type: 'pkcs8' });
    const jwk = createPublicKey(this.edKey).export({ format: 'jwk' });
    const verifiers = [ed25519NoteVerifier(origin, fromBase64Url(String(jwk.x)))];
    if (pq) {
      const key = mldsaFromSeed(ALG_ML_DSA_44, seeds.mldsa44);
      verifiers.push(mldsa44CosignatureVerifier(origin, mldsaPublicBytes(key)!));
      this.mldsa = new HeadSigner([key], offload);
    }
    this.verifiers = verifiers;
  }

  /** The vkeys of `verifiers`, one per key. */
  get vkeys(): string[] {
    return this.verifiers.map(vkeyOf);
  }

  /**
   * The signed checkpoint note of `size` and `root`; `timestamp` (seconds) is the tree head's iat.
   * @throws AtlogError ERR_SERVICE_INTERNAL when the ML-DSA worker fails; ERR_CHECKPOINT_MALFORMED for bad input.
   */
  async sign(size: number, root: Uint8Array, timestamp: number): Promise<string> {
    const text = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
    const bytes = new TextEncoder().encode(text);
    const ed = this.verifiers[0]!;
    const lines = [signatureLine(this.origin, ed.keyId, new Uint8Array(nodeSign(null, bytes, this.edKey)))];
    if (this.mldsa) {
      const ml = this.verifiers[1]!;
      const message = subtreeV1Message({ cosigner: this.origin, timestamp, origin: this.origin, start: 0, end: size, hash: root });
      const sig = await this.mldsa.sign(0, message, ALG_ML_DSA_44);
      lines.push(signatureLine(this.origin, ml.keyId, concatBytes(writeU64(timestamp), sig)));
    }
    return formatNote(text, lines);
  }

  /** Stops the ML-DSA worker. */
  async close(): Promise<void> {
    await this.mldsa?.close();
  }
}
