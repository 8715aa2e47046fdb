import { AtlogError } from '../errors.js';
import { hex32 } from './codec.js';
import { ed25519CosignatureSigner, ed25519CosignatureVerifier, mldsa44CosignatureSigner, mldsa44CosignatureVerifier, unixNow } from './cosignature.js';
import { ed25519NoteSigner, ed25519NoteVerifier } from './ed25519.js';
import { formatSkey, formatVkey, parseSkey, parseVkey, SIG_COSIGNATURE_ED25519, SIG_COSIGNATURE_MLDSA44, SIG_ED25519 } from './keys.js';
import type { NoteSigner, NoteVerifier } from './verify-note.js';

/**
 * Verifiers and signers from their text forms (vkeys, skeys), for the three signature types atlog uses:
 * 0x01 Ed25519 notes (the log's checkpoint key), 0x04 Ed25519 cosignature/v1 and 0x06 ML-DSA-44 subtree/v1
 * (witnesses, and the log's post-quantum checkpoint signature). Pure.
 */

/**
 * A verifier from a vkey.
 * @throws AtlogError as `parseVkey`.
 */
export function verifierFromVkey(vkey: string): NoteVerifier {
  const k = parseVkey(vkey);
  if (k.type === SIG_ED25519) return ed25519NoteVerifier(k.name, k.publicKey);
  if (k.type === SIG_COSIGNATURE_ED25519) return ed25519CosignatureVerifier(k.name, k.publicKey);
  return mldsa44CosignatureVerifier(k.name, k.publicKey);
}

/** The vkey of a verifier. */
export function vkeyOf(v: NoteVerifier): string {
  return formatVkey(v.name, v.type, v.publicKey);
}

/**
 * A signer of `type` for `name` from its 32-byte seed.
 * @throws AtlogError `ERR_KEY_NOTE_UNSUPPORTED`, `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED`.
 */
export function signerFromSeed(name: string, type: number, seed: Uint8Array, now: () => number = unixNow): NoteSigner {
  if (type === SIG_ED25519) return ed25519NoteSigner(name, seed);
  if (type === SIG_COSIGNATURE_ED25519) return ed25519CosignatureSigner(name, seed, now);
  if (type === SIG_COSIGNATURE_MLDSA44) return mldsa44CosignatureSigner(name, seed, now);
  throw new AtlogError('ERR_KEY_NOTE_UNSUPPORTED', `signature type 0x${type.toString(16)} is not supported`);
}

/**
 * A signer from an skey. The skey's key ID must be the ID of the public key its seed gives.
 * @throws AtlogError as `parseSkey`, and `ERR_KEY_NOTE_ID_MISMATCH`.
 */
export function signerFromSkey(skey: string, now: () => number = unixNow): NoteSigner {
  const k = parseSkey(skey);
  const s = signerFromSeed(k.name, k.type, k.seed, now);
  if (s.keyId !== k.keyId) throw new AtlogError('ERR_KEY_NOTE_ID_MISMATCH', `skey ${k.name}+${hex32(k.keyId)}: the key ID does not match the key`);
  return s;
}

/**
 * A fresh key of `type` for `name`, as an skey and its vkey. The seed comes from crypto.getRandomValues.
 * @throws AtlogError as `signerFromSeed`.
 */
export function generateNoteKey(name: string, type: number): { skey: string; vkey: string } {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const signer = signerFromSeed(name, type, seed);
  return { skey: formatSkey(name, type, seed, signer.keyId), vkey: vkeyOf(signer.verifier) };
}
