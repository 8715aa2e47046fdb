import { ed25519 } from '@noble/curves/ed25519.js';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { AtlogError } from '../errors.js';
import { emptyRoot, HASH_SIZE } from '../merkle/index.js';
import { concatBytes, equalBytes } from '../util/bytes.js';
import { checkpointOrUndefined } from './checkpoint.js';
import { readU64, utf8, writeU64 } from './codec.js';
import { ed25519Verify } from './ed25519.js';
import { assertKeyName, keyId, SIG_COSIGNATURE_ED25519, SIG_COSIGNATURE_MLDSA44 } from './keys.js';
import { parseSignatureLine, signatureLine } from './note.js';
import type { NoteSigner, NoteVerifier } from './verify-note.js';

/**
 * C2SP tlog-cosignature: timestamped signatures over a checkpoint (or, for ML-DSA-44, a subtree), as note
 * signature lines. Both types carry `timestamped_signature` = uint64 big-endian timestamp || signature.
 *
 * - type 0x04, Ed25519 "cosignature/v1": Ed25519 over `cosignature/v1\ntime <T>\n` + the checkpoint text.
 * - type 0x06, ML-DSA-44 "subtree/v1": FIPS 204 ML-DSA-44 (pure, empty context) over the binary
 *   `cosigned_message` (label, cosigner name, timestamp, origin, start, end, hash); it does not cover extension
 *   lines, so atlog, like torchwood, neither makes nor accepts it on checkpoints that have any.
 */

/** Seconds since the epoch, the clock cosigners use unless given another. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);

const ED_SIG = 64;
const MLDSA_SIG = ml_dsa44.lengths.signature!;
const LABEL = utf8('subtree/v1\n\0');

/**
 * draft-ietf-plants-merkle-tree-certs section 4.1 (which tlog-cosignature cites): [start, end) is a subtree
 * when it is empty or start is a multiple of the smallest power of two not below end - start.
 */
export function isValidSubtree(start: number, end: number): boolean {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) return false;
  if (start === end) return true;
  let ceil = 1;
  while (ceil < end - start) ceil *= 2;
  return start % ceil === 0;
}

/** The Ed25519 cosignature/v1 signed message (tlog-cosignature "Ed25519 signed message"). */
export function cosignatureV1Message(timestamp: number, checkpointText: Uint8Array): Uint8Array {
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), checkpointText);
}

/** What a subtree/v1 signature is over. A checkpoint is the subtree [0, size) with the checkpoint's root. */
export interface SubtreeStatement {
  readonly cosigner: string;
  readonly timestamp: number;
  readonly origin: string;
  readonly start: number;
  readonly end: number;
  readonly hash: Uint8Array;
}

/**
 * The ML-DSA-44 subtree/v1 `cosigned_message` (tlog-cosignature "ML-DSA-44 signed message").
 * @throws AtlogError `ERR_COSIGNATURE_INVALID`: a name or origin outside 1..255 bytes, a timestamp with a
 *   non-zero start, an invalid subtree, a hash not 32 bytes or an empty subtree whose hash is not SHA-256("").
 */
export function subtreeV1Message(s: SubtreeStatement): Uint8Array {
  const name = utf8(s.cosigner);
  const origin = utf8(s.origin);
  const bad = (why: string): AtlogError => new AtlogError('ERR_COSIGNATURE_INVALID', `subtree/v1: ${why}`);
  if (name.length < 1 || name.length > 255) throw bad('the cosigner name must be 1 to 255 bytes');
  if (origin.length < 1 || origin.length > 255) throw bad('the log origin must be 1 to 255 bytes');
  if (!Number.isSafeInteger(s.timestamp) || s.timestamp < 0) throw bad('bad timestamp');
  if (s.start !== 0 && s.timestamp !== 0) throw bad('a subtree with a non-zero start has timestamp 0');
  if (!isValidSubtree(s.start, s.end)) throw bad(`[${s.start}, ${s.end}) is not a subtree`);
  if (!(s.hash instanceof Uint8Array) || s.hash.length !== HASH_SIZE) throw bad('the hash must be 32 bytes');
  if (s.start === s.end && !equalBytes(s.hash, emptyRoot())) throw bad('an empty subtree hashes to SHA-256("")');
  return concatBytes(LABEL, Uint8Array.of(name.length), name, writeU64(s.timestamp), Uint8Array.of(origin.length), origin,
    writeU64(s.start), writeU64(s.end), s.hash);
}

const timestampOf = (sigLen: number) => (sig: Uint8Array): number | undefined =>
  sig.length === 8 + sigLen ? readU64(sig, 0) : undefined;

/**
 * A verifier of Ed25519 cosignature/v1 (type 0x04) signatures of key `name`.
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED`.
 */
export function ed25519CosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'an Ed25519 public key is 32 bytes');
  const pub = publicKey.slice();
  const timestamp = timestampOf(ED_SIG);
  return {
    name,
    keyId: keyId(name, SIG_COSIGNATURE_ED25519, pub),
    type: SIG_COSIGNATURE_ED25519,
    publicKey: pub,
    timestamp,
    verify(text, sig) {
      const t = timestamp(sig);
      // The signed message is defined over a checkpoint; any other text is not a valid cosignature.
      if (t === undefined || checkpointOrUndefined(text) === undefined) return false;
      return ed25519Verify(pub, cosignatureV1Message(t, text), sig.subarray(8));
    },
  };
}

/**
 * A verifier of ML-DSA-44 subtree/v1 (type 0x06) signatures of key `name` over checkpoints.
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED`.
 */
