import { ed25519 } from '@noble/curves/ed25519.js';
import { AtlogError } from '../errors.js';
import { assertKeyName, keyId, SIG_ED25519 } from './keys.js';
import type { NoteSigner, NoteVerifier } from './verify-note.js';

/**
 * signed-note "Ed25519 signatures" (type 0x01): RFC 8032 Ed25519 over the note text. Verification is RFC 8032
 * strict (noble's zip215: false), as Go's crypto/ed25519 is, so atlog and Go accept the same signatures.
 */

/** Ed25519 verify that never throws (noble throws on malformed points). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * A note verifier for an Ed25519 (type 0x01) key.
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED` (key not 32 bytes).
 */
export function ed25519NoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'an Ed25519 public key is 32 bytes');
  const pub = publicKey.slice();
  return {
    name,
    keyId: keyId(name, SIG_ED25519, pub),
    type: SIG_ED25519,
    publicKey: pub,
    verify: (text, sig) => ed25519Verify(pub, text, sig),
  };
}

/**
 * A note signer for an Ed25519 (type 0x01) key from its 32-byte seed (RFC 8032 private key).
 * @throws AtlogError `ERR_KEY_NOTE_NAME`, `ERR_KEY_NOTE_MALFORMED` (seed not 32 bytes).
 */
export function ed25519NoteSigner(name: string, seed: Uint8Array): NoteSigner {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new AtlogError('ERR_KEY_NOTE_MALFORMED', 'an Ed25519 seed is 32 bytes');
  const secret = seed.slice();
  const verifier = ed25519NoteVerifier(name, ed25519.getPublicKey(secret));
  return {
    name,
    keyId: verifier.keyId,
    type: SIG_ED25519,
    verifier,
    sign: (text) => ed25519.sign(text, secret),
  };
}