export function mldsa44CosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ml_dsa44.lengths.publicKey) {
    throw new AtlogError('ERR_KEY_NOTE_MALFORMED', `an ML-DSA-44 public key is ${ml_dsa44.lengths.publicKey} bytes`);
  }
  const pub = publicKey.slice();
  const timestamp = timestampOf(MLDSA_SIG);
  const v: NoteVerifier = {
    name,
    keyId: keyId(name, SIG_COSIGNATURE_MLDSA44, pub),
    type: SIG_COSIGNATURE_MLDSA44,
    publicKey: pub,
    timestamp,
    verify(text, sig) {
      const t = timestamp(sig);
      const c = checkpointOrUndefined(text);
      if (t === undefined || c === undefined || c.extensions.length > 0) return false;
      return mldsaVerify(pub, { cosigner: name, timestamp: t, origin: c.origin, start: 0, end: c.size, hash: c.root }, sig.subarray(8));
    },
  };
  return v;
}

function mldsaVerify(pub: Uint8Array, s: SubtreeStatement, sig: Uint8Array): boolean {
  let msg: Uint8Array;
  try {
    msg = subtreeV1Message(s);
  } catch {
    return false;
  }
  try {
    return ml_dsa44.verify(sig, msg, pub);
  } catch {
    return false;
  }
}

/**
 * Check a subtree/v1 signature line (as `signSubtree` returns) against an ML-DSA-44 cosigner verifier.
 * False for lines of another key, a bad signature, or a statement that is not a valid subtree.
 */
export function verifySubtreeLine(v: NoteVerifier, subtree: Omit<SubtreeStatement, 'cosigner' | 'timestamp'>, line: string): boolean {
  if (v.type !== SIG_COSIGNATURE_MLDSA44) return false;
  let sig;
  try {
    sig = parseSignatureLine(line.replace(/\n$/, ''));
  } catch {
    return false;
  }
  if (sig.name !== v.name || sig.keyId !== v.keyId || sig.signature.length !== 8 + MLDSA_SIG) return false;
  const t = readU64(sig.signature, 0);
  if (t === undefined) return false;
  return mldsaVerify(v.publicKey, { ...subtree, cosigner: v.name, timestamp: t }, sig.signature.subarray(8));
}

function cosignedCheckpoint(text: Uint8Array): { origin: string; size: number; root: Uint8Array; extensions: readonly string[] } {
  const c = checkpointOrUndefined(text);
  if (c === undefined) throw new AtlogError('ERR_CHECKPOINT_MALFORMED', 'a cosignature is only made over a checkpoint');
  return c;
}

function checkTime(t: number): number {
  if (!Number.isSafeInteger(t) || t < 0) throw new AtlogError('ERR_COSIGNATURE_INVALID', `bad cosignature timestamp ${String(t)}`);
  return t;
}

/**
 * An Ed25519 cosignature/v1 (type 0x04) signer from a 32-byte seed. `now` gives the timestamp in seconds.
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED`; its `sign` throws
 *   `ERR_CHECKPOINT_MALFORMED` for a text that is not a checkpoint.
 */
export function ed25519CosignatureSigner(name: string, seed: Uint8Array, now: () => number = unixNow): NoteSigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'an Ed25519 seed is 32 bytes');
  const secret = seed.slice();
  const verifier = ed25519CosignatureVerifier(name, ed25519.getPublicKey(secret));
  return {
    name,
    keyId: verifier.keyId,
    type: SIG_COSIGNATURE_ED25519,
    verifier,
    sign(text) {
      cosignedCheckpoint(text);
      const t = checkTime(now());
      return concatBytes(writeU64(t), ed25519.sign(cosignatureV1Message(t, text), secret));
    },
  };
}

/** An ML-DSA-44 signer that can also sign subtrees. */
export interface SubtreeSigner extends NoteSigner {
  /** A subtree/v1 signature line (timestamp 0, with its final newline) over [start, end) of `origin`. */
  signSubtree(origin: string, start: number, end: number, hash: Uint8Array): string;
}

/**
 * An ML-DSA-44 subtree/v1 (type 0x06) signer from a 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal). Signing
 * is hedged (fresh randomness), as FIPS 204 recommends.
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED`; its `sign` throws
 *   `ERR_CHECKPOINT_MALFORMED` (not a checkpoint), `ERR_COSIGNATURE_INVALID` (extension lines, name too long).
 */
export function mldsa44CosignatureSigner(name: string, seed: Uint8Array, now: () => number = unixNow): SubtreeSigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'an ML-DSA-44 seed is 32 bytes');
  const { publicKey, secretKey } = ml_dsa44.keygen(seed);
  const verifier = mldsa44CosignatureVerifier(name, publicKey);
  const signStatement = (s: SubtreeStatement): Uint8Array =>
    concatBytes(writeU64(s.timestamp), ml_dsa44.sign(subtreeV1Message(s), secretKey));
  return {
    name,
    keyId: verifier.keyId,
    type: SIG_COSIGNATURE_MLDSA44,
    verifier,
    sign(text) {
      const c = cosignedCheckpoint(text);
      if (c.extensions.length > 0) throw new AtlogError('ERR_COSIGNATURE_INVALID', 'ML-DSA-44 cosignatures do not cover extension lines, so atlog does not make them over checkpoints that have any');
      return signStatement({ cosigner: name, timestamp: checkTime(now()), origin: c.origin, start: 0, end: c.size, hash: c.root });
    },
    signSubtree(origin, start, end, hash) {
      return signatureLine(name, verifier.keyId, signStatement({ cosigner: name, timestamp: 0, origin, start, end, hash }));
    },
  };
}
